"""The unit of work through PgBouncer in transaction mode: no session state, no leaks.

PgBouncer shares two server connections among the pool's clients, so consecutive transactions
of one client land on different backends and different clients' transactions on the same one.
Debian's PgBouncer is 1.18, which predates prepared-statement support in transaction mode, so
the pool runs with prepared statements off (the DB_PREPARED_STATEMENTS setting).
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from todo.db import Database
from todo.tasks import repository as tasks
from todo.tasks.repository import ListOptions

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
