"""The point-in-time recovery drill (`todo db pitr-drill`), on a throwaway cluster.

It follows the README's procedure with PostgreSQL's own tools: a cluster archiving its WAL
(`archive_mode`, `archive_command`), the schema migrated, tasks written through the services,
a base backup (`pg_basebackup`), more writes, the recovery target T, then writes after T that
a restore must not bring back (new tasks, and toggles and deletions of older ones). The base
backup is copied into a fresh data directory and started with `restore_command`, the target
and `recovery.signal`; once promoted, exactly the tasks acknowledged before T must be there,
as they were at T, and nothing written after it.

T is a named restore point (`pg_create_restore_point`) by default: a WAL record written when
the function runs, so every commit acknowledged before it precedes it in the WAL and every
later one follows it. With `by_time`, T is the server's clock read at the same moment and the
restore uses `recovery_target_time`, as after an incident whose moment is known only by time.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from todo import migrate
from todo.auth import repository as users
from todo.backup import repository
from todo.backup.cluster import (
    Cluster,
    ClusterFailed,
    as_owner,
    give_to_cluster_user,
    own_directory,
    small_pool,
    workspace,
)
from todo.db import Database
from todo.tasks import service as tasks
from todo.tasks.models import TaskCreate

Step = Callable[[str], None]
DATABASE = "todo"
USERS = 3


@dataclass
class PitrReport:
    """What the drill did and found."""

    server_version: str = ""
    target: str = ""  # "restore point 'name'" or "time <T>"
    target_lsn: str = ""
    marked_at: datetime | None = None  # T, on the server's clock
    last_replayed_commit_at: datetime | None = None
    base_backup_seconds: float = 0.0
    restore_seconds: float = 0.0  # copy of the base backup, WAL replay, until promoted
    acked_before: int = 0  # tasks created and acknowledged before T
    acked_after: int = 0  # tasks created after T
    changed_after: int = 0  # tasks of before T that were toggled or deleted after T
    found_before: int = 0  # of the acked_before, restored as they were at T
    found_after: int = 0  # of the acked_after, restored (must be 0)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Exactly the writes acknowledged before T, as they were at T."""
        return (
            not self.problems and self.found_before == self.acked_before and self.found_after == 0
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok}


@dataclass
class _Writes:
    """What the drill wrote and was acknowledged: task id -> its user, per phase."""

    user_ids: list[UUID] = field(default_factory=list)
    before: dict[UUID, UUID] = field(default_factory=dict)
    after: dict[UUID, UUID] = field(default_factory=dict)
    toggled: list[UUID] = field(default_factory=list)
    deleted: list[UUID] = field(default_factory=list)


async def drill(
    *, major: int, tasks_count: int, by_time: bool = False, step: Step = lambda _: None
) -> PitrReport:
    """Run the drill on a throwaway cluster of PostgreSQL `major`; everything is removed after."""
    with workspace("todo-pitr-") as root:
        primary = Cluster(root / "primary", major=major)
        restored = Cluster(root / "restored", major=major)
        try:
            return await _drill(primary, restored, root, tasks_count, by_time, step)
        finally:
            await asyncio.to_thread(restored.remove)
            await asyncio.to_thread(primary.remove)


