"""`todo db pitr-drill` and `todo db crash-drill`: recovery drills on throwaway clusters.

Neither touches DATABASE_URL or the data directory: each starts a cluster of its own (its own
data directory and port, the server programs found as the backup commands find theirs), does
its work, checks the outcome, prints the figures and removes everything. Each exits 1 when a
guarantee broke.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from rich.table import Table

from todo.backup import binaries, crash, pitr
from todo.commands import common
from todo.errors import DomainError

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def embedded_major() -> int:
    """The major version of the embedded server's programs (the drills' default)."""
    from todo.embedded import client_bin_dir

    major = binaries.major_of(client_bin_dir() / "pg_ctl")
    if major is None:
        common.fail("the embedded PostgreSQL's programs do not run; pass --postgres MAJOR")
    return major


PostgresOption = Annotated[
    int | None,
    typer.Option(
        "--postgres",
        min=15,
        help="Major version to drill on (its server programs must be installed). "
        "Default: the embedded server's.",
    ),
]


def pitr_drill(
    postgres: PostgresOption = None,
    tasks: Annotated[int, typer.Option(min=2, max=100_000, help="Tasks written before T.")] = 200,
    by_time: Annotated[
        bool,
        typer.Option(
            "--by-time", help="Restore to a timestamp (recovery_target_time), not a restore point."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Point-in-time recovery drill: WAL archive and base backup, restore to T, verify.

    On a throwaway cluster: migrate, write tasks through the services, take a base backup,
    write more, mark T, write after T (new tasks, toggles, deletions), then restore the base
    backup and the archived WAL up to T into a fresh data directory and check that exactly
    the tasks acknowledged before T are there, as they were at T.
    """
    major = postgres or embedded_major()
    step = (lambda _: None) if as_json else _say
    try:
        report = asyncio.run(pitr.drill(major=major, tasks_count=tasks, by_time=by_time, step=step))
    except DomainError as error:
        common.fail(error.message)
    _finish(report.as_dict(), _pitr_table(report), as_json=as_json)


def _finish(report: dict[str, Any], table: Table, *, as_json: bool) -> None:
    """Print the report (a table, or JSON); exit 1 when a guarantee broke."""
    if as_json:
        common.print_json(report)
    else:
        common.console.print(table)
    if not report["ok"]:
        raise typer.Exit(1)


def _say(line: str) -> None:
    common.errors.print(f"- {line}", highlight=False, soft_wrap=True)


def _pitr_table(report: pitr.PitrReport) -> Table:
    table = Table("point-in-time recovery drill", "", show_header=True)
    rows: list[tuple[str, Any]] = [
        ("PostgreSQL", report.server_version),
        ("recovery target T", report.target),
        ("T in the WAL (LSN)", report.target_lsn),
        ("T on the server's clock", report.marked_at),
        ("last commit replayed", report.last_replayed_commit_at),
        ("base backup", f"{report.base_backup_seconds:.2f} s"),
        ("restore (copy, replay, promote)", f"{report.restore_seconds:.2f} s"),
        ("tasks acknowledged before T", f"{report.acked_before:,}"),
        ("  of them restored as at T", f"{report.found_before:,}"),
        ("tasks created after T", f"{report.acked_after:,}"),
        ("  of them restored (must be 0)", f"{report.found_after:,}"),
        ("older tasks toggled or deleted after T", f"{report.changed_after:,}"),
        ("verdict", "[green]ok[/]" if report.ok else "[red]" + "; ".join(report.problems) + "[/]"),
    ]
    for label, value in rows:
        table.add_row(label, str(value))
    return table


def crash_drill(
    postgres: PostgresOption = None,
    writers: Annotated[int, typer.Option(min=1, max=200, help="Concurrent writers.")] = 8,
    seconds: Annotated[
        float, typer.Option(min=0.5, max=3600, help="Writing time between faults (s).")
    ] = 3.0,
    rounds: Annotated[int, typer.Option(min=1, max=100, help="Rounds of the faults.")] = 2,
    faults: Annotated[
        str,
        typer.Option(
            help="Faults of a round, in order: postgres (immediate stop under the running web "
            "process), web (SIGKILL of the web process), host (both at once)."
        ),
    ] = ",".join(crash.FAULTS),
    workers: Annotated[int, typer.Option(min=1, max=16, help="Web worker processes.")] = 2,
    as_json: JsonOption = False,
) -> None:
    """Crash drill: writes through the API while PostgreSQL and the web process crash.

    On a throwaway cluster: `todo serve` and concurrent writers creating (and toggling) tasks;
    each round stops PostgreSQL in immediate mode under the running web process and restarts
    it, SIGKILLs the web process and restarts it, then both at once. Every acknowledged create
    must be stored exactly once, no refused one at all; a timeout or a lost connection counts
    as unknown.
    """
    kinds = tuple(kind.strip() for kind in faults.split(",") if kind.strip())
    if not kinds or set(kinds) - set(crash.FAULTS):
        common.fail(f"--faults: a comma-separated list of {', '.join(crash.FAULTS)}", code=2)
    major = postgres or embedded_major()
    step = (lambda _: None) if as_json else _say
    try:
        report = asyncio.run(
            crash.drill(
                major=major,
                writers=writers,
                workers=workers,
                plan=crash.Plan(seconds=seconds, rounds=rounds, faults=kinds),
                step=step,
            )
        )
    except DomainError as error:
        common.fail(error.message)
    _finish(report.as_dict(), _crash_table(report), as_json=as_json)


def _crash_table(report: crash.CrashReport) -> Table:
    table = Table("crash drill", "", show_header=True)
    table.add_row("PostgreSQL", report.server_version)
    table.add_row("load", f"{report.writers} writers, {report.workers} web workers")
    table.add_row("faults", "\n".join(report.faults))
    for label, counts in (("creates", report.creates), ("toggles", report.toggles)):
        table.add_row(label, ", ".join(f"{name} {value:,}" for name, value in counts.items()))
    table.add_row("answers", "\n".join(f"{n:,} {reason}" for reason, n in report.reasons.items()))
    verdict = "[green]ok[/]" if report.ok else "[red]" + "\n".join(report.violations[:20]) + "[/]"
    table.add_row("verdict", verdict)
    return table
