"""Idempotency keys with Stripe's semantics, for the task API's creating POSTs.

A client that sends `Idempotency-Key` with a create or an import may send the same request
again (a timeout, a dropped connection, `OUTCOME_UNKNOWN`) and be sure it takes effect once:

- the same key with the same request replays the first answer (status, headers that describe
  it, the very body bytes); nothing is written again;
- the same key with a different request (method, path, content type or body) is refused
  (UnprocessableContent, 422): a key names one request;
- the same key while the first request is still running is refused at once (Conflict, 409),
  never queued behind it;
- keys are per user, and kept `KEEP_SECONDS` (a day) at least.

How. The key is claimed inside the request's own transaction, the one that writes: a
transaction-level advisory lock on a hash of (user, key) taken with `pg_try_advisory_xact_lock`,
which never waits (taken elsewhere: 409), then a look-up of the stored answer (replay or 422),
else the write runs and its answer is stored in the same transaction. The write and its key
therefore commit or roll back together: a refused or failed write leaves no key behind, so its
retry runs again; a write whose outcome the client never learnt is found out by the retry (a
replay if it committed, a first run if not). The lock is released at commit, by when the
stored answer is visible to the next claim. No key row carries an "in flight" state that a
crash could leave behind: the lock is that state, and PostgreSQL drops it with the session.

Chosen over a key row inserted first and marked finished later (which needs a second
transaction, or makes a duplicate wait on the first's uncommitted row) and over
`SELECT ... FOR UPDATE NOWAIT` (there is no row to lock before the first request commits).

Expired keys are deleted when their owner stores the answer to a new key, by the statement
that stores it (row-level security lets a request see only its caller's keys, so no request
can sweep everyone's); the index on (user_id, created_at) makes that a short range read. A
user who stops sending keys keeps their last day's keys until they send one again or the
account is deleted (the rows cascade).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID

from todo.db import Transaction
from todo.errors import Conflict, UnprocessableContent
from todo.idempotency import repository

KEEP_SECONDS = 24 * 3600
HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class KeyedRequest:
    """A request that carries an idempotency key, and the fingerprint of what it asks."""

    key: str
    fingerprint: bytes


@dataclass(frozen=True)
class Answer:
    """An answer as it was given: status, the headers that describe the body, the body."""

    status: int
    headers: dict[str, str]
    body: bytes


def fingerprint(*, method: str, path: str, content_type: str, body: bytes) -> bytes:
    """SHA-256 over the parts that make two requests the same request (each part
    length-prefixed, so no two different requests share an encoding)."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), content_type.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


async def claim(tx: Transaction, *, user_id: UUID, request: KeyedRequest) -> Answer | None:
    """Claim the user's key for this transaction: the stored answer to replay, or None when the
    key is new (the caller then does the work and `remember`s its answer)."""
    locked, stored = await repository.claim(
        tx, user_id=user_id, key=request.key, keep_seconds=KEEP_SECONDS
    )
    if not locked:
        raise Conflict(
            "A request with this Idempotency-Key is still being processed; retry shortly",
            details={HEADER: ["in use by a request that has not finished"]},
        )
    if stored is None:
        return None
    if bytes(stored["fingerprint"]) != request.fingerprint:
        raise UnprocessableContent(
            "This Idempotency-Key was used with a different request",
            details={HEADER: ["already used with another method, path or body"]},
        )
    return Answer(stored["status"], dict(stored["headers"]), bytes(stored["body"]))


async def remember(
    tx: Transaction, *, user_id: UUID, request: KeyedRequest, answer: Answer
) -> None:
    """Store the answer given to the user's key (in the transaction that did the work)."""
    await repository.remember(
        tx,
        user_id=user_id,
        key=request.key,
        fingerprint=request.fingerprint,
        status=answer.status,
        headers=answer.headers,
        body=answer.body,
        keep_seconds=KEEP_SECONDS,
    )
