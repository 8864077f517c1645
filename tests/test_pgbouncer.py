"""The unit of work through PgBouncer in transaction mode: no session state, no leaks.

PgBouncer shares two server connections among the pool's clients, so consecutive transactions
of one client land on different backends and different clients' transactions on the same one.
Debian's PgBouncer is 1.18, which predates prepared-statement support in transaction mode, so
the pool runs with prepared statements off (the DB_PREPARED_STATEMENTS setting).

The load test runs the same way on the app's own small pool straight to PostgreSQL: many users'
requests at once over a few server connections, checked in every response and in the database.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import httpx
import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from todo.app import create_app
from todo.db import RUNTIME_ROLE, Database, OwnerSubjectToRls
from todo.tasks import repository as tasks
from todo.tasks.repository import ListOptions

from .api.support import api_settings, bearer, hs256
from .helpers import free_port, make_task, make_user


def _run_as() -> list[str]:
    # PgBouncer refuses to run as root; the embedded server's own system user will do.
    if os.geteuid() != 0:
        return []
    for name in ("pgserver", "postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"]
    pytest.fail("no unprivileged user to run pgbouncer as")


@pytest.fixture
def bouncer_url(database_url: str) -> Iterator[str]:
    # Not pytest's tmp_path: its parents are private to root, and pgbouncer runs as another user.
    with tempfile.TemporaryDirectory(prefix="todo-pgbouncer-") as folder:
        yield from _bouncer(database_url, Path(folder))


def _bouncer(database_url: str, tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    assert Path(binary).exists(), "pgbouncer is missing; scripts/test.sh installs it"
    target = conninfo_to_dict(database_url)
    server = " ".join(
        f"{key}={target[key]}" for key in ("host", "port", "dbname", "user") if target.get(key)
    )
    port = free_port()
    tmp_path.chmod(0o777)
    config = tmp_path / "pgbouncer.ini"
    config.write_text(
        f"[databases]\ntodo = {server}\n\n[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = any\npool_mode = transaction\ndefault_pool_size = 2\n"
        "max_client_conn = 100\n"
        f"logfile = {tmp_path}/pgbouncer.log\npidfile = {tmp_path}/pgbouncer.pid\n"
    )
    config.chmod(0o644)
    proc = subprocess.Popen([*_run_as(), binary, str(config)])
    url = f"postgresql://bouncer@127.0.0.1:{port}/todo"
    deadline = time.monotonic() + 15
    while True:
        try:
            psycopg.connect(url, connect_timeout=1).close()
            break
        except psycopg.OperationalError:
            assert proc.poll() is None, "pgbouncer exited"
            assert time.monotonic() < deadline, "pgbouncer did not start"
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


async def test_isolation_holds_through_pgbouncer_transaction_mode(
    db: Database, bouncer_url: str
) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    for n in range(3):
        await make_task(db, alice, f"alice {n}")
    await make_task(db, bob, "bob 0")

    bounced = Database(bouncer_url, pool_size=6, max_overflow=0, prepared_statements=False)
    await bounced.open()
    try:

        async def visible(user: UUID | None) -> tuple[int, set[str], int]:
            async with bounced.transaction(user) as tx:
                rows = await tx.fetch_all("SELECT title FROM tasks")  # no WHERE on purpose
                page = (
                    await tasks.list_tasks(tx, user_id=user, options=ListOptions())
                    if user
                    else None
                )
                backend = await tx.fetch_value("SELECT pg_backend_pid()")
            titles = {row["title"] for row in rows}
            return len(rows), titles, backend if page is None or page.total == len(rows) else -1

        users: list[UUID | None] = [alice, bob, None] * 40
        results = await asyncio.gather(*(visible(user) for user in users))
    finally:
        await bounced.close()

    expected = {
        alice: (3, {"alice 0", "alice 1", "alice 2"}),
        bob: (1, {"bob 0"}),
        None: (0, set()),
    }
    backends = set()
    for user, (count, titles, backend) in zip(users, results, strict=True):
        assert (count, titles) == expected[user]
        assert backend != -1
        backends.add(backend)
    # 120 transactions from 6 clients really were multiplexed onto PgBouncer's two backends.
    assert len(backends) == 2


USERS, REQUESTS = 50, 250


@dataclass(frozen=True)
class Route:
    """Where the app's pool connects: straight to PostgreSQL, or through PgBouncer."""

    url: str
    bouncer: bool


@pytest.fixture(params=["direct", "pgbouncer"])
def route(request: pytest.FixtureRequest, database_url: str) -> Iterator[Route]:
    if request.param == "direct":
        yield Route(database_url, bouncer=False)
        return
    with tempfile.TemporaryDirectory(prefix="todo-pgbouncer-") as folder:
        for url in _bouncer(database_url, Path(folder)):
            yield Route(url, bouncer=True)


@dataclass
class Seen:
    """What the database said to each kind of transaction, gathered during the load."""

    backends: dict[int, set[UUID | None]] = field(default_factory=dict)  # the app's pool's
    plain_backends: set[int] = field(default_factory=set)  # those of sessions of their own
    problems: list[str] = field(default_factory=list)

    def backend(self, pid: int, user: UUID | None) -> None:
        self.backends.setdefault(pid, set()).add(user)


