"""SQL the web UI needs beyond the seven query patterns: keyset pages, bulk changes, preferences.

Pages are cut by keyset (the last shown row's sort key and id) rather than by offset, so tasks
added, completed or deleted while a user pages through the list never shift a row out of sight,
and the ten-thousandth task costs no more to reach than the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from todo.db import Row, Transaction
from todo.tasks.repository import COLUMNS, SortField, SortOrder

# Column expressions never come from input: the sort key picks one of these fixed sets.
_KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    # sort field: (the row's key columns, the same key built from the cursor's parameters)
    "created_at": (("created_at", "id"), "(%(after_value)s::timestamptz, %(after_id)s)"),
    "updated_at": (("updated_at", "id"), "(%(after_value)s::timestamptz, %(after_id)s)"),
    "title": (
        ("lower(title)", "title", "id"),
        "(lower(%(after_value)s), %(after_value)s::varchar, %(after_id)s)",
    ),
}
_DIRECTION = {"asc": ("ASC", ">"), "desc": ("DESC", "<")}


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last row's sort value (a timestamp or a title) and id."""

    value: datetime | str
    id: UUID


@dataclass(frozen=True)
class Slice:
    rows: list[Row]
    has_more: bool


async def list_after(
    tx: Transaction,
    *,
    user_id: UUID,
    completed: bool | None,
    sort: SortField,
    order: SortOrder,
    after: Cursor | None,
    limit: int,
) -> Slice:
    """Up to `limit` of the user's tasks in the given order, starting after `after`."""
    columns, cursor_key = _KEYS[sort]
    direction, comparison = _DIRECTION[order]
    where = ["user_id = %(user_id)s"]
    params: dict[str, Any] = {"user_id": user_id, "limit": limit + 1}
    if completed is not None:
        where.append("completed = %(completed)s")
        params["completed"] = completed
    if after is not None:
        where.append(f"({', '.join(columns)}) {comparison} {cursor_key}")
        params.update(after_value=after.value, after_id=after.id)
    order_by = ", ".join(f"{column} {direction}" for column in columns)
    rows = await tx.fetch_all(
        f"SELECT {COLUMNS} FROM tasks WHERE {' AND '.join(where)} "
        f"ORDER BY {order_by} LIMIT %(limit)s",
        params,
    )
    return Slice(rows=rows[:limit], has_more=len(rows) > limit)


async def set_all_completed(tx: Transaction, *, user_id: UUID, completed: bool) -> int:
    """Mark every task of the user completed (or not); how many changed."""
    return await tx.execute(
        "UPDATE tasks SET completed = %s, updated_at = now() "
        "WHERE user_id = %s AND completed <> %s",
        (completed, user_id, completed),
    )


async def delete_completed(tx: Transaction, *, user_id: UUID) -> int:
    """Delete every completed task of the user; how many went."""
    return await tx.execute("DELETE FROM tasks WHERE user_id = %s AND completed", (user_id,))


async def get_sort_preference(tx: Transaction, *, user_id: UUID) -> Row | None:
    """The user's saved `task_sort` and `task_order`, or None if never chosen."""
    return await tx.fetch_one(
        "SELECT task_sort, task_order FROM user_preferences WHERE user_id = %s", (user_id,)
    )


async def save_sort_preference(
    tx: Transaction, *, user_id: UUID, sort: SortField, order: SortOrder
) -> None:
    """Remember the user's choice of sort (insert or replace)."""
    await tx.execute(
        "INSERT INTO user_preferences (user_id, task_sort, task_order) VALUES (%s, %s, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET task_sort = EXCLUDED.task_sort, "
        "task_order = EXCLUDED.task_order "
        "WHERE (user_preferences.task_sort, user_preferences.task_order) "
        "IS DISTINCT FROM (EXCLUDED.task_sort, EXCLUDED.task_order)",
        (user_id, sort, order),
    )


async def lock_user_writes(tx: Transaction, *, user_id: UUID) -> None:
    """Serialise this user's batched writes: a batch waits for the one before it to commit, so
    a page's last changes flushed while it unloads cannot overtake its request in flight."""
    await tx.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (str(user_id),))


async def claim_changes(
    tx: Transaction, *, user_id: UUID, change_ids: list[UUID], keep_seconds: int
) -> set[UUID]:
    """Record these changes as applied; the ones not recorded before (to be applied now).
    Records older than `keep_seconds` are forgotten on the way."""
    rows = await tx.fetch_all(
        "WITH forgotten AS ("
        " DELETE FROM applied_changes WHERE user_id = %(user_id)s"
        " AND applied_at < now() - make_interval(secs => %(keep)s)) "
        "INSERT INTO applied_changes (user_id, change_id) "
        "SELECT %(user_id)s, id FROM unnest(%(ids)s::uuid[]) AS id "
        "ON CONFLICT DO NOTHING RETURNING change_id",
        {"user_id": user_id, "ids": change_ids, "keep": keep_seconds},
    )
    return {row["change_id"] for row in rows}


async def insert_task_with_id(
    tx: Transaction, *, task_id: UUID, user_id: UUID, title: str, description: str | None
) -> Row | None:
    """Insert a task whose id the page chose; None if a task has that id already (anyone's:
    the unique index sees past row-level security).

    clock_timestamp(), not now(): several tasks added in one batch keep their order.
    """
    return await tx.fetch_one(
        "INSERT INTO tasks (id, user_id, title, description, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, clock_timestamp(), clock_timestamp()) "
        f"ON CONFLICT (id) DO NOTHING RETURNING {COLUMNS}",
        (task_id, user_id, title, description),
    )
