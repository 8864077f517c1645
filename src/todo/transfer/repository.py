"""SQL for export and import: a user's live and archived tasks, inserted in bulk."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from todo.db import Row, Transaction

_EXPORT = """
SELECT id, title, description, completed, created_at, updated_at, NULL::timestamptz AS archived_at
FROM tasks WHERE user_id = %(user_id)s
UNION ALL
SELECT id, title, description, completed, created_at, updated_at, archived_at
FROM tasks_archive WHERE user_id = %(user_id)s
ORDER BY created_at, id
"""

# One statement per table however many rows: the arrays travel as parameters. Missing
# timestamps take the defaults the tables would give a new row.
_INSERT = """
INSERT INTO {table} (user_id, title, description, completed, created_at, updated_at{extra})
SELECT %(user_id)s, title, description, completed,
       coalesce(created_at, now()), coalesce(updated_at, created_at, now()){extra_value}
FROM unnest(%(titles)s::text[], %(descriptions)s::text[], %(completed)s::boolean[],
            %(created)s::timestamptz[], %(updated)s::timestamptz[], %(archived)s::timestamptz[])
     AS r(title, description, completed, created_at, updated_at, archived_at)
"""
_INSERT_LIVE = _INSERT.format(table="tasks", extra="", extra_value="")
_INSERT_ARCHIVED = _INSERT.format(
    table="tasks_archive", extra=", archived_at", extra_value=", archived_at"
)


async def all_tasks(tx: Transaction, *, user_id: UUID) -> list[Row]:
    """Every task of the user's, live and archived (archived_at NULL when live), oldest first."""
    return await tx.fetch_all(_EXPORT, {"user_id": user_id})


async def insert_tasks(
    tx: Transaction,
    *,
    user_id: UUID,
    archived: bool,
    titles: list[str],
    descriptions: list[str | None],
    completed: list[bool],
    created: list[datetime | None],
    updated: list[datetime | None],
    archived_at: list[datetime | None],
) -> int:
    """Insert these tasks for the user (into tasks_archive if `archived`); how many."""
    if not titles:
        return 0
    params = {
        "user_id": user_id,
        "titles": titles,
        "descriptions": descriptions,
        "completed": completed,
        "created": created,
        "updated": updated,
        "archived": archived_at,
    }
    return await tx.execute(_INSERT_ARCHIVED if archived else _INSERT_LIVE, params)
