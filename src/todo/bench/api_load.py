"""Load benchmark of the task API against a running server (not a test).

It creates its own users straight in the database (emails `bench-<run>-<n>@example.com`),
gives each some tasks, mints HS256 JWTs for them with BETTER_AUTH_SECRET, then drives list /
get / create / toggle with N concurrent clients (each one user, one keep-alive connection) and
prints requests per second and latency percentiles. Afterwards it deletes its users again.

The server must run with rate limits high enough for the load (e.g.
API_RATE_LIMIT_PER_MINUTE=0 API_RATE_LIMIT_PER_HOUR=0 turns them off):

    DATABASE_URL=postgresql://... BETTER_AUTH_SECRET=... API_RATE_LIMIT_PER_MINUTE=0 \\
        API_RATE_LIMIT_PER_HOUR=0 todo serve --port 8000 --workers 2
    DATABASE_URL=postgresql://... BETTER_AUTH_SECRET=... \\
        todo bench api --url http://127.0.0.1:8000 --concurrency 50 --seconds 10 \\
        --server-pid "$(pgrep -of 'todo serve')" --postgres-user postgres

With --server-pid (the server's main process; its workers are found below it) and
--postgres-user (the owner of the local PostgreSQL processes) it also reports the CPU time
each request cost the server, the database and this client (Linux /proc). On a small machine
the client's share is large (httpx is not cheap), so "capacity" estimates what the server and
database alone could serve on all cores: cores / (server + database CPU per request).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import pwd
import secrets
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jwt
import psycopg

from todo.db import libpq_url


@dataclass
class BenchUser:
    id: uuid.UUID
    token: str
    task_ids: list[str] = field(default_factory=list)


@dataclass
class Result:
    name: str
    latencies: list[float]
    errors: int
    seconds: float
    cpu: dict[str, float] = field(default_factory=dict)  # who -> CPU seconds spent

    def cpu_line(self) -> str:
        done = len(self.latencies) + self.errors
        if not self.cpu or not done:
            return ""
        per = {who: seconds / done * 1e6 for who, seconds in self.cpu.items()}
        parts = [f"{who} {us:.0f} us" for who, us in per.items()]
        serving = per.get("server", 0.0) + per.get("postgres", 0.0)
        line = f"{'':<8} CPU per request: {', '.join(parts)}"
        if not serving:  # without --server-pid / --postgres-user there is nothing to estimate
            return line
        return f"{line}; capacity ~{(os.cpu_count() or 1) * 1e6 / serving:.0f} req/s"

    def line(self) -> str:
        done = len(self.latencies)
        ms = sorted(latency * 1000 for latency in self.latencies) or [0.0]

        def pct(p: float) -> float:
            return ms[min(len(ms) - 1, int(p / 100 * len(ms)))]

        return (
            f"{self.name:<8} {done / self.seconds:>9.0f} req/s  p50 {pct(50):6.1f} ms  "
            f"p95 {pct(95):6.1f} ms  p99 {pct(99):6.1f} ms  mean {statistics.fmean(ms):6.1f} ms"
            f"  ({done} requests, {self.errors} errors)"
        )


def seed(database_url: str, *, users: int, tasks: int, secret: str) -> list[BenchUser]:
    """Users with `tasks` tasks each, inserted directly; a JWT for each."""
    run = secrets.token_hex(4)
    made: list[BenchUser] = []
    with psycopg.connect(libpq_url(database_url)) as conn:
        for n in range(users):
            row = conn.execute(
                "INSERT INTO users (email, name) VALUES (%s, %s) RETURNING id",
                (f"bench-{run}-{n}@example.com", f"Bench {n}"),
            ).fetchone()
            assert row is not None
            user_id: uuid.UUID = row[0]
            conn.execute(
                "INSERT INTO tasks (user_id, title, description, completed) "
                "SELECT %s, 'task ' || i, 'about task ' || i, i %% 3 = 0 "
                "FROM generate_series(1, %s) AS i",
                (user_id, tasks),
            )
            ids = conn.execute(
                "SELECT id::text FROM tasks WHERE user_id = %s LIMIT 50", (user_id,)
            ).fetchall()
            now = int(time.time())
            claims = {"sub": str(user_id), "iat": now, "exp": now + 3600}
            token = jwt.encode(claims, secret, "HS256")
            made.append(BenchUser(user_id, token, [i for (i,) in ids]))
    return made


def cleanup(database_url: str, users: list[BenchUser]) -> None:
    with psycopg.connect(libpq_url(database_url)) as conn:
        conn.execute("DELETE FROM users WHERE id = ANY(%s)", ([u.id for u in users],))


Call = Callable[[httpx.AsyncClient, BenchUser, int], Awaitable[httpx.Response]]


async def _list(client: httpx.AsyncClient, user: BenchUser, i: int) -> httpx.Response:
    return await client.get(f"/api/{user.id}/tasks", params={"limit": 50})


async def _get(client: httpx.AsyncClient, user: BenchUser, i: int) -> httpx.Response:
    return await client.get(f"/api/{user.id}/tasks/{user.task_ids[i % len(user.task_ids)]}")


async def _create(client: httpx.AsyncClient, user: BenchUser, i: int) -> httpx.Response:
    body = {"title": f"bench task {i}", "description": "made by todo bench api"}
    return await client.post(f"/api/{user.id}/tasks", json=body)


async def _toggle(client: httpx.AsyncClient, user: BenchUser, i: int) -> httpx.Response:
    task_id = user.task_ids[i % len(user.task_ids)]
    return await client.patch(f"/api/{user.id}/tasks/{task_id}/complete")


SCENARIOS: dict[str, tuple[Call, int]] = {
    "list": (_list, 200),
    "get": (_get, 200),
    "create": (_create, 201),
    "toggle": (_toggle, 200),
}


async def drive(
    url: str, users: list[BenchUser], name: str, seconds: float, meters: Meters | None = None
) -> Result:
    """Each user's client calls `name` back to back for `seconds`."""
    call, expected = SCENARIOS[name]
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def one_client(user: BenchUser) -> None:
        nonlocal errors
        headers = {"Authorization": f"Bearer {user.token}"}
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits) as client:
            i = 0
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await call(client, user, i)
                if response.status_code == expected:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1
                i += 1

    before = meters.read() if meters else {}
    started = time.perf_counter()
    await asyncio.gather(*(one_client(user) for user in users))
    elapsed = time.perf_counter() - started
    after = meters.read() if meters else {}
    cpu = {who: after[who] - before[who] for who in before}
    return Result(name, latencies, errors, elapsed, cpu)


