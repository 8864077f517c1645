"""SQL for backups: the tables, their row counts and data checksums, a shared snapshot; and
what the recovery drills ask of a server (restore points, WAL switches, task states)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from todo.db import Row, Transaction

# A table's checksum: every row's text (in a fixed time zone and date style) hashed with md5,
# combined by a sum and an xor of two slices of the hashes. Order-independent, so it needs no
# sort and no giant string however big the table (string_agg of 100M rows would pass 1 GB).
_CHECKSUM = """
SELECT count(*) AS rows,
       md5(coalesce(sum(('x' || substr(h, 1, 15))::bit(60)::bigint), 0)::text || ':' ||
           coalesce(bit_xor(('x' || substr(h, 17, 16))::bit(64)::bigint), 0)::text) AS checksum
FROM (SELECT md5(t::text) AS h FROM {} AS t) AS hashed
"""

RUNTIME_ROLE_SQL = """
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'todo_app') THEN
        CREATE ROLE todo_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS
            NOINHERIT NOREPLICATION;
    END IF;
END $$
"""


async def stable_text_output(tx: Transaction) -> None:
    """Row text that does not depend on the session: UTC, ISO dates, hex bytea."""
    await tx.execute("SET LOCAL TimeZone = 'UTC'")
    await tx.execute("SET LOCAL DateStyle = 'ISO, MDY'")
    await tx.execute("SET LOCAL bytea_output = 'hex'")


async def begin_snapshot(tx: Transaction) -> str:
    """Make this (fresh) transaction a read-only snapshot that pg_dump can share; its id."""
    await tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    return str(await tx.fetch_value("SELECT pg_export_snapshot()"))


async def server_major(tx: Transaction) -> int:
    """The server's major version (150004 -> 15)."""
    return int(await tx.fetch_value("SHOW server_version_num")) // 10_000


async def table_names(tx: Transaction) -> list[str]:
    """Every table of the application's schema (logged or not), by name."""
    rows = await tx.fetch_all(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
        "AND relkind IN ('r', 'p') ORDER BY relname"
    )
    return [row["relname"] for row in rows]


async def table_checksum(tx: Transaction, table: str) -> tuple[int, str]:
    """(rows, checksum) of one table."""
    query = sql.SQL(_CHECKSUM).format(sql.Identifier("public", table)).as_string(None)
    row = await tx.fetch_one(query)
    assert row is not None
    return int(row["rows"]), str(row["checksum"])


async def holds_data(tx: Transaction, tables: list[str]) -> list[str]:
    """Which of these tables have at least one row (alembic_version does not count)."""
    found = []
    for table in tables:
        if table == "alembic_version":
            continue
        query = sql.SQL("SELECT EXISTS (SELECT FROM {})").format(sql.Identifier("public", table))
        if await tx.fetch_value(query.as_string(None)):
            found.append(table)
    return found


async def ensure_runtime_role(tx: Transaction) -> None:
    """The runtime role the dump's grants and policies name (roles are not in a dump)."""
    await tx.execute(RUNTIME_ROLE_SQL)
    await tx.execute("GRANT todo_app TO CURRENT_USER")


# --- the recovery drills (todo.backup.pitr, todo.backup.crash) ---


async def server_version(tx: Transaction) -> str:
    """The server's version string (`18.4`)."""
    return str(await tx.fetch_value("SHOW server_version"))


async def mark_restore_point(tx: Transaction, name: str) -> Row:
    """Write a named restore point into the WAL now: {lsn, at} (at: the server's clock)."""
    row = await tx.fetch_one(
        "SELECT pg_create_restore_point(%s)::text AS lsn, clock_timestamp() AS at", (name,)
    )
    assert row is not None
    return row


async def switch_wal(tx: Transaction) -> str:
    """Close the current WAL segment so that it is archived; the segment's file name."""
    return str(await tx.fetch_value("SELECT pg_walfile_name(pg_switch_wal())"))


async def last_replayed_commit(tx: Transaction) -> Any:
    """When the last transaction replayed by recovery committed (None without recovery)."""
    return await tx.fetch_value("SELECT pg_last_xact_replay_timestamp()")


async def task_states(tx: Transaction) -> dict[UUID, bool]:
    """Every task's id and whether it is completed (read as the owner)."""
    rows = await tx.fetch_all("SELECT id, completed FROM tasks")
    return {row["id"]: row["completed"] for row in rows}


async def tasks_titled(tx: Transaction, prefix: str) -> dict[str, list[tuple[UUID, bool]]]:
    """Every task whose title starts with `prefix`: title -> [(id, completed), ...]."""
    rows = await tx.fetch_all(
        "SELECT id, title, completed FROM tasks WHERE starts_with(title, %s) ORDER BY title",
        (prefix,),
    )
    found: dict[str, list[tuple[UUID, bool]]] = {}
    for row in rows:
        found.setdefault(row["title"], []).append((row["id"], row["completed"]))
    return found
