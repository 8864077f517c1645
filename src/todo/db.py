"""Connections and the unit of work.

`Database.transaction(user_id)` is the one place that opens a transaction for a user. It runs
as the runtime role (not the owner, no BYPASSRLS) with the caller's identity in a
transaction-local setting that the row-level security policies read. The identity never costs
a round trip of its own: it is queued in a pipeline with the transaction's first statement, so
BEGIN, role, identity and the query travel together. Nothing is set per session, so the pool
and PgBouncer in transaction mode cannot leak an identity from one transaction to the next.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit
from uuid import UUID

import psycopg
from psycopg import rows
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from todo import outages
from todo.config import Settings
from todo.errors import DomainError, OutcomeUnknown, ServiceUnavailable
from todo.outages import Limits

RUNTIME_ROLE = "todo_app"
"""The role the web process works as; created by migration 001."""

IDENTITY_SETTING = "app.current_user_id"
"""The transaction-local setting that `current_user_id()` reads."""

_SEES_EVERY_ROW = "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
# Role, identity and the runtime role's time limits: all transaction-local, so nothing outlives
# the transaction on a pooled (or PgBouncer-shared) connection.
_PRELUDE = (
    "SELECT set_config('role', %s, true), set_config('" + IDENTITY_SETTING + "', %s, true), "
    "set_config('statement_timeout', %s, true), set_config('lock_timeout', %s, true), "
    "set_config('idle_in_transaction_session_timeout', %s, true)"
)
RECONNECT_TIMEOUT = 5.0
"""Seconds the pool keeps retrying (with backoff) to replace a lost connection before it lets
the next request start afresh: keeps the retry delay short however long an outage lasted."""
DEFAULT_LIMITS = Limits(statement=5.0, lock=2.0, idle_in_transaction=10.0)
_COMMIT: Query = ("COMMIT", ())
_NO_FLUSH: Query = ("SET LOCAL synchronous_commit TO off", ())
"""Before the COMMIT of a read whose only writes ran at commit (a rate-limit count): its commit
does not wait for the WAL flush. A crash may lose the last fraction of a second of such counts;
it can lose nothing else, since the transaction wrote nothing else."""
log = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]
Query = tuple[str, Params]
Row = dict[str, Any]
T = TypeVar("T")


class OwnerSubjectToRls(DomainError):
    """The connecting role would see only some rows: row-level security on tasks is FORCEd."""

    code, status = "OWNER_SUBJECT_TO_RLS", 500

    def __init__(self) -> None:
        super().__init__(
            "the database role in DATABASE_URL is subject to row-level security (FORCE ROW LEVEL "
            "SECURITY on tasks), so operator commands would miss rows: connect as a superuser "
            "or give the role BYPASSRLS (ALTER ROLE ... BYPASSRLS)"
        )


@dataclass(frozen=True)
class Guard:
    """Statements that ride with a transaction's first round trip, ahead of its own.

    `check` sees the rows of `query` before any later result is handed out, and raises to stop
    the transaction (which then rolls back). A credential check is the use: it costs no round
    trip of its own, and it may establish the transaction's identity itself (`set_config` of
    IDENTITY_SETTING is transaction-local), so the rows a request sees follow from the verified
    credential in the database. `then` are further statements sent along (housekeeping).
    """

    query: Query
    check: Callable[[list[Row]], None]
    then: tuple[Query, ...] = ()


def libpq_url(url: str) -> str:
    """The URL as libpq spells it: no SQLAlchemy `+driver`, `postgresql://` scheme."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.split("+", 1)[0] in {"postgres", "postgresql"} else url


def sqlalchemy_url(url: str) -> str:
    """The URL for SQLAlchemy (Alembic), on the psycopg 3 driver."""
    return "postgresql+psycopg://" + libpq_url(url).split("://", 1)[1]


