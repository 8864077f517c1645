"""Backup and restore: pg_dump -Fc / pg_restore with the server's own major version, a manifest
of row counts and checksums beside the file, and a verification after every restore.

The manifest is computed inside the very snapshot pg_dump reads (`pg_dump --snapshot`), so it
describes exactly what the dump holds even while the service keeps writing.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from todo.backup import binaries, repository
from todo.backup.manifest import Manifest, ManifestError, TableSum, path_for, sha256_of
from todo.db import Database, Transaction
from todo.errors import DomainError

Listener = Callable[[str], None]


class BackupFailed(DomainError):
    code, status = "BACKUP_FAILED", 500


class RestoreRefused(DomainError):
    code, status = "CONFLICT", 409


class VerificationFailed(DomainError):
    code, status = "VERIFICATION_FAILED", 500


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest_path: Path
    manifest: Manifest
    size_bytes: int
    seconds: float


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    manifest: Manifest
    seconds: float


def _ignore(_: str) -> None:
    return None


async def backup(db: Database, *, target: Path, on_event: Listener = _ignore) -> BackupResult:
    """Dump the database to `target` (custom format) and write `target.manifest.json`."""
    started = time.perf_counter()
    partial = target.with_name(target.name + ".partial")
    async with db.owner_transaction() as tx:
        snapshot = await repository.begin_snapshot(tx)
        major = await _preflight(tx)
        pg_dump = binaries.find("pg_dump", major)
        args = ["--format=custom", f"--snapshot={snapshot}", f"--file={partial}", "--verbose"]
        # pg_dump reads the snapshot while this transaction sums the same rows.
        dump = asyncio.create_task(_run(pg_dump, args, db.url, on_event))
        try:
            tables = await _checksums(tx, await repository.table_names(tx))
            revision = await _revision(tx)
        finally:
            await dump
    manifest = Manifest(
        created_at=datetime.now(UTC).isoformat(),
        server_version=major,
        revision=revision,
        dump_sha256="",
        tables=tables,
    )
    size = await asyncio.to_thread(_publish, partial, target, manifest)
    elapsed = time.perf_counter() - started
    return BackupResult(target, path_for(target), manifest, size, elapsed)


def _publish(partial: Path, target: Path, manifest: Manifest) -> int:
    """Move the finished dump into place and write its manifest; the dump's size."""
    partial.replace(target)  # a dump that failed half-way never looks like a backup
    manifest.dump_sha256 = sha256_of(target)
    manifest.write(path_for(target))
    return target.stat().st_size


def _check_file(source: Path) -> Manifest:
    """The backup's manifest, once the file is known to be the one it describes."""
    manifest = Manifest.read(path_for(source))
    if not source.is_file():
        raise ManifestError(f"no backup file at {source}")
    if sha256_of(source) != manifest.dump_sha256:
        raise ManifestError(f"{source} does not match its manifest (damaged or replaced)")
    return manifest


async def restore(
    db: Database, *, source: Path, force: bool = False, on_event: Listener = _ignore
) -> RestoreResult:
    """Restore `source` into the database, then check every table against the manifest.

    Refuses a database that holds rows unless `force`; then the dump replaces its objects in
    one transaction (all or nothing).
    """
    started = time.perf_counter()
    manifest = await asyncio.to_thread(_check_file, source)
    async with db.owner_transaction() as tx:
        major = await _preflight(tx)
        occupied = await repository.holds_data(tx, await repository.table_names(tx))
        if occupied and not force:
            raise RestoreRefused(
                f"the database is not empty (rows in {', '.join(occupied)}); "
                "restore over it with --force"
            )
        await repository.ensure_runtime_role(tx)
    pg_restore = binaries.find("pg_restore", major)
    args = ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
    await _run(pg_restore, [*args, "--verbose", str(source)], db.url, on_event)
    await verify(db, manifest)
    return RestoreResult(source, manifest, time.perf_counter() - started)


async def verify(db: Database, manifest: Manifest) -> None:
    """Every table of the manifest has the same row count and checksum now."""
    async with db.owner_transaction() as tx:
        actual = await _checksums(tx, list(manifest.tables))
    wrong = [name for name, expected in manifest.tables.items() if actual[name] != expected]
    if wrong:
        details = "; ".join(
            f"{name}: {actual[name].rows} rows, expected {manifest.tables[name].rows}"
            for name in wrong
        )
        raise VerificationFailed(f"restored data differs from the backup ({details})")


async def _preflight(tx: Transaction) -> int:
    """The server's major version (the owner transaction already refused a role that row-level
    security would confine)."""
    return await repository.server_major(tx)


async def _checksums(tx: Transaction, tables: list[str]) -> dict[str, TableSum]:
    await repository.stable_text_output(tx)
    sums = {}
    for table in tables:
        rows, checksum = await repository.table_checksum(tx, table)
        sums[table] = TableSum(rows, checksum)
    return sums


async def _revision(tx: Transaction) -> str | None:
    value = await tx.fetch_value("SELECT version_num FROM alembic_version")
    return None if value is None else str(value)


async def _run(program: Path, args: list[str], url: str, on_event: Listener) -> None:
    """Run a client program against `url`; its --verbose lines go to `on_event`.

    The password travels in the environment, not on the command line other users can see.
    """
    params = {key: str(value) for key, value in conninfo_to_dict(url).items() if value is not None}
    env = dict(os.environ)
    password = params.pop("password", None)
    if password:
        env["PGPASSWORD"] = password
    target = [f"--dbname={make_conninfo('', **params)}"]
    process = await asyncio.create_subprocess_exec(
        str(program),
        *target,
        *args,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    assert process.stderr is not None
    problems: list[str] = []
    async for raw in process.stderr:
        line = raw.decode(errors="replace").rstrip()
        on_event(line)
        if "error" in line.lower() or "fatal" in line.lower():
            problems.append(line)
    if await process.wait() != 0:
        raise BackupFailed(f"{program.name} failed: " + (" | ".join(problems[-3:]) or "see above"))
