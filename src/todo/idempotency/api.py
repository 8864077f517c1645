"""The HTTP side of idempotency keys: the `Idempotency-Key` header and replayed answers.

A route reads the key with `keyed_request` (None when the header is absent, so a request
without a key costs nothing: no query, no hashing), documents it with `PARAMETER`, and wraps
its one service call in `once`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from todo.api import envelope
from todo.api.caller import Caller
from todo.api.envelope import ErrorEnvelope
from todo.db import Transaction
from todo.errors import InvalidParameter
from todo.idempotency import service
from todo.idempotency.models import KEY_MAX
from todo.idempotency.service import HEADER

REPLAYED = "Idempotent-Replayed"
"""Set (`true`) on an answer that is a replay of the first one given to its key."""

# Printable ASCII; spaces only inside (HTTP drops them at either end of a header value).
_KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"
_KEY = re.compile(_KEY_PATTERN)
# What describes a stored body; the rate-limit headers are the current request's own.
_REPLAYED_HEADERS = ("content-type", "etag", "location")
_HEADER_DOC = (
    "Makes the request safe to retry: the same key with the same request answers as the "
    "first time did (marked `Idempotent-Replayed: true`) and changes nothing more; with a "
    "different request, 422; while the first is still running, 409. Keys are yours alone and "
    f"kept for at least {service.KEEP_SECONDS // 3600} hours. 1 to {KEY_MAX} printable ASCII "
    "characters, e.g. a random UUID."
)

REPLAYED_DOC = {
    REPLAYED: {
        "description": "`true` when this answer replays the first one given to the request's "
        "Idempotency-Key (absent otherwise).",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorEnvelope,
        "description": "CONFLICT: a request with this Idempotency-Key is still being processed; "
        "retry shortly",
    },
    422: {
        "model": ErrorEnvelope,
        "description": "UNPROCESSABLE_CONTENT: this Idempotency-Key was used with a different "
        "request (method, path or body)",
    },
}
"""Error answers of a route that takes a key, for its OpenAPI `responses`."""


PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": _HEADER_DOC,
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX, "pattern": _KEY_PATTERN},
}
"""The header as the OpenAPI document shows it (read by a plain call, not a FastAPI parameter:
that costs more than it is worth on the hot path)."""


async def keyed_request(request: Request) -> service.KeyedRequest | None:
    """The request's idempotency key and fingerprint; None without the header."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if len(key) > KEY_MAX or not _KEY.fullmatch(key):
        raise InvalidParameter(
            "Invalid Idempotency-Key",
            details={
                HEADER: [
                    f"must be 1 to {KEY_MAX} printable ASCII characters, "
                    "with no space at either end"
                ]
            },
        )
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    fingerprint = service.fingerprint(
        method=request.method,
        path=request.url.path,
        content_type=content_type,
        body=await request.body(),
    )
    return service.KeyedRequest(key=key, fingerprint=fingerprint)


async def once(
    tx: Transaction,
    caller: Caller,
    request: service.KeyedRequest | None,
    run: Callable[[], Awaitable[Response]],
) -> Response:
    """`run`'s answer, given once per key: stored with the work's transaction, replayed for a
    retry of the same request. Without a key, simply `run`."""
    if request is None:
        return await run()
    stored = await service.claim(tx, user_id=caller.user_id, request=request)
    if stored is not None:
        headers = {**envelope.NO_STORE, **stored.headers, **caller.headers(), REPLAYED: "true"}
        return Response(stored.body, stored.status, headers)
    response = await run()
    answer = service.Answer(
        status=response.status_code,
        headers={
            name: response.headers[name] for name in _REPLAYED_HEADERS if name in response.headers
        },
        body=bytes(response.body),
    )
    await service.remember(tx, user_id=caller.user_id, request=request, answer=answer)
    return response
