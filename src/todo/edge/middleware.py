"""Input bounds and decoding for every route, before any route runs.

The body is received in full, within `max_bytes` (413) and `body_timeout` (408), before the
application sees the request: a route therefore never holds a database connection while a
slow client trickles its body in. The query string is bounded (414); the path, the query, an
urlencoded form and a JSON body are decoded strictly once (`todo.edge.decode`); the decoded
JSON is kept on the request for the route (`json_of`). Refusals are rendered in the shape of
the route family the request was meant for.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo import inputs
from todo.edge import family
from todo.errors import DomainError, InvalidParameter, PayloadTooLarge, ValidationFailed

_JSON_KEY = "todo.json"
_ABSENT = object()
CLOSE = {"Connection": "close"}


class RequestTimeout(DomainError):
    code, status = "REQUEST_TIMEOUT", 408


class UriTooLong(DomainError):
    code, status = "URI_TOO_LONG", 414


class _Refused(Exception):
    def __init__(self, error: DomainError, headers: Mapping[str, str] | None = None) -> None:
        self.error = error
        self.headers = dict(headers or {})


class _ClientGone(Exception):
    pass


def json_of(request: Request) -> Any:
    """The request's JSON body as the edge decoded it; ValidationFailed when it sent none."""
    value = request.scope.get(_JSON_KEY, _ABSENT)
    if value is _ABSENT:
        raise ValidationFailed(
            "The body must be JSON",
            details={"body": ["send Content-Type: application/json and a JSON document"]},
        )
    return value


def is_json(media_type: str) -> bool:
    """application/json, or any application/*+json."""
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # only a disconnect can follow

    return replay


class InputGuard:
    """See the module docstring. Paths matching a pattern of `larger` may send that much."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        body_timeout: float,
        max_query_bytes: int,
        larger: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout = body_timeout
        self.max_query_bytes = max_query_bytes
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
        try:
            self._check_url(scope)
            receive = await self._receive_body(scope, receive)
        except _Refused as refusal:
            response = family.render(Request(scope), refusal.error, headers=refusal.headers)
            await response(scope, receive, send)
            return
        except _ClientGone:
            return
        await self.app(scope, receive, send)

    def _check_url(self, scope: Scope) -> None:
        query: bytes = scope.get("query_string", b"")
        if len(query) > self.max_query_bytes:
            message = f"The query string is longer than {self.max_query_bytes} bytes"
            raise _Refused(UriTooLong(message))
        try:
            inputs.check_text(scope["path"], "path")
            if b"%" in query:  # only percent-escapes can smuggle in what plain ASCII cannot
                inputs.urlencoded(query, "query")
        except inputs.BadInput as bad:
            raise _Refused(
                InvalidParameter("Invalid request parameters", details={bad.where: [bad.message]})
            ) from None

    async def _receive_body(self, scope: Scope, receive: Receive) -> Receive:
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is None and "chunked" not in headers.get("transfer-encoding", "").lower():
            return receive
        limit = self.limit_for(scope["path"])
        if declared is not None and declared.isdigit():
            if int(declared) > limit:
                raise _Refused(
                    PayloadTooLarge(f"Request body too large (at most {limit} bytes)"), CLOSE
                )
            if int(declared) == 0:
                return receive
        try:
            async with asyncio.timeout(self.body_timeout):
                body = await self._read(receive, limit)
        except TimeoutError:
            message = f"The request body did not arrive within {self.body_timeout:g} seconds"
            raise _Refused(RequestTimeout(message), CLOSE) from None
        self._decode(scope, headers, body)
        return _replay(body, receive)

    @staticmethod
    async def _read(receive: Receive, limit: int) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _ClientGone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _Refused(
                    PayloadTooLarge(f"Request body too large (at most {limit} bytes)"), CLOSE
                )
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    def _decode(scope: Scope, headers: Headers, body: bytes) -> None:
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        try:
            if is_json(media_type) and body.strip():
                scope[_JSON_KEY] = inputs.json_document(body)
            elif media_type == "application/x-www-form-urlencoded":
                inputs.urlencoded(body, "body")
        except inputs.BadInput as bad:
            raise _Refused(family.invalid_body(scope["path"], bad)) from None
