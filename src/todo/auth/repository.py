"""SQL for users."""

from __future__ import annotations

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
