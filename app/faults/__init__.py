"""Riding out transient faults: what counts as one, backing off, and reporting loop health.

`classify` tells a transient database error (locked SQLite, dropped connection, PostgreSQL
restart or failover, pool timeout) from a bug; `loops` gives background loops a jittered
backoff and a state that `/readyz` reports; `http` turns transient errors into 503 with
`Retry-After` on every surface and retries idempotent reads once the connection is back.
"""
