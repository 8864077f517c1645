"""SQL for tags. Every statement names the user (row-level security confines it anyway)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from todo.db import Row, Transaction

COLUMNS = "id, name, color, created_at, updated_at"
UPDATABLE = ("name", "color")
# How many of the user's open tasks carry the tag: an index-only walk of the tag's links.
_OPEN_TASKS = (
    "(SELECT count(*) FROM task_tags tt JOIN tasks t ON t.id = tt.task_id "
    "WHERE tt.user_id = tags.user_id AND tt.tag_id = tags.id AND NOT t.completed) AS open_tasks"
)


async def list_tags(tx: Transaction, *, user_id: UUID) -> list[Row]:
    """The user's tags by name, each with its count of open tasks."""
    return await tx.fetch_all(
        f"SELECT {COLUMNS}, {_OPEN_TASKS} FROM tags WHERE user_id = %s ORDER BY lower(name), id",
        (user_id,),
    )


async def create_tag(tx: Transaction, *, user_id: UUID, name: str, color: str | None) -> Row | None:
    """A new tag; None if the user has one of that name already (whatever the case)."""
    return await tx.fetch_one(
        "INSERT INTO tags (user_id, name, color) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING "
        f"RETURNING {COLUMNS}, 0::bigint AS open_tasks",
        (user_id, name, color),
    )


async def update_tag(
    tx: Transaction, *, user_id: UUID, tag_id: UUID, changes: dict[str, Any]
) -> Row | None:
    """Rename and/or recolour; None if the user has no such tag. A name another of the
    user's tags has raises UniqueViolation (uk_tags_user_name)."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown or not changes:
        raise ValueError(f"cannot update {sorted(unknown) or 'nothing'}")
    assignments = ", ".join(f"{column} = %({column})s" for column in UPDATABLE if column in changes)
    return await tx.fetch_one(
        f"UPDATE tags SET {assignments} WHERE id = %(id)s AND user_id = %(user_id)s "
        f"RETURNING {COLUMNS}, {_OPEN_TASKS}",
        {**changes, "id": tag_id, "user_id": user_id},
    )


async def delete_tag(tx: Transaction, *, user_id: UUID, tag_id: UUID) -> bool:
    """Delete the tag (every task loses it: its links by cascade, and its id from the tasks'
    tag_ids in the same statement); whether there was one."""
    deleted = await tx.execute(
        "WITH cleared AS (UPDATE tasks SET tag_ids = array_remove(tag_ids, %(tag_id)s) "
        "WHERE user_id = %(user_id)s AND id IN (SELECT task_id FROM task_tags "
        "WHERE user_id = %(user_id)s AND tag_id = %(tag_id)s)) "
        "DELETE FROM tags WHERE id = %(tag_id)s AND user_id = %(user_id)s",
        {"tag_id": tag_id, "user_id": user_id},
    )
    return deleted == 1
