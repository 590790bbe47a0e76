"""Settings, read once from the environment (prefix CATALOG_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    # The embedded default: a SQLite file under ./var/ of the working directory.
    return f"sqlite:///{Path('var').resolve() / 'catalog.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore")

    database_url: str = ""
    base_uri: str = "http://127.0.0.1:8000"
    site_title: str = "日本オープンデータカタログ"
    site_title_en: str = "Japan Open Data Catalogue"
    publisher_name: str = "デジタル庁"
    # Outbound HTTP allow-list (hosts or addresses that bypass the private-address refusal).
    harvest_allowed_hosts: str = ""
    # Run due harvest jobs in a thread of the web process (SQLite only; `catalog serve` turns it
    # on; PostgreSQL deployments run `catalog worker` processes instead). Off in tests.
    harvest_scheduler: bool = False
    max_request_bytes: int = 10 * 1024 * 1024
    # Bulk uploads waiting for their save (app.bulk.uploads): parsed lists and their previews.
    bulk_upload_dir: str = "var/uploads"
    # The in-memory search index (app.search.memory): "on" loads it in the background when
    # the app starts (the database index answers meanwhile), "wait" loads it in the first
    # search that needs it, "off" never uses it.
    search_memory: Literal["on", "wait", "off"] = "on"
    token_default_days: int = 365
    # Request concurrency against the database (app.api.sessions, app.db): at most
    # `db_sessions` requests hold a session; others wait up to `db_queue_timeout` seconds
    # (at most `db_max_waiting` of them), then get 503 + Retry-After. The pool holds
    # `db_pool_size` connections (+ `db_pool_overflow` for background work), and the worker
    # thread pool has `db_pool_size` threads, so every thread can get a connection.
    db_sessions: int = 16
    db_pool_size: int = 24
    db_pool_overflow: int = 8
    db_pool_timeout: float = 5.0
    db_queue_timeout: float = 10.0
    db_max_waiting: int = 1000
    # Rate limits (app.api.rate_limit), `limits` notation, "" = off; in-memory per process.
    rate_limit_ip: str = "6000/minute"
    rate_limit_token: str = "6000/minute"
    rate_limit_login: str = "10/minute"
    # Browser sessions of staff (app.accounts.web_sessions): a session ends after this many
    # minutes without a request, and in any case this many hours after sign-in.
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    # Seconds a SQLite writer waits for the lock held by another process before 503.
    db_busy_timeout: float = 10.0
    # Riding out faults (app.faults).
    # Seconds a client is told to wait (Retry-After) after a transient database fault.
    retry_after_seconds: int = 5
    # Seconds between polls of an idle harvest worker or scheduler thread.
    harvest_poll_seconds: float = 5.0
    # A running job's lease: its runner renews it every third of this; a job whose process
    # died, or that has not renewed it for this long, is failed with the reason (and its
    # source is free for the next run) within about this time.
    harvest_lease_seconds: float = 60.0
    # Rows per read transaction of the memory-index loader.
    search_memory_batch: int = 2000
    # The memory-index snapshot file each process starts from (app.search.memory.snapshot):
    # "" = `<SQLite file>.search-snapshot`, or var/search-snapshot-<database hash> for
    # PostgreSQL; "off" = always load from the database.
    search_snapshot: str = ""

    @field_validator("base_uri")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def effective_database_url(self) -> str:
        return self.database_url or default_database_url()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
