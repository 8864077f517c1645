"""What every `todo` command shares: settings, the database it works on, output helpers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from todo import migrate
from todo.config import Settings, SettingsError, load_settings
from todo.db import Database
from todo.embedded import embedded_postgres
from todo.errors import DomainError

console = Console()
errors = Console(stderr=True)
T = TypeVar("T")


def settings_or_exit() -> Settings:
    """The settings, or exit 2 with one line naming the bad one."""
    try:
        return load_settings()
    except SettingsError as error:
        errors.print(f"[red]error:[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


@contextmanager
def database_url(settings: Settings, *, migrate_embedded: bool = True) -> Iterator[str]:
    """The configured database, or the embedded one (started, and migrated, for the block)."""
    if settings.database_url is not None:
        yield settings.database_url
        return
    with embedded_postgres(settings.data_dir) as url:
        if migrate_embedded:
            migrate.upgrade(url)
        yield url


def small_pool(settings: Settings, url: str, *, size: int = 1) -> Database:
    """A pool for one CLI command: `size` connections and one spare."""
    return Database(
        url,
        pool_size=size,
        max_overflow=1,
        pool_timeout=settings.db_pool_timeout,
        prepared_statements=settings.db_prepared_statements,
    )


def run_with_db(
    settings: Settings, url: str, work: Callable[[Database], Awaitable[T]], *, size: int = 1
) -> T:
    """Open a small pool on `url`, run `work` with it, close the pool; domain errors exit 1."""

    async def run() -> T:
        db = small_pool(settings, url, size=size)
        await db.open()
        try:
            return await work(db)
        finally:
            await db.close()

    try:
        return asyncio.run(run())
    except DomainError as error:
        fail(error.message)


def run(work: Callable[[Database], Awaitable[T]], *, size: int = 1) -> T:
    """Run `work` on the configured (or embedded, migrated) database; the usual command body."""
    settings = settings_or_exit()
    with database_url(settings) as url:
        return run_with_db(settings, url, work, size=size)


def fail(message: str, *, code: int = 1) -> NoReturn:
    """Print one error line and exit."""
    errors.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def print_json(value: object) -> None:
    """One JSON document on stdout, for scripts."""
    print(json.dumps(value, default=str))


def progress(*, enabled: bool = True) -> Progress:
    """A progress bar on stderr with counts, rate and time left (off for --json).

    Tasks added to it carry a `rate` field (see `rate`), updated as work completes.
    """
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=errors,
        disable=not enabled,
        transient=False,
    )


def rate(count: int, seconds: float, unit: str = "rows") -> str:
    """'123,456 rows/s'."""
    return f"{count / seconds:,.0f} {unit}/s" if seconds > 0 else "-"
