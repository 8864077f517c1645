"""The API's JSON shapes: `{"data", "meta"}` on success, `{"error", "meta"}` on failure.

Responses are serialised straight to bytes (pydantic-core, no response-model validation pass);
the pydantic models here describe the same shapes for the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from pydantic_core import to_json
from starlette.responses import Response

JSON = "application/json"
NO_STORE = {"Cache-Control": "no-store"}  # every answer is one user's private data


class Meta(BaseModel):
    timestamp: datetime = Field(description="When the server answered (ISO-8601, UTC).")


class ListMeta(Meta):
    total: int = Field(description="How many tasks match the filter, across all pages.")
    limit: int = Field(description="The page size used.")
    offset: int = Field(description="How many matching tasks were skipped.")
    next_cursor: str | None = Field(
        description="Send as `cursor` (with the same `completed`, `sort`, `order` and other "
        "filters) for the page after this one; null on the last page."
    )


class ErrorBody(BaseModel):
    code: str = Field(
        description="UNAUTHORIZED, FORBIDDEN, NOT_FOUND, INVALID_PARAMETER, VALIDATION_ERROR, "
        "CONFLICT, PRECONDITION_FAILED, UNPROCESSABLE_CONTENT, PAYLOAD_TOO_LARGE, RATE_LIMITED, "
        "METHOD_NOT_ALLOWED, URI_TOO_LONG or INTERNAL_ERROR."
    )
    message: str = Field(description="For people; may change.")
    details: dict[str, list[str]] | None = Field(
        default=None, description="Per field (or parameter) messages, for 400s."
    )


class ErrorEnvelope(BaseModel):
    """Every error of the task API."""

    error: ErrorBody
    meta: Meta


def now() -> datetime:
    """The time stamped on a response."""
    return datetime.now(UTC)


def success(
    data: Any,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> Response:
    """A success envelope around `data` (anything pydantic-core can serialise)."""
    body = to_json({"data": data, "meta": {"timestamp": now(), **(meta or {})}})
    return Response(body, status, {**NO_STORE, **(headers or {})}, media_type=JSON)


def failure(
    status: int,
    code: str,
    message: str,
    *,
    details: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An error envelope."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    body = to_json({"error": error, "meta": {"timestamp": now()}})
    return Response(body, status, {**NO_STORE, **(headers or {})}, media_type=JSON)


def empty(*, headers: Mapping[str, str] | None = None) -> Response:
    """204 No Content."""
    return Response(status_code=204, headers={**NO_STORE, **(headers or {})})