async def test_identity_never_crosses_users_under_concurrent_load(
    route: Route, db: Database
) -> None:
    """50 users' requests at once through the app, over a pool of at most four connections
    (through PgBouncer: two server connections), interleaved with database-level checks: each
    user's own transaction, the owner's, and plain sessions that set no identity at all."""
    users = [await make_user(db, f"user{n}@example.com") for n in range(USERS)]
    owned = {
        user: [(await make_task(db, user, f"{user} {k}"))["id"] for k in range(2)] for user in users
    }
    settings = api_settings(
        db_pool_size=2,
        db_max_overflow=2,
        db_prepared_statements=not route.bouncer,  # PgBouncer 1.18 lacks support
        api_rate_limit_per_minute=0,
        api_rate_limit_per_hour=0,
    )
    app = create_app(settings, database_url=route.url)
    seen = Seen()
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        pool: Database = app.state.db
        work = [_request(client, n, users, owned, seen) for n in range(REQUESTS)]
        work += [_as_user(pool, user, seen) for user in users]
        work += [_as_owner(pool, seen) for _ in range(USERS // 2)]
        work += [_plain_session(route.url, seen) for _ in range(10)]
        random.Random(9).shuffle(work)
        await asyncio.gather(*work)

    assert seen.problems == []
    # The load really was multiplexed: a handful of server connections, each serving many users
    # (and through PgBouncer the plain sessions too).
    assert len(seen.backends) <= (2 if route.bouncer else 4)
    assert max(len(users_of) for users_of in seen.backends.values()) > 5
    if route.bouncer:
        assert seen.plain_backends <= set(seen.backends)
    async with db.owner_transaction() as tx:
        rows = await tx.fetch_all("SELECT user_id, title FROM tasks")
    assert len(rows) == USERS * 2 + REQUESTS // 5
    assert all(row["title"].startswith(str(row["user_id"])) for row in rows)


async def _request(
    client: httpx.AsyncClient,
    n: int,
    users: list[UUID],
    owned: dict[UUID, list[UUID]],
    seen: Seen,
) -> None:
    """One of five requests of user n % USERS; a problem is noted unless every row in the
    answer is theirs (and another user's task is 404)."""
    user = users[n % USERS]
    base, auth = f"/api/{user}/tasks", bearer(hs256(user, exp=int(time.time()) + 600))
    mine = str(owned[user][n % 2])
    kind = n % 5
    if kind == 0:
        response = await client.get(base, headers=auth, params={"limit": 100})
        rows = response.json()["data"] if response.status_code == 200 else []
    elif kind == 1:
        response = await client.get(f"{base}/{mine}", headers=auth)
        rows = [response.json()["data"]] if response.status_code == 200 else []
    elif kind == 2:
        response = await client.post(base, headers=auth, json={"title": f"{user} new {n}"})
        rows = [response.json()["data"]] if response.status_code == 201 else []
    elif kind == 3:
        response = await client.patch(f"{base}/{mine}/complete", headers=auth)
        rows = [response.json()["data"]] if response.status_code == 200 else []
    else:
        theirs = owned[users[(n + 1) % USERS]][0]
        response = await client.get(f"{base}/{theirs}", headers=auth)
        rows = []
    expected = 404 if kind == 4 else 201 if kind == 2 else 200
    if response.status_code != expected:
        seen.problems.append(f"request {n}: {response.status_code} {response.text[:200]}")
    strangers = [row for row in rows if row["user_id"] != str(user)]
    if strangers or (kind < 4 and not rows):
        seen.problems.append(f"request {n} of {user}: rows {rows}")


_WHO_AM_I = (
    "SELECT current_user_id() AS me, current_user AS role, pg_backend_pid() AS backend, "
    "coalesce(array_agg(DISTINCT user_id), '{}') AS owners, count(*) AS tasks FROM tasks"
)


async def _as_user(pool: Database, user: UUID, seen: Seen) -> None:
    """A statement run as the user: its identity is the user's and it sees only their rows."""
    async with pool.transaction(user) as tx:
        row = await tx.fetch_one(_WHO_AM_I)
    assert row is not None
    seen.backend(row["backend"], user)
    if row["me"] != user or row["role"] != RUNTIME_ROLE or set(row["owners"]) - {user}:
        seen.problems.append(f"as {user}: {row}")


async def _as_owner(pool: Database, seen: Seen) -> None:
    """An operator's transaction on the same pool: its own role, no identity, every row."""
    try:
        async with pool.owner_transaction() as tx:
            row = await tx.fetch_one(_WHO_AM_I)
    except OwnerSubjectToRls:  # it found itself running as the runtime role
        seen.problems.append("as the owner: confined by row-level security")
        return
    assert row is not None
    seen.backend(row["backend"], None)
    if row["me"] is not None or row["role"] == RUNTIME_ROLE or row["tasks"] < USERS * 2:
        seen.problems.append(f"as the owner: {row}")


async def _plain_session(url: str, seen: Seen) -> None:
    """Another client of the same server (through PgBouncer: of the same server connections)
    that sets nothing: it must find no identity or role left behind by anyone."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cursor = await conn.execute(
            "SELECT current_setting('app.current_user_id', true), current_user, "
            "pg_backend_pid(), (SELECT count(*) FROM tasks)"
        )
        row = await cursor.fetchone()
    assert row is not None
    identity, role, backend, tasks = row
    seen.plain_backends.add(backend)
    if identity not in (None, "") or role == RUNTIME_ROLE or tasks < USERS * 2:
        seen.problems.append(f"a plain session: {row}")
