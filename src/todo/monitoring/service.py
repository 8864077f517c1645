"""`todo db stats`: row counts, sizes, index usage, cache hit ratio, slow statements, lock waits."""

from __future__ import annotations

from typing import Any

import psycopg

from todo.db import Database, Row
from todo.monitoring import repository

ENABLE_STATEMENTS = (
    "add pg_stat_statements to shared_preload_libraries in postgresql.conf, restart the "
    "server, then run CREATE EXTENSION pg_stat_statements; in this database"
)


def _ratio(hits: Any, reads: Any) -> float | None:
    total = (hits or 0) + (reads or 0)
    return None if not total else round(float(hits or 0) / float(total), 4)


def _statement_hint(state: Row) -> str | None:
    if not state["available"]:
        return (
            "this server does not ship pg_stat_statements (the embedded PostgreSQL does not); "
            "on a server with the contrib modules (Debian's postgresql-<major> has them), "
            + ENABLE_STATEMENTS
        )
    if not state["preloaded"]:
        return ENABLE_STATEMENTS
    if not state["installed"]:
        return "run CREATE EXTENSION pg_stat_statements; in this database"
    return None


async def collect(db: Database, *, exact: bool = False, top: int = 10) -> dict[str, Any]:
    """Everything `todo db stats` shows, as plain data (JSON-ready).

    Lock waits are read first and nothing here queues behind a lock: when a table is locked,
    sizes fall back to the catalog's estimates and exact counts are skipped (and it says so).
    """
    async with db.owner_transaction() as tx:
        waits = await repository.lock_waits(tx)
        cache = await repository.cache_hits(tx)
        state = await repository.statement_stats_state(tx)
        hint = _statement_hint(state)
        statements = [] if hint else await repository.slowest_statements(tx, limit=top)
    try:
        tables, indexes = await _sizes(db, exact_sizes=True, count=exact)
        sizes = counts = "exact"
    except psycopg.errors.LockNotAvailable:
        tables, indexes = await _sizes(db, exact_sizes=False, count=False)
        sizes = counts = "estimated (a table is locked)"
    tables.sort(
        key=lambda row: (-(row["table_bytes"] or 0) - (row["index_bytes"] or 0), row["name"])
    )
    return {
        "tables": tables,
        "sizes": sizes,
        "row_counts": counts if exact else "estimated",
        "indexes": indexes,
        "unused_indexes": [index["name"] for index in indexes if not index["scans"]],
        "cache_hit_ratio": {
            "database": _ratio(cache["database_hits"], cache["database_reads"]),
            "tables": _ratio(cache["heap_hits"], cache["heap_reads"]),
            "indexes": _ratio(cache["index_hits"], cache["index_reads"]),
            "since": cache["stats_reset"],
        },
        "statements": {"available": hint is None, "hint": hint, "slowest": statements},
        "lock_waits": waits,
    }


async def _sizes(db: Database, *, exact_sizes: bool, count: bool) -> tuple[list[Row], list[Row]]:
    async with db.owner_transaction() as tx:
        await repository.wait_briefly_for_locks(tx)
        tables = await repository.tables(tx, exact_sizes=exact_sizes)
        for table in tables:
            table["total_bytes"] = (table["table_bytes"] or 0) + (table["index_bytes"] or 0)
            if count:
                table["rows"] = await repository.exact_count(tx, table["name"])
        indexes = await repository.indexes(tx, exact_sizes=exact_sizes)
    return tables, indexes
