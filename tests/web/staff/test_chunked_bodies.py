"""Request bodies sent chunked (no Content-Length) to a real server are capped like those
with one: the bulk upload at app.api.guards.UPLOAD_MAX_BYTES, every other form at
`max_request_bytes`; 413 with a message, before the CSRF middleware buffers them."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

from app.api.guards import UPLOAD_MAX_BYTES

CHUNK = 1024 * 1024


def _chunked_post(base: str, path: str, total: int, content_type: str) -> tuple[int, bytes]:
    """POST `total` bytes of 'a' to `path` as Transfer-Encoding: chunked; (status, body)."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=120) as s:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n"
        )
        s.sendall(head.encode())
        sent = 0
        try:
            while sent < total:
                size = min(CHUNK, total - sent)
                s.sendall(f"{size:x}\r\n".encode() + b"a" * size + b"\r\n")
                sent += size
            s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the whole body was sent
        answer = b""
        try:
            while chunk := s.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def test_chunked_upload_over_the_cap_is_refused(staff_site: str) -> None:
    boundary = "multipart/form-data; boundary=x"
    status, body = _chunked_post(staff_site, "/dataset/upload", UPLOAD_MAX_BYTES + CHUNK, boundary)
    assert status == 413
    assert f"exceeds {UPLOAD_MAX_BYTES} bytes" in json.loads(body)["error"]["message"]


def test_chunked_form_over_the_request_cap_is_refused(staff_site: str) -> None:
    form = "application/x-www-form-urlencoded"
    status, body = _chunked_post(staff_site, "/user/login", 12 * CHUNK, form)
    assert status == 413
    assert b"exceeds" in body


def test_small_chunked_upload_reaches_the_csrf_check(staff_site: str) -> None:
    # Under the cap the body is passed on: no session and no token, so CSRF refuses it.
    status, _ = _chunked_post(
        staff_site, "/dataset/upload", 1000, "multipart/form-data; boundary=x"
    )
    assert status == 403
