"""SQL for users."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from todo.db import Row, Transaction

USER_COLUMNS = "id, email, email_verified, name, image, created_at, updated_at"


async def get_user_by_email(tx: Transaction, *, email: str) -> Row | None:
    """The user with this (lower-cased) email, or None."""
    return await tx.fetch_one(
        f"SELECT {USER_COLUMNS} FROM users WHERE email = %s", (email.lower(),)
    )


async def get_user(tx: Transaction, *, user_id: UUID) -> Row | None:
    """The user with this id, or None."""
    return await tx.fetch_one(f"SELECT {USER_COLUMNS} FROM users WHERE id = %s", (user_id,))


async def insert_user(
    tx: Transaction, *, email: str, name: str | None, email_verified: bool = False
) -> Row | None:
    """A new user; None if the email is taken."""
    return await tx.fetch_one(
        "INSERT INTO users (email, name, email_verified) VALUES (%s, %s, %s) "
        f"ON CONFLICT (email) DO NOTHING RETURNING {USER_COLUMNS}",
        (email.lower(), name, email_verified),
    )


async def delete_user_by_email(tx: Transaction, *, email: str) -> bool:
    """Delete a user (their tasks go with them); whether one was deleted."""
    return await tx.execute("DELETE FROM users WHERE email = %s", (email.lower(),)) == 1


SESSION_COLUMNS = "id, user_id, expires_at, ip_address, user_agent, created_at, updated_at"


async def insert_session(
    tx: Transaction,
    *,
    user_id: UUID,
    token_hash: bytes,
    expires_at: datetime,
    ip_address: str | None,
    user_agent: str | None,
) -> Row:
    """A new session row (the caller keeps the raw token; only its hash is stored)."""
    row = await tx.fetch_one(
        "INSERT INTO sessions (user_id, token_hash, expires_at, ip_address, user_agent) "
        f"VALUES (%s, %s, %s, %s, %s) RETURNING {SESSION_COLUMNS}",
        (user_id, token_hash, expires_at, ip_address, user_agent),
    )
    assert row is not None
    return row


async def find_active_session(tx: Transaction, *, token_hash: bytes) -> Row | None:
    """The unexpired session with this token hash, or None."""
    return await tx.fetch_one(
        f"SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = %s AND expires_at > now()",
        (token_hash,),
    )
