"""Background loops' health: a jittered backoff, and a state each loop keeps for `/readyz`.

A loop (the harvest scheduler or worker, the memory-index loader and catch-up) calls
`state.ok()` after each good round and `state.failed(exc)` after a bad one; `failed` logs
with the loop's context and returns how long to wait. Waits grow exponentially with "full
jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"), so processes that lost
the same database do not come back in step. A loop with `FAILING_AFTER` failures in a row
is reported as failing.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.faults.classify import transient
from app.timeutil import utcnow

log = logging.getLogger(__name__)
FAILING_AFTER = 3


@dataclass
class Backoff:
    """Exponential backoff with full jitter: the n-th wait is uniform in [base, base·2ⁿ]
    capped at `cap` seconds."""

    base: float = 0.5
    cap: float = 30.0
    attempt: int = 0

    def next(self) -> float:
        ceiling = min(self.cap, self.base * (2**self.attempt))
        self.attempt += 1
        return random.uniform(min(self.base, ceiling), ceiling)

    def reset(self) -> None:
        self.attempt = 0


@dataclass
class LoopState:
    """What `/readyz` says about one loop of this process."""

    name: str
    backoff: Backoff = field(default_factory=Backoff)
    started: datetime = field(default_factory=utcnow)
    last_tick: datetime | None = None
    last_ok: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failures: int = 0  # in a row
    errors: int = 0  # in all
    detail: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def ok(self) -> None:
        with self.lock:
            self.last_tick = self.last_ok = utcnow()
            self.failures = 0
            self.backoff.reset()

    def failed(self, exc: BaseException, context: str = "") -> float:
        """Record and log `exc`; the seconds to wait before the next round."""
        kind = transient(exc)
        with self.lock:
            self.last_tick = self.last_error_at = utcnow()
            self.last_error = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
            self.failures += 1
            self.errors += 1
            wait = self.backoff.next()
            failures = self.failures
        where = f"{self.name}{f' ({context})' if context else ''}"
        if kind is not None:  # expected now and then: no stack trace
            log.warning("%s: transient %s error, retry in %.1f s (%d in a row): %s",
                        where, kind, wait, failures, self.last_error)  # fmt: skip
        else:
            log.error("%s: failed, retry in %.1f s (%d in a row)", where, wait, failures,
                      exc_info=exc)  # fmt: skip
        return wait

    @property
    def failing(self) -> bool:
        return self.failures >= FAILING_AFTER

    def report(self) -> dict[str, Any]:
        with self.lock:
            return {
                "state": "failing" if self.failing else "ok",
                "last_tick": _iso(self.last_tick),
                "last_ok": _iso(self.last_ok),
                "last_error": self.last_error,
                "last_error_at": _iso(self.last_error_at),
                "failures_in_a_row": self.failures,
                "errors": self.errors,
                **self.detail,
            }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="milliseconds") + "Z"
