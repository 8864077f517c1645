"""`todo db backup FILE` and `todo db restore FILE`."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from todo.backup import service
from todo.backup.manifest import Manifest, ManifestError, path_for
from todo.commands import common

T = TypeVar("T")
# pg_dump / pg_restore --verbose name each table as its data goes by.
_TABLE_LINE = re.compile(r'(?:dumping contents of|processing data for) table "([^"]+)"')

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the dump (custom format).")],
    as_json: JsonOption = False,
) -> None:
    """Dump the database with pg_dump -Fc and write FILE.manifest.json (rows, checksums)."""
    result = common.run(
        lambda db: _with_bar(
            "backing up", partial(service.backup, db, target=file), tables=None, quiet=as_json
        )
    )
    if as_json:
        common.print_json(
            {
                "file": str(result.path),
                "manifest": str(result.manifest_path),
                "bytes": result.size_bytes,
                "seconds": round(result.seconds, 3),
                **result.manifest.as_dict(),
            }
        )
        return
    common.console.print(_tables(result.manifest, "backed up"))
    common.console.print(
        f"wrote {result.path} ({result.size_bytes:,} bytes) and {result.manifest_path.name} "
        f"in {result.seconds:.1f} s",
        highlight=False,
    )


def restore(
    file: Annotated[Path, typer.Argument(help="A dump written by `todo db backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace the data of a database that is not empty.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Restore FILE with pg_restore, then verify row counts and checksums against its manifest.

    Refuses a database that holds data unless --force (and then changes nothing).
    """
    work = partial(service.restore, source=file, force=force)
    result = common.run(
        lambda db: _with_bar(
            "restoring", partial(work, db), tables=_table_count(file), quiet=as_json
        )
    )
    if as_json:
        common.print_json(
            {
                "file": str(result.path),
                "verified": True,
                "seconds": round(result.seconds, 3),
                **result.manifest.as_dict(),
            }
        )
        return
    common.console.print(_tables(result.manifest, "restored and verified"))
    common.console.print(
        f"restored {result.path} in {result.seconds:.1f} s; every table matches the manifest",
        highlight=False,
    )


async def _with_bar(
    label: str,
    work: Callable[..., Awaitable[T]],
    *,
    tables: int | None,
    quiet: bool,
) -> T:
    """Run `work` with a bar that advances as the client program names each table."""
    with common.progress(enabled=not quiet) as bar:
        task = bar.add_task(label, total=tables, rate="")

        def listen(line: str) -> None:
            match = _TABLE_LINE.search(line)
            if match:
                bar.update(task, advance=1, rate=match.group(1))

        return await work(on_event=listen)


def _table_count(file: Path) -> int | None:
    try:
        return len(Manifest.read(path_for(file)).tables)
    except ManifestError:
        return None  # the restore itself reports the missing manifest


def _tables(manifest: Manifest, title: str) -> Table:
    table = Table("table", "rows", "checksum", title=title)
    for name, sums in sorted(manifest.tables.items()):
        table.add_row(name, f"{sums.rows:,}", sums.checksum[:12])
    return table
