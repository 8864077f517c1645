"""`todo db seed` and `todo db cleanup`: the spec's demo data, or synthetic data at scale."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from todo import demo
from todo.auth import passwords
from todo.commands import common
from todo.db import Database
from todo.seeding import service


def seed(
    users: Annotated[
        int | None, typer.Option(help="Synthetic users to add (omit for the demo data).")
    ] = None,
    tasks_per_user: Annotated[int | None, typer.Option(help="Tasks per synthetic user.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same data.")] = 1,
    force: Annotated[
        bool, typer.Option("--force", help="Seed even if the database holds real users.")
    ] = False,
    jobs: Annotated[int, typer.Option(min=1, help="Connections loading in parallel.")] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Add the spec's demo data or, with --users N, synthetic data at scale.

    Without options: the spec's demo user and five tasks (running it twice changes nothing).
    With --users N [--tasks-per-user M]: N synthetic users (emails @synthetic.example, password
    Synthetic-Passw0rd) with M tasks each, loaded in bulk. Refuses to run on a database with
    non-synthetic users unless --force.
    """
    if users is None:
        if tasks_per_user is not None:
            common.fail("--tasks-per-user needs --users", code=2)
        result = common.run(demo.seed_demo)
        if as_json:
            common.print_json({"demo_user_created": result.user_created, **vars(result)})
            return
        who = "created" if result.user_created else "already there"
        common.console.print(
            f"demo user {demo.DEMO_EMAIL}: {who}; tasks added: {result.tasks_created}"
        )
        return
    options = service.SeedOptions(
        users=users,
        tasks_per_user=100 if tasks_per_user is None else tasks_per_user,
        seed=seed,
        force=force,
        jobs=jobs,
        hasher=passwords.settings_hasher(common.settings_or_exit()),
    )
    report = common.run(lambda db: _seed(db, options, quiet=as_json), size=jobs)
    if as_json:
        common.print_json(report.as_dict())
        return
    _print_report(report)


async def _seed(db: Database, options: service.SeedOptions, *, quiet: bool) -> service.SeedReport:
    started = time.perf_counter()
    total_tasks = options.users * options.tasks_per_user
    with common.progress(enabled=not quiet) as bar:
        task = bar.add_task("seeding tasks", total=total_tasks or options.users, rate="")

        def on_progress(users: int, tasks: int) -> None:
            done = tasks if total_tasks else users
            elapsed = time.perf_counter() - started
            bar.update(task, completed=done, rate=common.rate(done, elapsed))

        def on_phase(text: str) -> None:
            if not quiet:
                bar.console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {text}", highlight=False)

        return await service.seed(db, options, on_phase=on_phase, on_progress=on_progress)


def _print_report(report: service.SeedReport) -> None:
    print_ = common.console.print
    print_(
        f"added {report.users:,} synthetic users (numbers {report.first_number:,}-"
        f"{report.first_number + report.users - 1:,}) with {report.tasks:,} tasks",
        highlight=False,
    )
    print_(
        f"load {report.load_seconds:.1f} s "
        f"({common.rate(report.tasks, report.load_seconds, 'tasks')}), "
        f"indexes {report.index_seconds:.1f} s, analyze {report.analyze_seconds:.1f} s; "
        f"total {report.total_seconds:.1f} s = "
        f"{common.rate(report.rows, report.total_seconds)} over {report.rows:,} rows",
        highlight=False,
    )
    if report.rebuilt:
        print_(f"rebuilt after the load: {', '.join(report.rebuilt)}", highlight=False)
    print_(f"sign in as any of them with the password {service.SYNTHETIC_PASSWORD}")


def cleanup(
    synthetic: Annotated[
        bool, typer.Option("--synthetic", help="Remove the synthetic users instead.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Remove exactly the demo data (or, with --synthetic, exactly the synthetic users).

    With --synthetic, everything of theirs goes too: tasks, archive, accounts, sessions.
    """
    if not synthetic:
        removed = common.run(demo.cleanup_demo)
        if as_json:
            common.print_json({"demo_removed": removed})
        else:
            common.console.print("demo data removed" if removed else "no demo data to remove")
        return
    report = common.run(lambda db: _cleanup(db, quiet=as_json))
    if as_json:
        common.print_json({"synthetic_users_removed": report.users, "method": report.method})
    else:
        common.console.print(f"removed {report.users:,} synthetic users ({report.method})")


async def _cleanup(db: Database, *, quiet: bool) -> service.CleanupReport:
    with common.progress(enabled=not quiet) as bar:
        task = bar.add_task("removing synthetic users", total=None, rate="")
        return await service.cleanup(
            db, on_progress=lambda users, _: bar.update(task, completed=users)
        )