class Transaction:
    """One open transaction; runs parameterised statements and never commits by itself.

    Its owner may promise that the next batch is its last (`closing`): COMMIT then travels in
    the same round trip, so a transaction of one batch costs one round trip in all.
    """

    def __init__(
        self,
        db: Database,
        conn: psycopg.AsyncConnection[Any],
        prelude: Query | None,
        guard: Guard | None = None,
        *,
        limits: Limits | None = None,
    ) -> None:
        self._db = db
        self.conn = conn
        self._prelude = prelude
        self._guard = guard
        self._limits = limits
        self._fresh = True  # no round trip has completed: a dead connection may be replaced
        self._at_commit: list[Query] = []
        self._closing = False
        self._writes = True
        self._commit_sent = False
        self.committed = False

    def closing(self, *, writes: bool = True) -> None:
        """Promise that the next batch is the transaction's last: COMMIT (and what runs at
        commit) goes out with it. A statement after it is a programming error. `writes=False`
        says the batch only reads: if its connection turns out dead, it may simply run again
        elsewhere (a lost write could have committed: its outcome is unknown), and its COMMIT
        need not wait for the WAL flush (`_NO_FLUSH`)."""
        self._closing = True
        self._writes = writes

    async def fetch_all(self, query: str, params: Params = ()) -> list[Row]:
        """All rows of one statement, as dicts."""
        (result,) = await self.batch((query, params))
        return result

    async def fetch_one(self, query: str, params: Params = ()) -> Row | None:
        """The first row of one statement, or None."""
        result = await self.fetch_all(query, params)
        return result[0] if result else None

    async def fetch_value(self, query: str, params: Params = ()) -> Any:
        """The first column of the first row (None when there is no row)."""
        row = await self.fetch_one(query, params)
        return next(iter(row.values())) if row else None

    async def execute(self, query: str, params: Params = ()) -> int:
        """Run one statement that returns no rows; the number of rows it touched."""
        cursors = await self._send([(query, params)])
        return cursors[0].rowcount

    async def copy_in(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        """Stream `rows` into a `COPY ... FROM STDIN` statement (bulk loading)."""
        await self._send([])  # a pending identity prelude goes first
        with self._deadline():
            async with self.conn.cursor().copy(statement) as copy:
                for row in rows:
                    await copy.write_row(row)

    async def batch(self, *queries: Query) -> list[list[Row]]:
        """Several statements in one round trip (a pipeline); the rows of each."""
        cursors = await self._send(list(queries))
        return [await cursor.fetchall() if cursor.description else [] for cursor in cursors]

    def at_commit(self, query: Query) -> None:
        """Run `query` just before COMMIT, in the same round trip: for writes whose row locks
        should be held for as short a time as possible (a shared counter)."""
        self._at_commit.append(query)

    async def commit(self) -> None:
        """COMMIT, unless the last batch carried it. If the connection is lost (or goes silent)
        now, nobody can say whether the transaction committed: the caller hears exactly that
        (OutcomeUnknown)."""
        if self.committed:
            return
        self._commit_sent = True
        with self._deadline():
            await self._commit()
        self.committed = True

    @property
    def outcome_unknown(self) -> bool:
        """Whether a COMMIT of writes has gone out and no answer came back."""
        return self._commit_sent and self._writes and not self.committed

    async def _commit(self) -> None:
        if not self._at_commit:
            await self.conn.commit()
            return
        async with self.conn.pipeline():
            for query, params in self._at_commit:
                await self.conn.execute(query, params)
            await self.conn.commit()

    async def _send(self, queries: list[Query]) -> list[psycopg.AsyncCursor[Row]]:
        if self._commit_sent:
            raise RuntimeError("a statement after the transaction's last batch")
        # The prelude and the guard go out once, in front of the first statements sent.
        first = [self._prelude] if self._prelude is not None else []
        guard, self._prelude, self._guard = self._guard, None, None
        at = len(first)
        if guard is not None:
            first += [guard.query, *guard.then]
        last = [*self._at_commit, _COMMIT] if self._closing else []
        if last and self._at_commit and not self._writes:
            last.insert(0, _NO_FLUSH)
        everything = first + queries + last
        cursors = self._cursors(len(everything), plain=at)
        self._commit_sent = bool(last)
        try:
            await self._run(cursors, everything, plain=at)
        except psycopg.Error:
            # A later statement failed (say, row-level security refused a write): the guard's
            # verdict, when it has one, explains the failure better than the database error.
            if guard is not None and cursors[at].description:
                guard.check(await cursors[at].fetchall())
            raise
        self.committed = bool(last)
        if guard is not None:
            guard.check(await cursors[at].fetchall())
        return cursors[len(first) : len(first) + len(queries)]

    def _cursors(self, count: int, *, plain: int = 0) -> list[psycopg.AsyncCursor[Any]]:
        # The first `plain` results (the prelude's) are never read: no dict rows made for them.
        return [
            self.conn.cursor() if n < plain else self.conn.cursor(row_factory=rows.dict_row)
            for n in range(count)
        ]

    async def _run(
        self, cursors: list[psycopg.AsyncCursor[Any]], queries: list[Query], *, plain: int
    ) -> None:
        """Execute `queries`. A runtime transaction whose first round trip finds its pooled
        connection dead (the server restarted since) runs it again on another connection:
        nothing of it can have committed, so the caller never sees a stale connection."""
        for _ in range(self._db.pool.max_size):
            try:
                await self._execute(cursors, queries)
                return
            except psycopg.OperationalError:
                # Not once COMMIT of writes went out with the batch: it may have committed.
                unsafe = self._commit_sent and self._writes
                retry = self._fresh and not unsafe and self._limits is not None
                if not (retry and self.conn.broken):
                    raise
            log.info("a pooled connection was dead; trying again on another")
            self._db.outage.failed()  # until a round trip succeeds: the server may be down
            self.conn = await self._db.replace(self.conn)
            cursors[:] = self._cursors(len(queries), plain=plain)
        await self._execute(cursors, queries)

    async def _execute(self, cursors: list[psycopg.AsyncCursor[Any]], queries: list[Query]) -> None:
        with self._deadline():
            if len(queries) <= 1:
                for cursor, (query, params) in zip(cursors, queries, strict=True):
                    await cursor.execute(query, params)
            else:
                async with self.conn.pipeline():
                    for cursor, (query, params) in zip(cursors, queries, strict=True):
                        await cursor.execute(query, params)
        self._fresh = False

    def _deadline(self) -> outages.Deadline:
        # A database that does not answer at all (frozen, or behind a network that drops
        # packets) cannot hold a runtime transaction longer than this; while it is suspected
        # to be down, the first round trip gets only a moment to prove otherwise.
        if self._limits is None:
            return outages.NO_DEADLINE
        limit = self._limits.round_trip
        if self._fresh and self._db.outage.down:
            limit = min(limit, outages.OUTAGE_WAIT)
        return outages.Deadline(self.conn, limit)


class Database:
    """A pool of connections to one PostgreSQL database."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 20,
        max_overflow: int = 10,
        pool_timeout: float = 30.0,
        prepared_statements: bool = True,
        connect_timeout: int = 5,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.url = libpq_url(url)
        self.limits = limits
        self.outage = outages.OutageMemory()
        self._owner_sees_every_row = False
        self.pool = AsyncConnectionPool(
            self.url,
            min_size=pool_size,
            max_size=pool_size + max_overflow,
            timeout=pool_timeout,
            kwargs={
                "prepare_threshold": 5 if prepared_statements else None,
                "connect_timeout": connect_timeout,
                # A peer that vanished (host down, network cut) is noticed within a minute
                # even on an idle connection.
                "keepalives": 1,
                "keepalives_idle": 30,
                "keepalives_interval": 10,
                "keepalives_count": 3,
            },
            reconnect_timeout=RECONNECT_TIMEOUT,
            open=False,
            name="todo",
        )

    @classmethod
    def from_settings(cls, settings: Settings, url: str) -> Database:
        """A pool sized by the settings, for the database at `url`."""
        return cls(
            url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
            prepared_statements=settings.db_prepared_statements,
            connect_timeout=settings.db_connect_timeout,
            limits=Limits(
                statement=settings.db_statement_timeout,
                lock=settings.db_lock_timeout,
                idle_in_transaction=settings.db_idle_in_transaction_timeout,
            ),
        )

    async def open(self) -> None:
        """Open the pool and wait until its first connections are up."""
        await self.pool.open(wait=True, timeout=self.pool.timeout)

    async def close(self) -> None:
        """Close every connection."""
        await self.pool.close()

    @asynccontextmanager
    async def transaction(
        self, user_id: UUID | None, *, guard: Guard | None = None
    ) -> AsyncIterator[Transaction]:
        """A transaction as the runtime role, seeing only `user_id`'s rows (none if None).

        A `guard` is checked with the first round trip (see `Guard`). Statements, lock waits
        and the whole round trip are time-limited; a database that is down, hung or too busy
        surfaces as ServiceUnavailable (503), never as a hang."""
        identity = "" if user_id is None else str(user_id)
        prelude = (_PRELUDE, (RUNTIME_ROLE, identity, *self.limits.settings()))
        async with self._transaction(prelude, guard, limits=self.limits) as tx:
            yield tx

    @asynccontextmanager
    async def owner_transaction(self) -> AsyncIterator[Transaction]:
        """A transaction as the connecting (owner) role, for operator commands only.

        Such commands must see every row, so a role that row-level security would confine is
        refused (OwnerSubjectToRls) instead of quietly working on a fraction of the data. The
        role is checked once per pool. No time limits: bulk work may take long.
        """
        if not self._owner_sees_every_row:
            # A transaction of its own: the caller's may need to begin with SET TRANSACTION.
            async with self._transaction(None) as check:
                if not await check.fetch_value(_SEES_EVERY_ROW):
                    raise OwnerSubjectToRls
            self._owner_sees_every_row = True
        async with self._transaction(None) as tx:
            yield tx

    async def replace(self, conn: psycopg.AsyncConnection[Any]) -> psycopg.AsyncConnection[Any]:
        """Give back a dead connection (the pool discards it) and take another."""
        await self.pool.putconn(conn)
        return await self._checkout()

    async def _checkout(self) -> psycopg.AsyncConnection[Any]:
        """A pooled connection. While the database is known to be down, waiting for one is
        pointless: the request is refused within OUTAGE_WAIT instead of the pool timeout."""
        timeout = self.pool.timeout
        if self.outage.down:
            timeout = min(timeout, outages.OUTAGE_WAIT)
        try:
            for _ in range(self.pool.max_size):
                conn = await self.pool.getconn(timeout=timeout)
                if not outages.closed_by_server(conn):
                    return conn
                # The server ended it while it sat in the pool (a restart, a terminated
                # backend): drop it without a round trip and take another. The server may be
                # down: until a round trip succeeds, wait for a connection only briefly.
                await conn.close()
                await self.pool.putconn(conn)
                self.outage.failed()
                timeout = min(timeout, outages.OUTAGE_WAIT)
            return await self.pool.getconn(timeout=timeout)
        except PoolTimeout:
            if self.outage.down or self.pool.get_stats().get("pool_size", 0) == 0:
                self.outage.failed()  # not a single connection could be made
                raise ServiceUnavailable(outages.UNREACHABLE) from None
            raise ServiceUnavailable(outages.BUSY) from None

    @asynccontextmanager
    async def _transaction(
        self, prelude: Query | None, guard: Guard | None = None, *, limits: Limits | None = None
    ) -> AsyncIterator[Transaction]:
        tx = Transaction(self, await self._checkout(), prelude, guard, limits=limits)
        try:
            yield tx
            await tx.commit()
        except BaseException as error:
            lost = outages.lost(tx.conn, error)
            await self._abandon(tx.conn, lost=lost or not isinstance(error, Exception))
            if limits is None:
                raise
            if lost:
                self.outage.failed()
                if tx.outcome_unknown:
                    raise OutcomeUnknown(outages.COMMIT_LOST) from error
            mapped = outages.as_domain_error(error, connection_lost=lost)
            if mapped is None:
                raise
            raise mapped from error
        else:
            self.outage.recovered()
        finally:
            await self.pool.putconn(tx.conn)

    async def _abandon(self, conn: psycopg.AsyncConnection[Any], *, lost: bool) -> None:
        """Roll back. A connection that is lost, or left mid-statement (a deadline passed, the
        request was cancelled), is closed instead; the pool replaces it."""
        if not lost:
            try:
                await conn.rollback()
                return
            except psycopg.Error:
                pass
        await conn.close()


def with_database(url: str, name: str) -> str:
    """The same server URL, pointing at database `name`."""
    parts = urlsplit(libpq_url(url))
    return urlunsplit(parts._replace(path="/" + quote(name)))
