"""Rows as Better Auth's JSON: camelCase keys, ISO-8601 UTC dates with milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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
