"""SQL for `todo db stats`: catalog and statistics views, sizes and counts."""

from __future__ import annotations

from psycopg import sql

from todo.db import Row, Transaction

# Exact sizes open each relation (and so wait behind an exclusive lock); the estimates read
# only the catalog (pages as of the last VACUUM or ANALYZE), for when something holds a lock.
_PAGES = "(SELECT current_setting('block_size')::bigint)"
_TABLE_SIZES = {
    True: "pg_table_size(c.oid) AS table_bytes, pg_indexes_size(c.oid) AS index_bytes",
    False: f"c.relpages::bigint * {_PAGES} AS table_bytes, "
    f"(SELECT coalesce(sum(x.relpages), 0)::bigint * {_PAGES} FROM pg_index i "
    "JOIN pg_class x ON x.oid = i.indexrelid WHERE i.indrelid = c.oid) AS index_bytes",
}
_INDEX_SIZE = {
    True: "pg_relation_size(s.indexrelid)",
    False: f"(SELECT relpages::bigint * {_PAGES} FROM pg_class WHERE oid = s.indexrelid)",
}


async def wait_briefly_for_locks(tx: Transaction) -> None:
    """Give up after a second instead of queueing behind a lock (stats must not hang)."""
    await tx.execute("SET LOCAL lock_timeout = '1s'")


async def tables(tx: Transaction, *, exact_sizes: bool = True) -> list[Row]:
    """Each table: estimated live rows, sizes (heap, indexes), scans."""
    return await tx.fetch_all(
        f"SELECT c.relname AS name, s.n_live_tup AS estimated_rows, {_TABLE_SIZES[exact_sizes]}, "
        "s.seq_scan, s.idx_scan, s.last_autoanalyze, s.last_analyze "
        "FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
        "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') "
        "ORDER BY c.relname"
    )


async def exact_count(tx: Transaction, table: str) -> int:
    """count(*) of one table (a full scan: slow on big tables)."""
    query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("public", table))
    return int(await tx.fetch_value(query.as_string(None)))


async def indexes(tx: Transaction, *, exact_sizes: bool = True) -> list[Row]:
    """Each index: its table, size, scans since the statistics were reset, and whether it
    backs a constraint (an unused primary key or unique index still does its job)."""
    return await tx.fetch_all(
        "SELECT s.relname AS table, s.indexrelname AS name, s.idx_scan AS scans, "
        f"s.idx_tup_read AS tuples_read, {_INDEX_SIZE[exact_sizes]} AS bytes, "
        "(i.indisprimary OR i.indisunique) AS enforces_constraint "
        "FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid "
        "WHERE s.schemaname = 'public' ORDER BY s.relname, s.indexrelname"
    )


async def cache_hits(tx: Transaction) -> Row:
    """Buffer cache hits and disk reads for the database, tables and indexes."""
    row = await tx.fetch_one(
        "SELECT d.blks_hit AS database_hits, d.blks_read AS database_reads, "
        "t.heap_hits, t.heap_reads, t.index_hits, t.index_reads, d.stats_reset "
        "FROM pg_stat_database d, ("
        "  SELECT sum(heap_blks_hit) AS heap_hits, sum(heap_blks_read) AS heap_reads, "
        "         sum(idx_blks_hit) AS index_hits, sum(idx_blks_read) AS index_reads "
        "  FROM pg_statio_user_tables) t "
        "WHERE d.datname = current_database()"
    )
    assert row is not None
    return row


async def statement_stats_state(tx: Transaction) -> Row:
    """Whether pg_stat_statements is installed here, available, and preloaded."""
    row = await tx.fetch_one(
        "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_stat_statements') "
        "AS installed, EXISTS (SELECT FROM pg_available_extensions "
        "WHERE name = 'pg_stat_statements') AS available, "
        "'pg_stat_statements' = ANY(string_to_array("
        "replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) AS preloaded"
    )
    assert row is not None
    return row


async def slowest_statements(tx: Transaction, *, limit: int) -> list[Row]:
    """The statements with the highest mean execution time (pg_stat_statements, PG 13+)."""
    return await tx.fetch_all(
        "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 200) AS query, calls, "
        "round(mean_exec_time::numeric, 3) AS mean_ms, "
        "round(total_exec_time::numeric, 1) AS total_ms, rows "
        "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database "
        "WHERE datname = current_database()) ORDER BY mean_exec_time DESC LIMIT %s",
        (limit,),
    )


async def lock_waits(tx: Transaction) -> list[Row]:
    """Sessions waiting for a lock right now, who blocks them, for how long."""
    return await tx.fetch_all(
        "SELECT a.pid, pg_blocking_pids(a.pid) AS blocked_by, a.wait_event_type, "
        "a.wait_event, extract(epoch FROM now() - a.query_start)::float8 AS waiting_seconds, "
        "a.usename AS role, left(regexp_replace(a.query, '\\s+', ' ', 'g'), 200) AS query "
        "FROM pg_stat_activity a WHERE a.datname = current_database() "
        "AND a.wait_event_type = 'Lock' ORDER BY a.query_start"
    )
