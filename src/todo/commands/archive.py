"""`todo db archive`: move old completed tasks into tasks_archive."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from todo.archive import service
from todo.commands import common
from todo.db import Database
from todo.errors import DomainError


def archive(
    older_than: Annotated[
        str, typer.Option("--older-than", help="Age since the last update: 90d, 12h, 2w.")
    ] = "90d",
    batch: Annotated[int, typer.Option(min=1, help="Tasks moved per transaction.")] = 10_000,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would move.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Move completed tasks not updated for --older-than into tasks_archive, in batches.

    Each batch is one transaction: an interrupted run keeps what it moved, and running the
    command again moves the rest (nothing is lost or duplicated).
    """
    try:
        cutoff = service.cutoff_for(service.parse_age(older_than))
    except DomainError as error:
        common.fail(error.message, code=2)
    common.run(lambda db: _run(db, cutoff, batch=batch, dry_run=dry_run, js=as_json))


async def _run(db: Database, cutoff: datetime, *, batch: int, dry_run: bool, js: bool) -> None:
    if dry_run:
        _show_plan(await service.plan(db, cutoff=cutoff), js=js)
        return
    total = await service.pending(db, cutoff=cutoff)
    started = time.perf_counter()
    with common.progress(enabled=not js) as bar:
        task = bar.add_task("archiving", total=total, rate="")

        def advance(count: int) -> None:
            done = bar.tasks[0].completed + count
            elapsed = time.perf_counter() - started
            bar.update(task, completed=done, rate=common.rate(int(done), elapsed, "tasks"))

        result = await service.archive(db, cutoff=cutoff, batch=batch, on_batch=advance)
    elapsed = time.perf_counter() - started
    if js:
        common.print_json({**result.as_dict(), "seconds": round(elapsed, 3)})
        return
    common.console.print(
        f"moved {result.moved:,} tasks to tasks_archive in {result.batches} batches "
        f"({elapsed:.1f} s, {common.rate(result.moved, elapsed, 'tasks')}); "
        f"cutoff {cutoff:%Y-%m-%d %H:%M} UTC",
        highlight=False,
    )


def _show_plan(plan: service.ArchivePlan, *, js: bool) -> None:
    if js:
        common.print_json({"dry_run": True, **plan.as_dict()})
        return
    table = Table("dry run", "would move", show_header=True)
    table.add_row("cutoff (last update before)", f"{plan.cutoff:%Y-%m-%d %H:%M:%S} UTC")
    table.add_row("tasks", f"{plan.tasks:,}")
    table.add_row("users", f"{plan.users:,}")
    for label, value in (("oldest", plan.oldest_updated_at), ("newest", plan.newest_updated_at)):
        table.add_row(f"{label} last update", "-" if value is None else f"{value:%Y-%m-%d}")
    common.console.print(table)
