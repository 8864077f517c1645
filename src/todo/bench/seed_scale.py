"""Seeding benchmark (not a test): rows per second of `todo db seed` at scale.

    todo bench seed --users 100000 --tasks-per-user 100   # 10M tasks

Runs on a fresh embedded PostgreSQL in --data-dir (default: a new temporary directory, removed
afterwards unless --keep) or, with --database-url, on an existing, migrated, empty database.
Prints the phases as they happen and a JSON summary with the machine it ran on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from todo import migrate
from todo.db import Database
from todo.embedded import embedded_postgres
from todo.seeding import service


def _machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "os": platform.platform(),
    }


def _database_facts(url: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        facts: dict[str, Any] = {"server": conn.execute("SHOW server_version").fetchone()[0]}  # type: ignore[index]
        for name in ("shared_buffers", "max_wal_size", "max_parallel_maintenance_workers"):
            facts[name] = conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
        for table in ("users", "accounts", "tasks"):
            size = conn.execute(
                "SELECT pg_size_pretty(pg_table_size(%s::regclass)), "
                "pg_size_pretty(pg_indexes_size(%s::regclass))",
                (table, table),
            ).fetchone()
            facts[f"{table}_size"], facts[f"{table}_indexes_size"] = size  # type: ignore[misc]
        facts["database_size"] = conn.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()[0]  # type: ignore[index]
    return facts


async def _seed(url: str, options: service.SeedOptions) -> service.SeedReport:
    db = Database(url, pool_size=options.jobs, max_overflow=1, pool_timeout=60)
    await db.open()
    started = time.perf_counter()
    last = [0.0]

    def phase(text: str) -> None:
        print(f"{time.perf_counter() - started:8.1f} s  {text}", flush=True)

    def progress(users: int, tasks: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 10:
            last[0] = now
            elapsed = now - started
            print(f"{elapsed:8.1f} s  {tasks:,} tasks ({tasks / elapsed:,.0f}/s)", flush=True)

    try:
        return await service.seed(db, options, on_phase=phase, on_progress=progress)
    finally:
        await db.close()


def main(argv: list[str]) -> None:
    """`todo bench seed ARGS`."""
    parser = argparse.ArgumentParser(
        prog="todo bench seed", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--tasks-per-user", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--database-url")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args(argv)
    options = service.SeedOptions(args.users, args.tasks_per_user, jobs=args.jobs)

    if args.database_url:
        report = asyncio.run(_seed(args.database_url, options))
        facts = _database_facts(args.database_url)
    else:
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="todo-bench-"))
        try:
            with embedded_postgres(data_dir, database="bench") as url:
                migrate.upgrade(url)
                report = asyncio.run(_seed(url, options))
                facts = _database_facts(url)
        finally:
            if not args.keep:
                shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps({"machine": _machine(), "database": facts, **report.as_dict()}, indent=2))
