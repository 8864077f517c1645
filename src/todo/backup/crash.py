"""The crash drill (`todo db crash-drill`): acknowledged writes survive crashes, refused ones
never appear.

On a throwaway cluster it runs `todo serve` and concurrent writers that create tasks with
unique titles (and toggle the ones they created) through the HTTP API, each on its own
keep-alive connection. Meanwhile, in every round, PostgreSQL is stopped in immediate mode (as
a crash: no checkpoint, crash recovery at the next start) under the running web process and
started again; the web process and its workers are SIGKILLed and started again; and both die
at once, as in a power cut (see FAULTS). Afterwards every create whose success reached its
client must be stored exactly once, no refused one at all, and every task's state must follow
from its acknowledged toggles (see `todo.backup.ledger` for the verdicts).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import jwt

from todo import migrate
from todo.auth import repository as users
from todo.backup import repository
from todo.backup.cluster import Cluster, as_owner, free_port, small_pool, workspace
from todo.backup.ledger import (
    NOT_SENT,
    Ledger,
    Verdict,
    judge_failure,
    judge_response,
    violations,
)
from todo.backup.serve_process import ServeProcess
from todo.db import Database

Step = Callable[[str], None]
DATABASE = "todo"
PREFIX = "crash-"
DOWN_SECONDS = 1.0  # how long PostgreSQL stays down in each round, writers still writing
CLIENT_TIMEOUT = 10.0


@dataclass
class CrashReport:
    """What the drill did, what the clients learned, what was stored."""

    server_version: str = ""
    writers: int = 0
    workers: int = 0
    rounds: int = 0
    faults: list[str] = field(default_factory=list)  # the timeline
    creates: dict[str, int] = field(default_factory=dict)
    toggles: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No guarantee broke, and the writers did get writes through."""
        return not self.violations and self.creates.get("acked", 0) > 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok}


FAULTS = ("postgres", "web", "host")
"""postgres: an immediate stop under the running web process, then a restart; web: SIGKILL of
the web process and its workers, then a restart; host: both at once, as a power cut would."""


@dataclass(frozen=True)
class Plan:
    """How long the writers write between faults, which faults, how many rounds of them."""

    seconds: float
    rounds: int
    faults: tuple[str, ...] = FAULTS


@dataclass(frozen=True)
class _Writer:
    number: int
    user_id: UUID
    token: str


async def drill(*, major: int, writers: int, workers: int, plan: Plan, step: Step) -> CrashReport:
    """Run the drill on a throwaway cluster of PostgreSQL `major`; everything is removed after."""
    report = CrashReport(writers=writers, workers=workers, rounds=plan.rounds)
    with workspace("todo-crash-") as root:
        cluster = Cluster(root / "data", major=major)
        server: ServeProcess | None = None
        try:
            step(f"initdb and start PostgreSQL {major}, migrate, {writers} users")
            url = await _prepared_cluster(cluster)
            secret = secrets.token_urlsafe(48)
            async with small_pool(url) as db:
                report.server_version = await as_owner(db, repository.server_version)
                crew = [await _new_writer(db, n, secret) for n in range(writers)]
            server = ServeProcess(
                env=_serve_env(url, secret, root, writers),
                port=free_port(),
                workers=workers,
                log=root / "serve.log",
            )
            step(f"start todo serve --workers {workers}; {writers} writers; faults {plan}")
            await asyncio.to_thread(server.start)
            ledger = await _load_with_faults(server, cluster, crew, plan, report, step)
            step("stop the web process; compare what was stored with what the clients learned")
            server.terminate()
            await asyncio.to_thread(server.wait, 60)
            async with small_pool(url) as db:
                stored = await as_owner(db, partial(repository.tasks_titled, prefix=PREFIX))
            _conclude(report, ledger, stored)
            return report
        finally:
            if server is not None:
                await asyncio.to_thread(server.kill)
            await asyncio.to_thread(cluster.remove)


async def _prepared_cluster(cluster: Cluster) -> str:
    await asyncio.to_thread(cluster.init)
    await asyncio.to_thread(cluster.start)
    url = await asyncio.to_thread(cluster.create_database, DATABASE)
    await asyncio.to_thread(migrate.upgrade, url)
    return url


async def _new_writer(db: Database, number: int, secret: str) -> _Writer:
    async with db.transaction(None) as tx:
        row = await users.insert_user(tx, email=f"crash-drill-{number}@example.com", name=None)
    assert row is not None
    now = int(time.time())
    claims = {"sub": str(row["id"]), "iat": now, "exp": now + 3600}
    return _Writer(number, row["id"], jwt.encode(claims, secret, "HS256"))


