"""Rendering a staff page: the public layout, never indexed, never stored by any cache."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from app.web.render import render


def render_staff(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> Response:
    """`render` with `noindex` (robots meta and X-Robots-Tag), `Cache-Control: no-store` and
    no framing (CSP frame-ancestors 'none', X-Frame-Options DENY)."""
    response = render(request, template, {"noindex": True, **context}, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    # Staff pages hold state-changing buttons (delete, run, revoke): never inside another
    # site's frame (clickjacking; OWASP Clickjacking Defense Cheat Sheet).
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def safe_came_from(value: str | None) -> str | None:
    """`value` when it is a path on this site ("/…"), else None (open-redirect guard).

    Refused: absolute URLs ("https://x"), scheme-relative ("//x", "/\\x"), control characters.
    """
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    if any(ord(c) < 0x20 or c == "\\" for c in value):
        return None
    return value
