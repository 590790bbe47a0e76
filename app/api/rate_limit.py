"""Rate limits per client IP, per API token, and for password logins (pure ASGI middleware).

Library: `limits` (moving windows, in-memory storage). The counters live in each web process,
so with `--workers N` a client gets up to N times the limit, and they restart empty; a shared
storage (`limits` supports Redis/Memcached URIs) would change that, at the cost of a server.

- every request counts against its IP (`rate_limit_ip`); a request carrying a token counts
  against that token too (`rate_limit_token`), so fake tokens cannot lift the IP limit;
- a password login (`POST /api/v1/tokens` without a token) counts against `rate_limit_login`
  per IP here, and per user name in `check_login_user` (called by the route);
- responses carry `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds) of the
  limit closest to running out (IETF draft-ietf-httpapi-ratelimit-headers); a refused request
  gets 429 with `Retry-After`.

The client IP is the ASGI peer address: behind a reverse proxy, run uvicorn with
`--proxy-headers --forwarded-allow-ips=<proxy>` so that it is the real client's.
Limits are strings in the `limits` notation ("6000/minute;200/second"); empty turns one off.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.guards import send_json
from app.api.v1.errors import error_body
from app.errors import TooManyRequests

EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
LOGIN_PATH = "/api/v1/tokens"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


class RateLimits:
    """The limits of one application and their in-memory counters."""

    def __init__(self, ip: str, token: str, login: str) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.ip = parse_many(ip) if ip.strip() else []
        self.token = parse_many(token) if token.strip() else []
        self.login = parse_many(login) if login.strip() else []

    def hit(self, checks: list[tuple[list[RateLimitItem], tuple[str, ...]]]) -> Verdict | None:
        """Count one request against every (limits, key) given; None when none applies."""
        worst: Verdict | None = None
        now = time.time()
        for items, key in checks:
            for item in items:
                allowed = self._limiter.hit(item, *key)
                stats = self._limiter.get_window_stats(item, *key)
                verdict = Verdict(
                    allowed,
                    item.amount,
                    max(0, stats.remaining),
                    max(0, math.ceil(stats.reset_time - now)),
                )
                if (
                    worst is None
                    or (not allowed and worst.allowed)
                    or (allowed == worst.allowed and verdict.remaining < worst.remaining)
                ):
                    worst = verdict
        return worst

    def check_login_ip(self, ip: str) -> None:
        """Count a password attempt from `ip` (the web sign-in form; the API's login is
        counted by the middleware under the same key, so both share one budget)."""
        verdict = self.hit([(self.login, ("login-ip", ip))])
        if verdict is not None and not verdict.allowed:
            raise TooManyRequests(
                f"Too many login attempts from this address: retry in {verdict.reset_seconds} s",
                retry_after=max(1, verdict.reset_seconds),
            )

    def check_login_user(self, user: str) -> None:
        """Count a password attempt for `user`; 429 past `rate_limit_login` (route's guard)."""
        verdict = self.hit([(self.login, ("login-user", user.strip().lower()))])
        if verdict is not None and not verdict.allowed:
            raise TooManyRequests(
                f"Too many login attempts for this user: retry in {verdict.reset_seconds} s",
                retry_after=max(1, verdict.reset_seconds),
            )


def _token_key(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name in (b"authorization", b"x-ckan-api-key") and value.strip():
            return hashlib.sha256(value.strip()).hexdigest()[:32]
    return None


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        token = _token_key(scope)
        checks: list[tuple[list[RateLimitItem], tuple[str, ...]]] = [(self.limits.ip, ("ip", ip))]
        if token is not None:
            checks.append((self.limits.token, ("token", token)))
        elif scope.get("method") == "POST" and scope.get("path") == LOGIN_PATH:
            checks.append((self.limits.login, ("login-ip", ip)))
        verdict = self.limits.hit(checks)
        if verdict is None:
            await self.app(scope, receive, send)
            return
        headers = verdict.headers()
        if not verdict.allowed:
            retry = str(max(1, verdict.reset_seconds))
            message = f"Rate limit reached ({verdict.limit} requests): retry in {retry} s"
            await send_json(
                send,
                429,
                error_body("Too Many Requests", message),
                {**headers, "Retry-After": retry},
            )
            return
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *raw]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
