"""What a database failure means to a request, and how long the service believes in an outage.

The web process answers 503 (with Retry-After) when the database is unreachable, refuses, hangs
or is too busy, and never hangs itself: every round trip of a runtime transaction has a
client-side deadline, waits for a pooled connection are bounded, and while the database is
known to be down a request waits only briefly for a connection before it is refused. Input the
database itself cannot store (a NUL character, a value out of range) is the client's mistake
and becomes a 400, whichever route let it through.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import socket
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors as pg

from todo.errors import DomainError, ServiceUnavailable, ValidationFailed

OUTAGE_WAIT = 1.0
"""Seconds a request waits for a connection, or for its first answer, while the database is
suspected to be down (a connection failed and nothing has succeeded since)."""
UNREACHABLE = "The database is unavailable right now; try again shortly."
BUSY = "The service is busy; try again shortly."
COMMIT_LOST = (
    "The connection to the database was lost while saving: the change may or may not have "
    "been saved. Retry with the same Idempotency-Key to be sure."
)
TOO_SLOW = "The database did not answer in time; try again shortly."

# Errors after which the transaction can simply be tried again (by the client).
_TRANSIENT = (
    pg.QueryCanceled,  # statement_timeout
    pg.LockNotAvailable,  # lock_timeout
    pg.SerializationFailure,
    pg.DeadlockDetected,
    pg.TooManyConnections,
    pg.CannotConnectNow,
    pg.AdminShutdown,
    pg.CrashShutdown,
)
# Values the database cannot store: the client's input, whichever route let it through.
_UNSTORABLE = (
    pg.CharacterNotInRepertoire,  # NUL, invalid UTF-8
    pg.UntranslatableCharacter,
    pg.StringDataRightTruncation,  # longer than the column
    pg.DatetimeFieldOverflow,
    pg.InvalidTimeZoneDisplacementValue,
    pg.NumericValueOutOfRange,
    pg.InvalidTextRepresentation,
    pg.InvalidDatetimeFormat,
    UnicodeEncodeError,  # a lone surrogate cannot even be sent
)


@dataclass(frozen=True)
class Limits:
    """Time limits of a runtime transaction, in seconds."""

    statement: float
    lock: float
    idle_in_transaction: float

    @property
    def round_trip(self) -> float:
        """The client-side deadline of one round trip: the server's own limit plus a margin, so
        that the server's cancellation normally comes first and this one only catches a
        database (or network) that does not answer at all."""
        return self.statement + 2.0

    def settings(self) -> tuple[str, str, str]:
        """statement_timeout, lock_timeout, idle_in_transaction_session_timeout (ms)."""
        limits = (self.statement, self.lock, self.idle_in_transaction)
        statement, lock, idle = (str(int(seconds * 1000)) for seconds in limits)
        return statement, lock, idle


class OutageMemory:
    """Remembers a recent connection failure, so requests stop queueing behind a dead server."""

    def __init__(self, *, memory: float = 5.0) -> None:
        self._memory = memory
        self._until = 0.0

    def failed(self) -> None:
        """A connection could not be made or was lost."""
        self._until = time.monotonic() + self._memory

    def recovered(self) -> None:
        """A round trip succeeded."""
        self._until = 0.0

    @property
    def down(self) -> bool:
        """Whether the database failed recently and has not answered since."""
        return self._until > 0.0 and time.monotonic() < self._until


class Deadline:
    """`with Deadline(conn, seconds):` around a round trip. When the time passes, the
    connection's socket is shut down, so every read or write psycopg is waiting on fails at
    once (a cancellation would not do: psycopg would wait on the silent server again while it
    tidies up); the OperationalError that follows becomes TimeoutError, and the connection is
    discarded. A class rather than a generator-based context manager: it runs on every round
    trip."""

    __slots__ = ("_conn", "_limit", "_timer", "done")

    def __init__(self, conn: psycopg.AsyncConnection[Any] | None, limit: float) -> None:
        self._conn = conn
        self._limit = limit
        self._timer: asyncio.TimerHandle | None = None
        self.done = False

    def __enter__(self) -> None:
        if self._conn is not None:
            self._timer = asyncio.get_running_loop().call_later(self._limit, self._cut)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: Any
    ) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self.done and isinstance(error, psycopg.OperationalError):
            raise TimeoutError(f"no answer from the database within {self._limit:g} s") from None

    def _cut(self) -> None:
        self.done = True
        assert self._conn is not None
        # A duplicate of libpq's descriptor: shutting it down ends the shared socket, and
        # closing the duplicate leaves libpq's own descriptor for libpq to close.
        with (
            contextlib.suppress(OSError, psycopg.Error),
            socket.socket(fileno=os.dup(self._conn.pgconn.socket)) as duplicate,
        ):
            duplicate.shutdown(socket.SHUT_RDWR)


NO_DEADLINE = Deadline(None, 0.0)
"""For owner transactions (operator commands): bulk work may take long."""


def closed_by_server(conn: psycopg.AsyncConnection[Any]) -> bool:
    """Whether an idle pooled connection has something to read: the server's goodbye (end of
    file, or a termination notice) when it restarted or ended the session meanwhile. An idle
    connection is otherwise silent, so one poll of its socket tells, without a round trip."""
    if conn.closed:
        return True
    try:
        readable, _, _ = select.select([conn.pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.Error):
        return True
    return bool(readable)


def lost(conn: psycopg.AsyncConnection[Any], error: BaseException) -> bool:
    """Whether after `error` the connection is gone or unusable (not just this statement
    failed): it broke, or a deadline left it mid-statement."""
    return isinstance(error, TimeoutError) or conn.broken


def as_domain_error(error: BaseException, *, connection_lost: bool) -> DomainError | None:
    """The domain error a database failure means to the caller, or None (not a database
    failure, or a bug: a 500)."""
    if not isinstance(error, psycopg.Error | TimeoutError | UnicodeEncodeError):
        return None
    if connection_lost:
        return ServiceUnavailable(TOO_SLOW if isinstance(error, TimeoutError) else UNREACHABLE)
    if isinstance(error, _TRANSIENT):
        return ServiceUnavailable(BUSY, retry_after=1)
    if isinstance(error, _UNSTORABLE):
        # Defence in depth: the edge refuses such input first; this catches what it let pass.
        return ValidationFailed(
            "A value could not be stored",
            details={"body": ["a value is out of range or holds characters that cannot be stored"]},
        )
    return None
