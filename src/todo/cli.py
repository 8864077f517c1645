"""The `todo` command: serve, and the operator's `db` commands."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from types import FrameType
from typing import Annotated

import typer
from rich.table import Table

from todo import health, migrate
from todo.auth import secret
from todo.commands import archive as archive_commands
from todo.commands import backup as backup_commands
from todo.commands import bench as bench_commands
from todo.commands import common
from todo.commands import drills as drill_commands
from todo.commands import seed as seed_commands
from todo.commands import stats as stats_commands

app = typer.Typer(help="A self-hostable, multi-user todo service.", no_args_is_help=True)
db_app = typer.Typer(help="Database operations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(bench_commands.bench_app, name="bench")
console = common.console
_settings = common.settings_or_exit
database_url = common.database_url


def _leave_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)  # unwinds `serve`, so the embedded PostgreSQL is stopped too


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (WORKERS).")] = None,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply pending migrations first.")
    ] = False,
) -> None:
    """Run the web process (on the embedded PostgreSQL when DATABASE_URL is unset).

    SIGTERM stops it gracefully (SHUTDOWN_DRAIN_SECONDS, SHUTDOWN_TIMEOUT)."""
    from todo import serving

    settings = _settings()
    bind_host, bind_port = host or settings.host, port or settings.port
    if settings.better_auth_secret is None:
        try:
            os.environ["BETTER_AUTH_SECRET"] = secret.load_or_create(settings.data_dir)
        except (OSError, ValueError) as error:
            common.fail(f"BETTER_AUTH_SECRET: {error}")
    with database_url(settings) as url:
        if migrate_first and settings.database_url is not None:
            migrate.upgrade(url)
        # Worker processes read their settings from the environment like this one (the base
        # URL, when not configured, is the address actually served).
        os.environ.update(DATABASE_URL=url, HOST=bind_host, PORT=str(bind_port))
        console.print(f"todo is serving on http://{bind_host}:{bind_port}", highlight=False)
        # uvicorn shuts down gracefully on SIGTERM, then raises it again; by default that
        # would end the process on the spot and leave the embedded PostgreSQL running.
        signal.signal(signal.SIGTERM, _leave_on_sigterm)
        serving.run(settings, host=bind_host, port=bind_port, workers=workers or settings.workers)


@db_app.command()
def upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations up to REVISION."""
    with database_url(_settings(), migrate_embedded=False) as url:
        migrate.upgrade(url, revision)
        console.print(f"database at {migrate.current(url)}")


@db_app.command()
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")],
) -> None:
    """Revert migrations down to REVISION."""
    with database_url(_settings(), migrate_embedded=False) as url:
        migrate.downgrade(url, revision)
        console.print(f"database at {migrate.current(url) or 'base'}")


@db_app.command()
def current() -> None:
    """Print the database's revision and the newest one."""
    with database_url(_settings(), migrate_embedded=False) as url:
        now, head = migrate.current(url), migrate.head(url)
        state = "up to date" if now == head else "migrations pending"
        console.print(f"current: {now or 'base'}  head: {head}  ({state})")


@db_app.command()
def history() -> None:
    """List every migration, oldest first."""
    with database_url(_settings(), migrate_embedded=False) as url:
        table = Table("revision", "revises", "description")
        for rev in migrate.history(url):
            table.add_row(rev.revision, rev.down_revision or "-", rev.doc)
        console.print(table)


@db_app.command("health")
def health_command(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Check connectivity, server version, schema revision and latency; exit 1 if unhealthy."""
    settings = _settings()
    with database_url(settings, migrate_embedded=False) as url:
        report = asyncio.run(health.check(url))
    if as_json:
        print(json.dumps(report.as_dict()))
    else:
        table = Table("check", "result", show_header=False)
        table.add_row("status", "[green]healthy[/]" if report.ok else "[red]unhealthy[/]")
        table.add_row("reachable", "yes" if report.reachable else "no")
        table.add_row("server version", report.server_version or "-")
        table.add_row(
            "schema", f"{report.current_revision or 'base'} (head {report.head_revision})"
        )
        latency = "-" if report.latency_ms is None else f"{report.latency_ms:.2f} ms"
        table.add_row("round trip", latency)
        if report.error:
            table.add_row("problem", report.error)
        console.print(table)
    if not report.ok:
        raise typer.Exit(1)


db_app.command("seed")(seed_commands.seed)
db_app.command("cleanup")(seed_commands.cleanup)
db_app.command("archive")(archive_commands.archive)
db_app.command("backup")(backup_commands.backup)
db_app.command("restore")(backup_commands.restore)
db_app.command("stats")(stats_commands.stats)
db_app.command("pitr-drill")(drill_commands.pitr_drill)
db_app.command("crash-drill")(drill_commands.crash_drill)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="todo")
    sys.exit(0)
