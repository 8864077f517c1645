"""Rows as Better Auth's JSON: camelCase keys, ISO-8601 UTC dates with milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from todo.db import Row


def iso(moment: datetime) -> str:
    """`2025-01-01T00:00:00.000Z`, as JavaScript's `Date.toJSON` writes it."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def user(row: Row) -> dict[str, Any]:
    """Better Auth's user object."""
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "email": row["email"],
        "emailVerified": row["email_verified"],
        "image": row["image"],
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }


def session(row: Row, token: str) -> dict[str, Any]:
    """Better Auth's session object, with `token` given (the database keeps only a hash)."""
    return {
        "id": str(row["id"]),
        "expiresAt": iso(row["expires_at"]),
        "token": token,
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
        "ipAddress": row["ip_address"],
        "userAgent": row["user_agent"],
        "userId": str(row["user_id"]),
    }


# --- documentation models: what the OpenAPI document shows (responses are built above) ---


class _Doc(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class UserOut(_Doc):
    id: UUID
    name: str | None
    email: str
    email_verified: bool
    image: str | None
    created_at: datetime
    updated_at: datetime


class SessionOut(_Doc):
    id: UUID
    expires_at: datetime
    token: str = Field(description="The raw session token (list-sessions: the session id).")
    created_at: datetime
    updated_at: datetime
    ip_address: str | None
    user_agent: str | None
    user_id: UUID


class SessionAndUser(_Doc):
    session: SessionOut
    user: UserOut


class TokenAndUser(_Doc):
    token: str | None = Field(description="The new raw session token, or null (no session).")
    user: UserOut


class SignedInOut(_Doc):
    redirect: bool
    token: str
    url: str | None = Field(default=None, description="callbackURL, when one was given.")
    user: UserOut


class StatusOut(_Doc):
    status: bool
    message: str | None = Field(default=None, description="Only on request-password-reset.")


class SuccessOut(_Doc):
    success: bool
    message: str | None = None


class ErrorOut(_Doc):
    message: str
    code: str | None = Field(default=None, description="Better Auth's error code.")


class JwtOut(_Doc):
    token: str = Field(
        description="An EdDSA JWT: sub = user id, sid = session id, iat, exp, jti, iss, aud "
        "and the user's fields; the task API takes it while the session lives."
    )


class JwksOut(_Doc):
    keys: list[dict[str, str]] = Field(description="Public JWKs (OKP / Ed25519) with `kid`.")


_MEANINGS = {
    400: "Refused input; `code` says why (VALIDATION_ERROR, PASSWORD_TOO_SHORT, ...)",
    401: "No valid session (UNAUTHORIZED), or the credentials were refused",
    403: "Untrusted origin or redirect target, or a rule said no (see `code`)",
    404: "No such thing (see `code`)",
    415: "The body is not JSON",
    422: "The email is taken (USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL)",
    429: "Too many requests: wait Retry-After seconds",
}


def responses(ok: Any = None, *errors: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses: `ok` documents the 200 body, `errors` the refusals that can happen."""
    documented: dict[int | str, dict[str, Any]] = {}
    if ok is not None:
        documented[200] = {"model": ok}
    for status in errors:
        documented[status] = {"model": ErrorOut, "description": _MEANINGS[status]}
    return documented


COMMON_ERRORS = {
    **responses(None, 403, 429),
    "4XX": {"model": ErrorOut, "description": "Any refusal, in Better Auth's shape"},
}
"""What every /api/auth route may answer: the origin check, the rate limits."""
