"""Connections and the unit of work.

`Database.transaction(user_id)` is the one place that opens a transaction for a user. It runs
as the runtime role (not the owner, no BYPASSRLS) with the caller's identity in a
transaction-local setting that the row-level security policies read. The identity never costs
a round trip of its own: it is queued in a pipeline with the transaction's first statement, so
BEGIN, role, identity and the query travel together. Nothing is set per session, so the pool
and PgBouncer in transaction mode cannot leak an identity from one transaction to the next.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit
from uuid import UUID

import psycopg
from psycopg import rows
from psycopg_pool import AsyncConnectionPool

from todo.config import Settings
from todo.errors import DomainError

RUNTIME_ROLE = "todo_app"
"""The role the web process works as; created by migration 001."""

IDENTITY_SETTING = "app.current_user_id"
"""The transaction-local setting that `current_user_id()` reads."""

_SEES_EVERY_ROW = "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
_PRELUDE = "SELECT set_config('role', %s, true), set_config('" + IDENTITY_SETTING + "', %s, true)"

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
    """One open transaction; runs parameterised statements and never commits by itself."""

    def __init__(
        self,
        conn: psycopg.AsyncConnection[Any],
        prelude: Query | None,
        guard: Guard | None = None,
    ) -> None:
        self._conn = conn
        self._prelude = prelude
        self._guard = guard

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
        async with self._conn.cursor().copy(statement) as copy:
            for row in rows:
                await copy.write_row(row)

    async def batch(self, *queries: Query) -> list[list[Row]]:
        """Several statements in one round trip (a pipeline); the rows of each."""
        cursors = await self._send(list(queries))
        return [await cursor.fetchall() if cursor.description else [] for cursor in cursors]

    async def _send(self, queries: list[Query]) -> list[psycopg.AsyncCursor[Row]]:
        # The prelude and the guard go out once, in front of the first statements sent.
        first = [self._prelude] if self._prelude is not None else []
        guard, self._prelude, self._guard = self._guard, None, None
        at = len(first)
        if guard is not None:
            first += [guard.query, *guard.then]
        everything = first + queries
        cursors = [self._conn.cursor(row_factory=rows.dict_row) for _ in everything]
        try:
            await self._execute(cursors, everything)
        except psycopg.Error:
            # A later statement failed (say, row-level security refused a write): the guard's
            # verdict, when it has one, explains the failure better than the database error.
            if guard is not None and cursors[at].description:
                guard.check(await cursors[at].fetchall())
            raise
        if guard is not None:
            guard.check(await cursors[at].fetchall())
        return cursors[len(first) :]

    async def _execute(self, cursors: list[psycopg.AsyncCursor[Row]], queries: list[Query]) -> None:
        if len(queries) <= 1:
            for cursor, (query, params) in zip(cursors, queries, strict=True):
                await cursor.execute(query, params)
            return
        async with self._conn.pipeline():
            for cursor, (query, params) in zip(cursors, queries, strict=True):
                await cursor.execute(query, params)


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
    ) -> None:
        self.url = libpq_url(url)
        self._owner_sees_every_row = False
        self.pool = AsyncConnectionPool(
            self.url,
            min_size=pool_size,
            max_size=pool_size + max_overflow,
            timeout=pool_timeout,
            kwargs={"prepare_threshold": 5 if prepared_statements else None},
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

        A `guard` is checked with the first round trip (see `Guard`)."""
        identity = "" if user_id is None else str(user_id)
        async with self._transaction((_PRELUDE, (RUNTIME_ROLE, identity)), guard) as tx:
            yield tx

    @asynccontextmanager
    async def owner_transaction(self) -> AsyncIterator[Transaction]:
        """A transaction as the connecting (owner) role, for operator commands only.

        Such commands must see every row, so a role that row-level security would confine is
        refused (OwnerSubjectToRls) instead of quietly working on a fraction of the data. The
        role is checked once per pool.
        """
        if not self._owner_sees_every_row:
            # A transaction of its own: the caller's may need to begin with SET TRANSACTION.
            async with self._transaction(None) as check:
                if not await check.fetch_value(_SEES_EVERY_ROW):
                    raise OwnerSubjectToRls
            self._owner_sees_every_row = True
        async with self._transaction(None) as tx:
            yield tx

    @asynccontextmanager
    async def _transaction(
        self, prelude: Query | None, guard: Guard | None = None
    ) -> AsyncIterator[Transaction]:
        async with self.pool.connection() as conn:
            try:
                yield Transaction(conn, prelude, guard)
            except BaseException:
                await conn.rollback()
                raise
            await conn.commit()


def with_database(url: str, name: str) -> str:
    """The same server URL, pointing at database `name`."""
    parts = urlsplit(libpq_url(url))
    return urlunsplit(parts._replace(path="/" + quote(name)))
