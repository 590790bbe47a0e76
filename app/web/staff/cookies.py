"""The browser-session cookies: names and attributes in one place.

`catalog_session` carries a signed-in session's id; `catalog_presession` is a random id given
to an anonymous form (sign-in) so its CSRF token is bound to this browser. Both are HttpOnly,
SameSite=Lax, Path=/, and Secure when the request came over https (the request's scheme:
uvicorn sets it from X-Forwarded-Proto only when started with --proxy-headers for a trusted
proxy). Neither has Max-Age: they end with the browser; the server ends sessions earlier.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import Response

SESSION_COOKIE = "catalog_session"
PRESESSION_COOKIE = "catalog_presession"


def is_https(request: HTTPConnection) -> bool:
    return request.url.scheme == "https"


def set_cookie(response: Response, request: HTTPConnection, name: str, value: str) -> None:
    response.set_cookie(
        name, value, path="/", httponly=True, samesite="lax", secure=is_https(request)
    )


def clear_cookie(response: Response, request: HTTPConnection, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=is_https(request))
