"""Application errors: each carries its HTTP status; every surface renders them its own way."""

from __future__ import annotations


class AppError(Exception):
    status_code = 400
    kind = "Bad Request"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        # Extra response headers (Retry-After), sent by every surface's error renderer.
        self.headers: dict[str, str] = {}


class Invalid(AppError):
    """Input that fails validation; `fields` maps field names to messages."""

    status_code = 422
    kind = "Validation Error"


class NotFound(AppError):
    status_code = 404
    kind = "Not Found"


class Conflict(AppError):
    status_code = 409
    kind = "Conflict"


class Unauthorized(AppError):
    status_code = 401
    kind = "Unauthorized"


class Forbidden(AppError):
    status_code = 403
    kind = "Forbidden"


class PreconditionFailed(AppError):
    """If-Match did not match the current revision (lost-update protection)."""

    status_code = 412
    kind = "Precondition Failed"


class SearchQueryError(AppError):
    """A search query or filter the parser cannot read (CKAN's "Search Query Error").

    `syntax` is the parser's `app.search.query.QuerySyntaxError` when the query string
    itself is malformed (its `kind` lets a page word the message in the reader's language).
    """

    status_code = 400
    kind = "Search Query Error"
    syntax: ValueError | None = None


class Unavailable(AppError):
    """Overload: no database capacity within the wait allowed. Carries `Retry-After` seconds."""

    status_code = 503
    kind = "Service Unavailable"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class TooManyRequests(AppError):
    """A rate limit was reached (app.api.rate_limit). Carries `Retry-After` seconds."""

    status_code = 429
    kind = "Too Many Requests"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}
