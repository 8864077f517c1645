"""SQL for idempotency keys: the claim (a lock and a look-up) and the stored answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from todo.db import Row, Transaction

# Advisory locks share one space per database; this seed keeps the hashes of (user, key) apart
# from anything else hashed into it (the web UI's per-user write lock hashes with seed 0).
_LOCK_SEED = 0x1DE3_7E11

_TRY_LOCK = (
    "SELECT pg_try_advisory_xact_lock("
    f"hashtextextended(%(user_id)s::text || ' ' || %(key)s, {_LOCK_SEED})) AS locked"
)
_LOOK_UP = (
    "SELECT fingerprint, status, headers, body FROM idempotency_keys"
    " WHERE user_id = %(user_id)s AND key = %(key)s"
    " AND created_at >= now() - make_interval(secs => %(keep)s)"
)
# Storing a new answer also forgets the user's expired keys: a range of the (user_id,
# created_at) index, in the statement that writes anyway, and only ever run by the holder of a
# key's lock just before its commit, so no claim waits on the row locks it takes. The key's own
# expired row, which the look-up treats as absent, is replaced in place.
_REMEMBER = """
WITH forgotten AS (
    DELETE FROM idempotency_keys
    WHERE user_id = %(user_id)s AND key <> %(key)s
      AND created_at < now() - make_interval(secs => %(keep)s)
)
INSERT INTO idempotency_keys (user_id, key, fingerprint, status, headers, body)
VALUES (%(user_id)s, %(key)s, %(fingerprint)s, %(status)s, %(headers)s, %(body)s)
ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,
    status = EXCLUDED.status, headers = EXCLUDED.headers, body = EXCLUDED.body,
    created_at = EXCLUDED.created_at
"""


async def claim(
    tx: Transaction, *, user_id: UUID, key: str, keep_seconds: int
) -> tuple[bool, Row | None]:
    """Try to lock the user's key for this transaction and look it up: (whether the lock was
    taken, the stored answer if the key is known and not expired).

    One round trip; each statement sees what committed before it ran, so the look-up, which
    follows the lock, sees the answer of a transaction that held the lock before this one."""
    params = {"user_id": user_id, "key": key, "keep": keep_seconds}
    locked, found = await tx.batch((_TRY_LOCK, params), (_LOOK_UP, params))
    return bool(locked[0]["locked"]), (found[0] if found else None)


async def remember(
    tx: Transaction,
    *,
    user_id: UUID,
    key: str,
    fingerprint: bytes,
    status: int,
    headers: dict[str, Any],
    body: bytes,
    keep_seconds: int,
) -> None:
    """Store the answer given for the user's key, forgetting the user's expired keys."""
    await tx.execute(
        _REMEMBER,
        {
            "user_id": user_id,
            "key": key,
            "fingerprint": fingerprint,
            "status": status,
            "headers": Jsonb(headers),
            "body": body,
            "keep": keep_seconds,
        },
    )