async def _drill(
    primary: Cluster, restored: Cluster, root: Path, count: int, by_time: bool, step: Step
) -> PitrReport:
    report, writes = PitrReport(), _Writes()
    archive = own_directory(root / "wal-archive")
    base = root / "base-backup"
    step(f"initdb and start PostgreSQL {primary.major}, archiving WAL to {archive}")
    await asyncio.to_thread(primary.init)
    primary.configure(
        wal_level="replica",
        archive_mode="on",
        archive_command=f"test ! -f {archive}/%f && cp %p {archive}/%f",
    )
    await asyncio.to_thread(primary.start)
    url = await asyncio.to_thread(primary.create_database, DATABASE)
    await asyncio.to_thread(migrate.upgrade, url)
    async with small_pool(url) as db:
        report.server_version = await as_owner(db, repository.server_version)
        writes.user_ids = [await _new_user(db, n) for n in range(USERS)]
        step(f"write {count // 2} tasks, then take a base backup with pg_basebackup")
        writes.before |= await _create(db, writes.user_ids, count // 2, "before backup")
        report.base_backup_seconds = await _timed(_base_backup, primary, base)
        step(f"write {count - count // 2} more tasks, then mark T")
        writes.before |= await _create(db, writes.user_ids, count - count // 2, "before T")
        target = await _mark(db, report, by_time)
        step("after T: new tasks, toggles and deletions that the restore must not bring back")
        await _write_after(db, writes, count)
        segment = await as_owner(db, repository.switch_wal)
    await asyncio.to_thread(_until_archived, archive / segment)
    await asyncio.to_thread(primary.stop, "fast")
    step(f"restore the base backup and the archived WAL up to T ({report.target})")
    report.restore_seconds = await _timed(_restore, restored, base, archive, target)
    async with small_pool(restored.url(DATABASE)) as db:
        report.last_replayed_commit_at = await as_owner(db, repository.last_replayed_commit)
        _compare(report, writes, await as_owner(db, repository.task_states))
    return report


async def _new_user(db: Database, n: int) -> UUID:
    async with db.transaction(None) as tx:
        row = await users.insert_user(tx, email=f"pitr-drill-{n}@example.com", name=None)
    assert row is not None
    user_id: UUID = row["id"]
    return user_id


async def _create(db: Database, owners: list[UUID], count: int, label: str) -> dict[UUID, UUID]:
    """Create `count` tasks round the users, one transaction each; the acknowledged ones."""
    created = {}
    for n in range(count):
        user_id = owners[n % len(owners)]
        async with db.transaction(user_id) as tx:
            row = await tasks.create_task(tx, user_id=user_id, new=TaskCreate(title=f"{label} {n}"))
        created[row["id"]] = user_id
    return created


async def _mark(db: Database, report: PitrReport, by_time: bool) -> dict[str, str]:
    """Make T: a named restore point in the WAL, and the server's clock at that moment; the
    recovery target settings that name it."""
    name = f"pitr-drill-{int(time.time())}"
    async with db.owner_transaction() as tx:
        point = await repository.mark_restore_point(tx, name)
    report.target_lsn, report.marked_at = point["lsn"], point["at"]
    if by_time:
        report.target = f"time {point['at'].isoformat()}"
        return {"recovery_target_time": point["at"].isoformat()}
    report.target = f"restore point '{name}'"
    return {"recovery_target_name": name}


async def _write_after(db: Database, writes: _Writes, count: int) -> None:
    """After T: new tasks, and a third of the older ones toggled, another third deleted."""
    writes.after = await _create(db, writes.user_ids, max(1, count // 2), "after T")
    older = list(writes.before)
    writes.toggled, writes.deleted = older[0::3], older[1::3]
    for task_id in writes.toggled:
        user_id = writes.before[task_id]
        async with db.transaction(user_id) as tx:
            await tasks.toggle_task(tx, user_id=user_id, task_id=task_id)
    for task_id in writes.deleted:
        user_id = writes.before[task_id]
        async with db.transaction(user_id) as tx:
            await tasks.delete_task(tx, user_id=user_id, task_id=task_id)


async def _timed(work: Callable[..., Any], *args: Any) -> float:
    started = time.monotonic()
    await asyncio.to_thread(work, *args)
    return round(time.monotonic() - started, 3)


def _base_backup(primary: Cluster, base: Path) -> None:
    primary.run("pg_basebackup", "-D", str(base), "-h", "127.0.0.1", "-p", str(primary.port),
                "-U", "postgres", "-X", "stream", "-c", "fast", "--no-sync")  # fmt: skip


def _until_archived(segment: Path, within: float = 120) -> None:
    deadline = time.monotonic() + within
    while not segment.exists():
        if time.monotonic() > deadline:
            raise ClusterFailed(f"WAL segment {segment.name} was not archived within {within} s")
        time.sleep(0.1)


def _restore(restored: Cluster, base: Path, archive: Path, target: dict[str, str]) -> None:
    """The procedure's restore: the base backup into a fresh data directory, recovery settings,
    recovery.signal, start, and wait until recovery has reached T and promoted."""
    shutil.copytree(base, restored.data_dir)
    restored.configure(
        restore_command=f"cp {archive}/%f %p",
        recovery_target_action="promote",
        archive_mode="off",
        **target,
    )
    (restored.data_dir / "recovery.signal").touch()
    give_to_cluster_user(restored.data_dir)
    restored.start()
    restored.wait_until_promoted()


def _compare(report: PitrReport, writes: _Writes, restored: dict[UUID, bool]) -> None:
    """Exactly the tasks acknowledged before T, as they were at T (all open), none after."""
    before, after = set(writes.before), set(writes.after)
    report.acked_before, report.acked_after = len(before), len(after)
    report.changed_after = len(writes.toggled) + len(writes.deleted)
    report.found_before = sum(1 for task in before if restored.get(task) is False)
    report.found_after = len(after & set(restored))
    missing = before - set(restored)
    if missing:
        report.problems.append(f"{len(missing)} tasks acknowledged before T are missing")
    done = [task for task in before & set(restored) if restored[task]]
    if done:
        report.problems.append(f"{len(done)} tasks carry a toggle made after T")
    if report.found_after:
        report.problems.append(f"{report.found_after} tasks created after T came back")
    strangers = set(restored) - before - after
    if strangers:
        report.problems.append(f"{len(strangers)} tasks nobody wrote")