def _cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the processes (those that ended meanwhile count as 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split()
        for child in children:
            found += _tree(int(child))
    return found


def _owned_by(user: str, name: str) -> list[int]:
    uid = pwd.getpwnam(user).pw_uid
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid and (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@dataclass
class Meters:
    """CPU meters for the server's processes, PostgreSQL's, and this one."""

    server_pid: int | None
    postgres_user: str | None

    def read(self) -> dict[str, float]:
        readings = {"client": time.process_time()}
        if self.server_pid:
            readings["server"] = _cpu_seconds(_tree(self.server_pid))
        if self.postgres_user:
            readings["postgres"] = _cpu_seconds(_owned_by(self.postgres_user, "postgres"))
        return readings


def machine(database_url: str) -> str:
    with psycopg.connect(libpq_url(database_url)) as conn:
        version = conn.info.parameter_status("server_version")
        row = conn.execute("SELECT count(*) FROM tasks").fetchone()
    total = row[0] if row else 0
    return (
        f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"PostgreSQL {version}, {total} tasks in the database"
    )


def main(argv: list[str], *, database_url: str, secret: str) -> None:
    """`todo bench api ARGS`: drive a running server (DATABASE_URL names its database)."""
    asyncio.run(_main(argv, database_url=database_url, secret=secret))


async def _main(argv: list[str], *, database_url: str, secret: str) -> None:
    parser = argparse.ArgumentParser(
        prog="todo bench api", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--concurrency", type=int, default=50, help="clients (= users)")
    parser.add_argument("--tasks", type=int, default=200, help="tasks per user")
    parser.add_argument("--seconds", type=float, default=10.0, help="per scenario")
    parser.add_argument("--scenarios", default="list,get,create,toggle")
    parser.add_argument("--server-pid", type=int, help="the server's main process (Linux)")
    parser.add_argument("--postgres-user", help="owner of the local PostgreSQL processes")
    args = parser.parse_args(argv)
    meters = Meters(args.server_pid, args.postgres_user)
    users = seed(database_url, users=args.concurrency, tasks=args.tasks, secret=secret)
    try:
        print(f"machine:     {machine(database_url)}")
        print(f"data:        {len(users)} users x {args.tasks} tasks; pages of 50")
        print(f"concurrency: {args.concurrency} clients, {args.seconds:.0f} s per scenario")
        for name in args.scenarios.split(","):
            await drive(args.url, users[:2], name, 1.0)  # warm up connections and caches
            result = await drive(args.url, users, name, args.seconds, meters)
            print(result.line(), flush=True)
            if result.cpu_line():
                print(result.cpu_line(), flush=True)
    finally:
        cleanup(database_url, users)
