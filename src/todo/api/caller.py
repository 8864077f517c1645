"""The caller of one API request and the request's one transaction.

Checking the credential in the database (does the JWT's user still exist and, when the JWT
names its session, is that session live; is a session token's session live), making the
caller the transaction's row-level security identity, and reading where the caller stands in
the rate limits are one statement (a `Guard`) sent in the same pipeline as the request's first
statements; the request is counted in the COMMIT round trip (`Transaction.at_commit`), so the
caller's counter row is locked only for that moment and the caller's other requests never
queue behind this one. A request therefore costs two round trips: its statements, then the
count and COMMIT; or one, when the route says its first batch is its last
(`Transaction.closing`: a get, a list, a plain write), for then the count and COMMIT travel
with it. The guard's verdict is read before any other result is used. The guard makes the
caller the identity only when the request may go ahead (a live credential, the path's user, no
limit reached); otherwise row-level security lets what ran beside it see and change nothing,
and it is rolled back, or, when COMMIT travelled with it, committed with nothing to commit.

A request that fails after (or before) its work still counts: the work is rolled back and the
request is counted on its own (`count`), which also answers a bad credential with 401 rather
than, say, a 400 about the query string. What the guard itself refused (401, 429) is not
counted: a dead credential has no counter, and a caller over a limit stays there until the
window ends. Neither is a 503: the database is in trouble, and counting would fail too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from uuid import UUID

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from todo import logs
from todo.api import ratelimit, repository
from todo.auth.credentials import Credential
from todo.db import Database, Guard, Query, Row, Transaction
from todo.errors import DomainError, Forbidden, RateLimited, ServiceUnavailable, Unauthorized

_CLIENT_ERRORS = (DomainError, RequestValidationError, HTTPException)


class Caller:
    """Who is calling (a checked credential) and which user's tasks the path names."""

    def __init__(
        self,
        *,
        db: Database,
        credential: Credential,
        windows: Sequence[ratelimit.Window],
        sweeper: ratelimit.CounterSweeper,
        slide: tuple[int, int] | None = None,
    ) -> None:
        self._db = db
        self._slide = slide
        self._credential = credential
        self._windows = windows
        self._sweeper = sweeper
        self.path_user_id: UUID | None = None
        self.usage: ratelimit.Usage | None = None
        self.checked = False  # the database has had its say on this credential
        self.refused = False  # ... and refused it (401) or the request (429): nothing to count
        self._denial_logged = False  # a 403 is checked twice (see `count`), logged once

    @property
    def user_id(self) -> UUID:
        """The user whose tasks the request works on (the path's, confirmed by the guard)."""
        assert self.path_user_id is not None
        return self.path_user_id

    def headers(self) -> dict[str, str]:
        """The rate-limit headers every response to this caller carries."""
        return self.usage.headers() if self.usage is not None else {}

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """The request's one transaction, its first round trip carrying the guard, its last
        the count (see the module docstring)."""
        guard = Guard(self._query(), self._check, then=self._sweeper.due())
        committed = False
        try:
            async with self._db.transaction(None, guard=guard) as tx:
                if self._windows:
                    tx.at_commit(repository.count_request(windows=self._kinds))
                try:
                    yield tx
                    if not self.checked:
                        await tx.batch()  # a request that ran no statement is checked anyway
                finally:
                    committed = tx.committed
        except ServiceUnavailable:
            raise  # the database is in trouble (or the outcome unknown): counting would fail
        except _CLIENT_ERRORS:
            # Counted already when the transaction committed with its count (a one-batch
            # request refused after the fact: a task not found, the guard's verdict).
            if not self.refused and not committed:
                await self.count()
            raise

    async def count(self) -> None:
        """Check the credential and count the request in a transaction of its own. It commits
        before the verdict is read, so the count stands whatever the verdict (a dead credential
        has no counter to count on)."""
        async with self._db.transaction(None) as tx:
            rows = await tx.fetch_all(*self._query(counting=True))
        self._check(rows)

    @property
    def _kinds(self) -> tuple[tuple[str, int, int], ...]:
        return tuple((window.kind, window.seconds, window.limit) for window in self._windows)

    def _query(self, *, counting: bool = False) -> Query:
        return repository.caller_check(
            user_id=self._credential.user_id,
            session_token_hash=self._credential.session_token_hash,
            session_id=self._credential.session_id,
            windows=self._kinds,
            path_user_id=self.path_user_id,
            slide=self._slide,
            counting=counting,
        )

    def _check(self, rows: list[Row]) -> None:
        self.checked = True
        if not rows:
            self.refused = True
            logs.audit("api.credential", outcome="failure", reason="No such user or live session")
            raise Unauthorized("Invalid credentials")
        self.usage = ratelimit.usage(self._windows, rows)
        if self.usage is not None and self.usage.blocked_until is not None:
            self.refused = True
            raise RateLimited("Too many requests", retry_after=self.usage.retry_after())
        if self.path_user_id is not None and rows[0]["user_id"] != self.path_user_id:
            if not self._denial_logged:
                self._denial_logged = True
                logs.audit(
                    "api.access",
                    outcome="denied",
                    user_id=rows[0]["user_id"],
                    path_user_id=self.path_user_id,
                )
            raise Forbidden("You can only access your own tasks")
