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
    tx: Transaction,
    *,
    email: str,
    name: str | None,
    email_verified: bool = False,
    image: str | None = None,
) -> Row | None:
    """A new user; None if the email is taken."""
    return await tx.fetch_one(
        "INSERT INTO users (email, name, email_verified, image) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT (email) DO NOTHING RETURNING {USER_COLUMNS}",
        (email.lower(), name, email_verified, image),
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


async def update_user(tx: Transaction, *, user_id: UUID, changes: dict[str, object]) -> Row | None:
    """Set name and/or image (the only columns a user may change); the updated row."""
    columns = [column for column in ("name", "image") if column in changes]
    if not columns:
        return await get_user(tx, user_id=user_id)
    assignments = ", ".join(f"{column} = %s" for column in columns)
    return await tx.fetch_one(
        f"UPDATE users SET {assignments} WHERE id = %s RETURNING {USER_COLUMNS}",
        (*(changes[column] for column in columns), user_id),
    )


async def mark_email_verified(tx: Transaction, *, user_id: UUID) -> Row | None:
    """Record that the user proved they own their address; the updated row."""
    return await tx.fetch_one(
        f"UPDATE users SET email_verified = true WHERE id = %s RETURNING {USER_COLUMNS}",
        (user_id,),
    )


async def delete_user(tx: Transaction, *, user_id: UUID) -> bool:
    """Delete a user; accounts, sessions, verifications and tasks go by cascade."""
    return await tx.execute("DELETE FROM users WHERE id = %s", (user_id,)) == 1


# --- credential accounts (provider "credential", account id = user id, as Better Auth) ---

CREDENTIAL = "credential"


async def get_sign_in_candidate(tx: Transaction, *, email: str, address: str | None) -> Row | None:
    """The user with this email plus `password` (their hash, or None) and `known_address`
    (they have a live session from the client `address`), or None."""
    columns = ", ".join(f"u.{column.strip()}" for column in USER_COLUMNS.split(","))
    return await tx.fetch_one(
        f"SELECT {columns}, a.password, EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id "
        "AND s.ip_address = %s AND s.expires_at > now()) AS known_address "
        "FROM users u LEFT JOIN accounts a ON a.user_id = u.id AND a.provider_id = %s "
        "WHERE u.email = %s",
        (address, CREDENTIAL, email.lower()),
    )


async def get_password_hash(tx: Transaction, *, user_id: UUID) -> Row | None:
    """The user's credential account (`password` may be None), or None."""
    return await tx.fetch_one(
        "SELECT id, password FROM accounts WHERE user_id = %s AND provider_id = %s",
        (user_id, CREDENTIAL),
    )


async def set_password_hash(tx: Transaction, *, user_id: UUID, password_hash: str) -> None:
    """Store the user's password hash, creating their credential account if needed."""
    await tx.execute(
        "INSERT INTO accounts (user_id, account_id, provider_id, password) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (provider_id, account_id) DO UPDATE SET password = EXCLUDED.password",
        (user_id, str(user_id), CREDENTIAL, password_hash),
    )


# --- sessions ---

USER_PREFIX = "user__"

_JOINED = ", ".join(
    [f"s.{c.strip()}" for c in SESSION_COLUMNS.split(",")]
    + [f"u.{c.strip()} AS {USER_PREFIX}{c.strip()}" for c in USER_COLUMNS.split(",")]
)


async def find_session_with_user(tx: Transaction, *, token_hash: bytes) -> Row | None:
    """The session with this token hash, expired or not, with its user's columns as `user__*`."""
    return await tx.fetch_one(
        f"SELECT {_JOINED} FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash = %s",
        (token_hash,),
    )


async def extend_session(tx: Transaction, *, session_id: UUID, expires_at: datetime) -> Row | None:
    """Slide a session's expiry; the updated row."""
    return await tx.fetch_one(
        f"UPDATE sessions SET expires_at = %s WHERE id = %s RETURNING {SESSION_COLUMNS}",
        (expires_at, session_id),
    )


async def delete_session_by_hash(tx: Transaction, *, token_hash: bytes) -> Row | None:
    """End the session with this token hash; its `user_id` and `session_id`, or None."""
    return await tx.fetch_one(
        "DELETE FROM sessions WHERE token_hash = %s RETURNING user_id, id AS session_id",
        (token_hash,),
    )


async def delete_session(tx: Transaction, *, user_id: UUID, session_id: UUID) -> bool:
    """End one of this user's sessions; whether it existed."""
    query = "DELETE FROM sessions WHERE id = %s AND user_id = %s"
    return await tx.execute(query, (session_id, user_id)) == 1


async def delete_sessions(
    tx: Transaction, *, user_id: UUID, keep_session_id: UUID | None = None
) -> int:
    """End every session of this user (but `keep_session_id`); how many."""
    return await tx.execute(
        "DELETE FROM sessions WHERE user_id = %s AND id IS DISTINCT FROM %s",
        (user_id, keep_session_id),
    )


async def delete_expired_sessions(tx: Transaction, *, user_id: UUID) -> None:
    """Drop this user's sessions that can no longer be used."""
    await tx.execute("DELETE FROM sessions WHERE user_id = %s AND expires_at <= now()", (user_id,))


async def list_active_sessions(tx: Transaction, *, user_id: UUID) -> list[Row]:
    """The user's unexpired sessions, newest first."""
    return await tx.fetch_all(
        f"SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = %s AND expires_at > now() "
        "ORDER BY created_at DESC",
        (user_id,),
    )


# --- verifications (emailed single-use tokens; `value` holds the token's hash) ---


async def insert_verification(
    tx: Transaction, *, user_id: UUID, identifier: str, value: str, expires_at: datetime
) -> None:
    """Remember an emailed token (by its hash) until it is used or expires."""
    await tx.execute(
        "INSERT INTO verifications (user_id, identifier, value, expires_at) "
        "VALUES (%s, %s, %s, %s)",
        (user_id, identifier, value, expires_at),
    )


async def find_verification(tx: Transaction, *, identifier: str, value: str) -> Row | None:
    """The unexpired token of this kind and hash, left in place; or None."""
    return await tx.fetch_one(
        "SELECT user_id, expires_at FROM verifications "
        "WHERE identifier = %s AND value = %s AND expires_at > now()",
        (identifier, value),
    )


async def take_verification(tx: Transaction, *, identifier: str, value: str) -> Row | None:
    """Remove and return the token of this kind and hash (used once, even if expired)."""
    return await tx.fetch_one(
        "DELETE FROM verifications WHERE identifier = %s AND value = %s "
        "RETURNING user_id, expires_at, expires_at <= now() AS expired",
        (identifier, value),
    )


async def delete_verifications(tx: Transaction, *, user_id: UUID, identifier: str) -> None:
    """Forget every token of this kind for the user."""
    await tx.execute(
        "DELETE FROM verifications WHERE user_id = %s AND identifier = %s", (user_id, identifier)
    )


async def prune_verifications(tx: Transaction) -> None:
    """Forget tokens that expired (nobody can use them any more)."""
    await tx.execute("DELETE FROM verifications WHERE expires_at <= now()")


# --- rate-limit counters (fixed windows, shared by every worker) ---


async def hit_counter(tx: Transaction, *, key: str, window: float) -> Row:
    """Count one hit on `key`; `hits` in the current window and `retry_after` seconds left."""
    row = await tx.fetch_one(
        """
        INSERT INTO rate_limits AS r (key, window_started_at, hits) VALUES (%(key)s, now(), 1)
        ON CONFLICT (key) DO UPDATE SET
            hits = CASE WHEN r.window_started_at + %(window)s * interval '1 second' <= now()
                        THEN 1 ELSE r.hits + 1 END,
            window_started_at = CASE
                WHEN r.window_started_at + %(window)s * interval '1 second' <= now()
                THEN now() ELSE r.window_started_at END
        RETURNING hits, ceil(extract(epoch FROM
            r.window_started_at + %(window)s * interval '1 second' - now()))::int AS retry_after
        """,
        {"key": key, "window": window},
    )
    assert row is not None
    return row


async def reset_counter(tx: Transaction, *, key: str) -> None:
    """Forget the hits on `key`."""
    await tx.execute("DELETE FROM rate_limits WHERE key = %s", (key,))


async def lock_counters(tx: Transaction, *, keys: list[str]) -> dict[str, Row]:
    """The counters with these keys, locked until the transaction ends: `hits`, and `age`, the
    seconds since `window_started_at`. Missing keys have no entry."""
    rows = await tx.fetch_all(
        "SELECT key, hits, extract(epoch FROM now() - window_started_at)::float8 AS age "
        "FROM rate_limits WHERE key = ANY(%s) ORDER BY key FOR UPDATE",
        (keys,),
    )
    return {row["key"]: row for row in rows}


async def count_failures(
    tx: Transaction, *, keys: list[str], streaks: list[str], window: float
) -> None:
    """Count one more failure on each key; a counter whose time ran out starts again at 1.

    A key starts its window at its first failure, unless it is in `streaks`: those record the
    time of the latest failure instead, so their count lasts until a window passes quietly."""
    await tx.execute(
        """
        INSERT INTO rate_limits AS r (key, window_started_at, hits)
        SELECT key, now(), 1 FROM unnest(%(keys)s::text[]) AS key ORDER BY key
        ON CONFLICT (key) DO UPDATE SET
            hits = CASE WHEN r.window_started_at + %(window)s * interval '1 second' <= now()
                        THEN 1 ELSE r.hits + 1 END,
            window_started_at = CASE
                WHEN r.key = ANY(%(streaks)s)
                  OR r.window_started_at + %(window)s * interval '1 second' <= now()
                THEN now() ELSE r.window_started_at END
        """,
        {"keys": keys, "streaks": streaks, "window": window},
    )


async def uncount(tx: Transaction, *, keys: list[str]) -> None:
    """Take one hit back from each of these counters."""
    await tx.execute(
        "UPDATE rate_limits SET hits = greatest(hits - 1, 0) WHERE key = ANY(%s)", (keys,)
    )


async def prune_counters(tx: Transaction, *, older_than: float) -> None:
    """Drop counters whose window ended long ago."""
    await tx.execute(
        "DELETE FROM rate_limits WHERE window_started_at < now() - %s * interval '1 second'",
        (older_than,),
    )


# --- JWT signing keys ---

JWK_COLUMNS = "id, public_key, private_key, created_at, expires_at"


async def lock_signing_keys(tx: Transaction) -> None:
    """Serialise key creation across workers until the transaction ends."""
    await tx.execute("SELECT pg_advisory_xact_lock(hashtext('todo.jwks'))")


async def current_signing_key(tx: Transaction) -> Row | None:
    """The newest key that has not been retired, or None."""
    return await tx.fetch_one(
        f"SELECT {JWK_COLUMNS} FROM jwks WHERE expires_at IS NULL OR expires_at > now() "
        "ORDER BY created_at DESC LIMIT 1"
    )


async def insert_signing_key(
    tx: Transaction, *, key_id: UUID, public_key: str, private_key: str
) -> Row:
    """Store a new key pair (the private half already encrypted)."""
    row = await tx.fetch_one(
        "INSERT INTO jwks (id, public_key, private_key) VALUES (%s, %s, %s) "
        f"RETURNING {JWK_COLUMNS}",
        (key_id, public_key, private_key),
    )
    assert row is not None
    return row


async def published_keys(tx: Transaction, *, grace: float) -> list[Row]:
    """Keys whose tokens may still be in circulation: current, or retired within `grace` s."""
    return await tx.fetch_all(
        "SELECT id, public_key FROM jwks "
        "WHERE expires_at IS NULL OR expires_at > now() - %s * interval '1 second' "
        "ORDER BY created_at",
        (grace,),
    )