def _serve_env(url: str, secret: str, root: Path, writers: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    return env | {
        "DATABASE_URL": url,
        "BETTER_AUTH_SECRET": secret,
        "DATA_DIR": str(root / "serve"),
        "API_RATE_LIMIT_PER_MINUTE": "0",
        "API_RATE_LIMIT_PER_HOUR": "0",
        "DB_POOL_SIZE": str(max(2, writers // 2)),
        "DB_MAX_OVERFLOW": "2",
        "DB_POOL_TIMEOUT": "5",  # requests while the database is down end within seconds
        "LOG_LEVEL": "warning",
    }


async def _load_with_faults(
    server: ServeProcess,
    cluster: Cluster,
    crew: list[_Writer],
    plan: Plan,
    report: CrashReport,
    step: Step,
) -> Ledger:
    """The writers write throughout; the faults happen in between."""
    ledger, stop, started = Ledger(), asyncio.Event(), time.monotonic()

    async def fault(label: str, *actions: Callable[[], object]) -> None:
        for action in actions:
            await asyncio.to_thread(action)
        report.faults.append(f"{time.monotonic() - started:.1f} s: {label}")
        step(label)

    def crash_postgres() -> None:
        cluster.stop("immediate")

    writing = [asyncio.create_task(_write(server.url, one, ledger, stop)) for one in crew]
    for _ in range(plan.rounds):
        for kind in plan.faults:
            await asyncio.sleep(plan.seconds)
            if kind == "postgres":
                await fault("PostgreSQL stopped in immediate mode", crash_postgres)
                await asyncio.sleep(DOWN_SECONDS)
                await fault("PostgreSQL started again (crash recovery)", cluster.start)
            elif kind == "web":
                await fault("web process and workers SIGKILLed", server.kill)
                await fault("web process started again", server.start)
            else:
                await fault(
                    "host crash: web SIGKILLed, PostgreSQL stopped", server.kill, crash_postgres
                )
                await fault("PostgreSQL and web process started again", cluster.start, server.start)
    await asyncio.sleep(plan.seconds)
    stop.set()
    await asyncio.gather(*writing)
    return ledger


async def _write(url: str, writer: _Writer, ledger: Ledger, stop: asyncio.Event) -> None:
    """One client: mostly creates, every third write a toggle of a task it created."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    headers = {"Authorization": f"Bearer {writer.token}"}
    base = f"/api/{writer.user_id}/tasks"
    mine: list[UUID] = []
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=CLIENT_TIMEOUT
    ) as client:
        for n in range(1, 1_000_000):
            if stop.is_set():
                return
            if mine and n % 3 == 0:
                task_id = mine[n % len(mine)]
                sent = await _send(client, "PATCH", f"{base}/{task_id}/complete", 200, None)
                ledger.toggled(task_id, sent.verdict, sent.reason)
            else:
                title = f"{PREFIX}{writer.number}-{n}"
                sent = await _send(client, "POST", base, 201, {"title": title})
                ledger.created(title, sent.verdict, sent.reason)
                if sent.task_id is not None:
                    mine.append(sent.task_id)
            if sent.nothing_sent:
                await asyncio.sleep(0.05)  # the web process is down: do not spin


@dataclass(frozen=True)
class _Sent:
    verdict: Verdict
    reason: str
    task_id: UUID | None = None  # when acknowledged

    @property
    def nothing_sent(self) -> bool:
        return self.verdict is Verdict.REFUSED and self.reason == NOT_SENT


async def _send(
    client: httpx.AsyncClient, method: str, path: str, success: int, body: Any
) -> _Sent:
    """One write, and what its client learned."""
    try:
        response = await client.request(method, path, json=body)
    except httpx.HTTPError as error:
        return _Sent(*judge_failure(error))
    verdict, reason = judge_response(response, success)
    if verdict is not Verdict.ACKED:
        return _Sent(verdict, reason)
    return _Sent(verdict, reason, UUID(response.json()["data"]["id"]))


def _conclude(
    report: CrashReport, ledger: Ledger, stored: dict[str, list[tuple[UUID, bool]]]
) -> None:
    unknown = [title for title, seen in ledger.creates.items() if seen is Verdict.UNKNOWN]
    report.creates = {
        "attempted": len(ledger.creates),
        "acked": ledger.count(Verdict.ACKED),
        "refused": ledger.count(Verdict.REFUSED),
        "unknown": len(unknown),
        "unknown_present": sum(1 for title in unknown if stored.get(title)),
    }
    report.toggles = {verdict.value: ledger.toggle_count(verdict) for verdict in Verdict}
    report.reasons = dict(sorted(ledger.reasons.items()))
    report.violations = violations(ledger, stored)
