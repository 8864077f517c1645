"""SIGTERM to `todo serve --workers 2` under load: in-flight requests complete, requests that
arrive on open keep-alive connections are answered (with `Connection: close`), new connections
are refused, and the process exits within SHUTDOWN_TIMEOUT.

The server is a real subprocess on the test's database; the clients are real TCP connections.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import h11
import httpx
import psycopg
import pytest

from todo.backup.serve_process import ServeProcess
from todo.db import Database

from ..api.support import SECRET, bearer, hs256
from ..helpers import free_port, make_task, make_user

DRAIN = 3
TIMEOUT = 6
# Process start-up and teardown beyond SHUTDOWN_TIMEOUT: the pool's close, interpreter exit.
SLACK = 10


def _env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    return env | {
        "DATABASE_URL": database_url,
        "BETTER_AUTH_SECRET": SECRET,
        "DATA_DIR": str(tmp_path),
        "API_RATE_LIMIT_PER_MINUTE": "0",
        "API_RATE_LIMIT_PER_HOUR": "0",
        "DB_POOL_SIZE": "3",
        "DB_MAX_OVERFLOW": "3",
        "LOG_LEVEL": "info",  # uvicorn says when each worker's shutdown begins
        "SHUTDOWN_DRAIN_SECONDS": str(DRAIN),
        "SHUTDOWN_TIMEOUT": str(TIMEOUT),
        # A request held by a row lock must stay held past SHUTDOWN_TIMEOUT, not give up first.
        "DB_LOCK_TIMEOUT": "60",
        "DB_STATEMENT_TIMEOUT": "60",
        **extra,
    }


@pytest.fixture
def server(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> Iterator[ServeProcess]:
    """`todo serve --workers 2` (or the parameter's count) on the test's database, killed if a
    test leaves it running."""
    workers = getattr(request, "param", 2)
    serving = ServeProcess(
        env=_env(database_url, tmp_path),
        port=free_port(),
        workers=workers,
        log=tmp_path / "serve.log",
    )
    try:
        yield serving.start()
    finally:
        serving.kill()


def _closes(response: httpx.Response) -> bool:
    return "close" in response.headers.get("connection", "").lower()


@dataclass
class Tally:
    """What the clients saw."""

    ok: int = 0
    told_to_close: int = 0  # answered during the drain, with Connection: close
    refused: int = 0  # a new connection refused after SIGTERM (never reached the server)
    failures: list[str] = field(default_factory=list)


async def _hammer(
    url: str, user: UUID, tally: Tally, terminated: asyncio.Event, warm: asyncio.Semaphore
) -> None:
    """One client, one keep-alive connection at a time: create, toggle and list; told to close
    (after SIGTERM), it reconnects, until a new connection is refused."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    tasks = f"/api/{user}/tasks"
    async with httpx.AsyncClient(base_url=url, headers=_auth(user), limits=limits) as client:
        for n in range(10_000):
            if n == 10:
                warm.release()
            try:
                if n % 3 == 0:
                    response = await client.post(tasks, json={"title": f"task {n}"})
                    last = response.json()["data"]["id"] if response.status_code == 201 else None
                elif n % 3 == 1 and last is not None:
                    response = await client.patch(f"{tasks}/{last}/complete")
                else:
                    response = await client.get(tasks, params={"limit": 5})
            except httpx.ConnectError:
                if not terminated.is_set():
                    raise
                tally.refused += 1
                return
            except httpx.TransportError as error:  # reset, or closed without an answer
                tally.failures.append(f"{type(error).__name__}: {error}")
                return
            if response.status_code >= 500:
                tally.failures.append(f"{response.status_code}: {response.text[:200]}")
                return
            tally.ok += 1
            if terminated.is_set() and _closes(response):
                tally.told_to_close += 1
        tally.failures.append("never refused")


@pytest.mark.parametrize("server", [2, 1], indirect=True, ids=["2 workers", "1 worker"])
async def test_sigterm_under_load_fails_no_request_that_reached_the_server(
    server: ServeProcess, db: Database
) -> None:
    clients = 10
    users = [await make_user(db, f"load{n}@example.com") for n in range(clients)]
    tally, terminated, warm = Tally(), asyncio.Event(), asyncio.Semaphore(0)
    hammering = [
        asyncio.create_task(_hammer(server.url, user, tally, terminated, warm)) for user in users
    ]
    for _ in users:  # every client is on its keep-alive connection and busy
        await asyncio.wait_for(warm.acquire(), timeout=60)
    server.terminate()
    started = time.monotonic()
    terminated.set()
    await asyncio.wait_for(asyncio.gather(*hammering), timeout=TIMEOUT + SLACK)
    assert await asyncio.to_thread(server.wait, TIMEOUT + SLACK) == 0, server.tail()
    drained = time.monotonic() - started

    assert tally.failures == [], tally
    assert tally.refused == clients
    assert tally.told_to_close >= clients  # the drain answered requests on open connections
    print(f"drain: {drained:.2f} s, {tally}")


class RawConnection:
    """One HTTP/1.1 connection on a plain socket, so a test knows which connection a request
    travels on (a client library would quietly open another)."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.conn = h11.Connection(h11.CLIENT)

    def request(
        self, method: str, target: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str]]:
        """Send one request; its status and headers (the body is read and dropped)."""
        fields = [("Host", "test"), *headers.items()]
        self.sock.sendall(self.conn.send(h11.Request(method=method, target=target, headers=fields)))
        self.sock.sendall(self.conn.send(h11.EndOfMessage()))
        status, got = 0, {}
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                self.conn.receive_data(self.sock.recv(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
                got = {k.decode(): v.decode() for k, v in event.headers}
            elif isinstance(event, h11.EndOfMessage):
                if self.conn.their_state is h11.DONE:  # kept alive (not MUST_CLOSE)
                    self.conn.start_next_cycle()
                return status, got
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("closed without an answer")

    def close(self) -> None:
        self.sock.close()


def _refuses_new_connections(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


@contextmanager
def _row_locked(database_url: str, task_id: UUID) -> Iterator[psycopg.Connection[Any]]:
    """The task's row locked by another transaction (commit the connection to release it)."""
    with psycopg.connect(database_url) as conn:
        conn.execute("SELECT 1 FROM tasks WHERE id = %s FOR UPDATE", (task_id,))
        yield conn


def _waiting_on_lock(database_url: str) -> bool:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return row is not None and row[0] > 0


async def _until(condition: Callable[[], bool], *, within: float) -> None:
    deadline = time.monotonic() + within
    while not await asyncio.to_thread(condition):
        assert time.monotonic() < deadline, f"not true within {within} s"
        await asyncio.sleep(0.02)


async def _toggle_held_by_lock(
    server: ServeProcess, database_url: str, user: UUID, task_id: UUID
) -> asyncio.Task[tuple[int, dict[str, str]]]:
    """A toggle of the (locked) task on a connection of its own, once it waits on the lock."""

    def toggle() -> tuple[int, dict[str, str]]:
        connection = RawConnection(server.url)
        try:
            target = f"/api/{user}/tasks/{task_id}/complete"
            return connection.request("PATCH", target, _auth(user))
        finally:
            connection.close()

    in_flight = asyncio.create_task(asyncio.to_thread(toggle))
    await _until(lambda: _waiting_on_lock(database_url), within=10)
    return in_flight


def _auth(user: UUID) -> dict[str, str]:
    return bearer(hs256(user, exp=int(time.time()) + 600))


@pytest.mark.parametrize("server", [2], indirect=True)
async def test_drain_answers_open_connections_completes_in_flight_and_refuses_new_ones(
    server: ServeProcess, db: Database, database_url: str
) -> None:
    user = await make_user(db, "drain@example.com")
    task = await make_task(db, user, "locked")
    idle = RawConnection(server.url)
    try:
        await _drain_with_an_idle_connection(server, database_url, user, task["id"], idle)
    finally:
        idle.close()


async def _drain_with_an_idle_connection(
    server: ServeProcess, database_url: str, user: UUID, task_id: UUID, idle: RawConnection
) -> None:
    assert idle.request("GET", f"/api/{user}/tasks", _auth(user))[0] == 200  # idle, kept alive

    with _row_locked(database_url, task_id) as locker:
        in_flight = await _toggle_held_by_lock(server, database_url, user, task_id)
        server.terminate()
        # The listening socket stops at once for every process that shares it: a new
        # connection is refused, not parked in a backlog nobody serves, while the drain runs.
        await _until(lambda: _refuses_new_connections(server.url), within=5)
        assert server.running()
        # Both workers are draining (uvicorn logs this as its shutdown begins) and the
        # connection that was idle then is still served, told to close.
        await _until(lambda: server.tail(100).count("Shutting down") == 2, within=5)
        status, headers = idle.request("GET", f"/api/{user}/tasks", _auth(user))
        assert status == 200
        assert headers["connection"].lower() == "close"
        locker.commit()  # the request held in flight may now finish

    status, headers = await in_flight
    assert status == 200
    assert headers["connection"].lower() == "close"
    assert await asyncio.to_thread(server.wait, TIMEOUT + SLACK) == 0, server.tail()


async def test_a_request_stuck_past_the_timeout_is_answered_and_the_process_exits(
    server: ServeProcess, db: Database, database_url: str
) -> None:
    user = await make_user(db, "stuck@example.com")
    task = await make_task(db, user, "locked for good")
    with _row_locked(database_url, task["id"]):
        stuck = await _toggle_held_by_lock(server, database_url, user, task["id"])
        server.terminate()
        started = time.monotonic()
        assert await asyncio.to_thread(server.wait, TIMEOUT + SLACK) == 0, server.tail()
        print(f"exited {time.monotonic() - started:.2f} s after SIGTERM")
        status, headers = await stuck
    assert status == 500  # cancelled at SHUTDOWN_TIMEOUT and answered, not dropped
    assert headers["connection"].lower() == "close"
