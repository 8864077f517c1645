"""Benchmark: what the per-transaction identity costs (not a test; it asserts nothing).

Runs the API's hottest transaction (role + identity, a page of 50 tasks and the total) many
times from concurrent clients, two ways: the project's unit of work (identity pipelined with the
first statements) and the naive sequence (BEGIN; SET LOCAL ROLE; set_config; page; count;
COMMIT as separate round trips). Prints transactions per second with the data size,
concurrency and machine next to every number.

    todo bench uow [--users 200] [--tasks 200] [--clients 1,16] [--seconds 10]

Uses DATABASE_URL if set, otherwise a throwaway embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

from todo import migrate
from todo.db import RUNTIME_ROLE, Database
from todo.embedded import embedded_postgres
from todo.tasks import repository as tasks
from todo.tasks.repository import ListOptions


async def _load(db: Database, users: int, per_user: int) -> list[UUID]:
    async with db.owner_transaction() as tx:
        await tx.execute("TRUNCATE users CASCADE")
        await tx.execute(
            "INSERT INTO users (email) SELECT 'bench' || n || '@example.com' "
            "FROM generate_series(1, %s) n",
            (users,),
        )
        await tx.execute(
            "INSERT INTO tasks (user_id, title, completed, created_at) "
            "SELECT id, 'task ' || n, n %% 3 = 0, now() - n * interval '1 minute' "
            "FROM users CROSS JOIN generate_series(1, %s) n",
            (per_user,),
        )
        rows = await tx.fetch_all("SELECT id FROM users")
    return [row["id"] for row in rows]


async def pipelined(db: Database, user: UUID) -> None:
    async with db.transaction(user) as tx:
        await tasks.list_tasks(tx, user_id=user, options=ListOptions())


async def naive(db: Database, user: UUID) -> None:
    async with db.pool.connection() as conn:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute("SET LOCAL ROLE " + RUNTIME_ROLE)
        await cur.execute("SELECT set_config('app.current_user_id', %s, true)", (str(user),))
        await cur.execute(
            f"SELECT {tasks.FIELDS} FROM tasks WHERE user_id = %s "  # noqa: S608 (constant)
            "ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET 0",
            (user,),
        )
        await cur.fetchall()
        await cur.execute("SELECT count(*) AS total FROM tasks WHERE user_id = %s", (user,))
        await cur.fetchall()


async def _measure(
    db: Database,
    users: list[UUID],
    run: Callable[[Database, UUID], Awaitable[None]],
    clients: int,
    seconds: float,
) -> tuple[int, float]:
    done = 0
    stop = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            await run(db, random.choice(users))  # noqa: S311 (load pattern, not security)
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return done, time.perf_counter() - started


async def _main(url: str, args: argparse.Namespace) -> None:
    migrate.upgrade(url)
    concurrency = [int(n) for n in args.clients.split(",")]
    db = Database(url, pool_size=max(concurrency), max_overflow=0)
    await db.open()
    try:
        users = await _load(db, args.users, args.tasks)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE users, tasks")
        machine = (
            f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
        )
        print(f"data: {args.users} users x {args.tasks} tasks; {machine}")
        for clients in concurrency:
            for name, run in (("pipelined (todo.db)", pipelined), ("naive, 6 round trips", naive)):
                await _measure(db, users, run, clients, 1.0)  # warm up, prepare statements
                count, elapsed = await _measure(db, users, run, clients, args.seconds)
                print(
                    f"{clients:3} clients  {name:22} {count / elapsed:7.0f} transactions/s "
                    f"({count} in {elapsed:.1f} s)"
                )
    finally:
        await db.close()


def main(argv: list[str], *, database_url: str | None) -> None:
    """`todo bench uow ARGS`: on DATABASE_URL, or a throwaway embedded PostgreSQL."""
    parser = argparse.ArgumentParser(
        prog="todo bench uow", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--clients", default="1,16", help="comma-separated concurrencies")
    parser.add_argument("--seconds", type=float, default=10.0)
    arguments = parser.parse_args(argv)
    if database_url:
        asyncio.run(_main(database_url, arguments))
    else:
        with tempfile.TemporaryDirectory() as folder, embedded_postgres(Path(folder)) as url:
            asyncio.run(_main(url, arguments))
