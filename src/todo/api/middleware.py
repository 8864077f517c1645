"""Request body size limit (ASGI middleware, so it holds for every route)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo.api import envelope, errors

TOO_LARGE = "Request body too large"


class BodyTooLarge(HTTPException):
    """Raised from `receive` when the streamed body passes the limit. An HTTPException, so
    that body parsing anywhere lets it through as is; the handlers answer 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"{TOO_LARGE} (at most {max_bytes} bytes)")


class BodyLimit:
    """Refuses bodies over `max_bytes`: at once when Content-Length says so (nothing else runs),
    otherwise as soon as the bytes received pass the limit (chunked uploads, lying headers).
    Paths matching a pattern of `larger` have that limit instead (a whole account's import)."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = [(re.compile(pattern), limit) for pattern, limit in (larger or {}).items()]

    def limit_for(self, path: str) -> int:
        """The largest body a request to `path` may send."""
        return next(
            (limit for pattern, limit in self.larger if pattern.fullmatch(path)), self.max_bytes
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await self._refusal(scope, max_bytes)(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge(max_bytes)
            return message

        await self.app(scope, limited, send)

    def _refusal(self, scope: Scope, max_bytes: int) -> Response:
        error = BodyTooLarge(max_bytes)
        if errors.is_api_request(Request(scope)):
            return envelope.failure(413, "PAYLOAD_TOO_LARGE", str(error.detail))
        return PlainTextResponse(str(error.detail), status_code=413)
