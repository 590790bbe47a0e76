"""HEAD is answered as GET without the body (RFC 9110 §9.3.2).

FastAPI routes declared with `@router.get` answer HEAD with 405, which broke `curl -I`, link
checkers and crawlers on every page, RDF document and API read. The request runs as a GET (a
safe request: a read transaction, counted by the rate limits as any request); the status and
headers go out as they are, the body is dropped.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        finished = False

        async def headers_only(message: Message) -> None:
            nonlocal finished
            if message["type"] != "http.response.body":
                await send(message)
            elif not finished and not message.get("more_body", False):
                finished = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive, headers_only)
