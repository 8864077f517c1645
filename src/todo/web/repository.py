"""SQL the web UI needs beyond the seven query patterns: bulk changes, preferences, batches.

Its list is the task listing's (todo.tasks.service.list_tasks), paged by the same cursor.
"""

from __future__ import annotations

from uuid import UUID

from todo.db import Row, Transaction
from todo.tasks.repository import COLUMNS, SortField, SortOrder


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
