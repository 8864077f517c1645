"""SQL for export and import: a user's live and archived tasks and their tags, in bulk."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from psycopg.types.json import Jsonb

from todo.db import Row, Transaction
from todo.tasks.due import Due
from todo.tasks.repository import TAG_IDS, ZONE

# A live task's tags are read in the same statement (as the task API does); an archived one
# keeps their names.
_EXPORT = """
SELECT id, title, description, completed, due_at, due_date, priority,
       ARRAY(SELECT g.name FROM task_tags tt JOIN tags g ON g.id = tt.tag_id
             WHERE tt.task_id = t.id ORDER BY lower(g.name), g.name) AS tags,
       created_at, updated_at, NULL::timestamptz AS archived_at
FROM tasks t WHERE user_id = %(user_id)s
UNION ALL
SELECT id, title, description, completed, due_at, due_date, priority, tags,
       created_at, updated_at, archived_at
FROM tasks_archive WHERE user_id = %(user_id)s
ORDER BY created_at, id
"""

# One statement per table however many rows: the arrays travel as parameters. Missing
# timestamps take the defaults the tables would give a new row. A due date is stored as the
# task API stores it (an all-day date or a wall-clock time in the user's zone as the database
# knows the zone, an instant as given).
_INSERT = f"""
INSERT INTO {{table}} (id, user_id, title, description, completed, due_at, due_date, priority,
                     created_at, updated_at{{extra}})
SELECT id, %(user_id)s, title, description, completed,
       CASE WHEN due_day IS NOT NULL THEN due_day::timestamp AT TIME ZONE {ZONE}
            WHEN due_local IS NOT NULL THEN due_local AT TIME ZONE {ZONE}
            ELSE due_instant END,
       due_day, priority, coalesce(created_at, now()), coalesce(updated_at, created_at, now())
       {{extra_value}}
FROM unnest(%(ids)s::uuid[], %(titles)s::text[], %(descriptions)s::text[],
            %(completed)s::boolean[], %(due_day)s::date[], %(due_local)s::timestamp[],
            %(due_instant)s::timestamptz[], %(priority)s::smallint[], %(created)s::timestamptz[],
            %(updated)s::timestamptz[], %(archived)s::timestamptz[], %(tags)s::jsonb[])
     AS r(id, title, description, completed, due_day, due_local, due_instant, priority,
          created_at, updated_at, archived_at, tags)
"""
_INSERT_LIVE = _INSERT.format(table="tasks", extra="", extra_value="")
# An archived task keeps its tags' names: a JSON list per task (unnest would flatten an array
# of arrays, which must all have one length anyway).
_INSERT_ARCHIVED = _INSERT.format(
    table="tasks_archive",
    extra=", archived_at, tags",
    extra_value=", archived_at, ARRAY(SELECT jsonb_array_elements_text(tags))",
)

# The user's tags of these names, made where missing (the first spelling and colour given
# wins; an existing tag keeps its own). Names match as the unique index does, by the
# database's lower(): each name given, with the id of its tag.
_ENSURE_TAGS = """
WITH given AS (
    SELECT name, color, i
    FROM unnest(%(names)s::text[], %(colors)s::text[]) WITH ORDINALITY AS g(name, color, i)
), made AS (
    INSERT INTO tags (user_id, name, color)
    SELECT DISTINCT ON (lower(name)) %(user_id)s, name, color FROM given ORDER BY lower(name), i
    ON CONFLICT DO NOTHING
    RETURNING id, name
)
SELECT g.name, coalesce(m.id, t.id) AS id
FROM given g
LEFT JOIN made m ON lower(m.name) = lower(g.name)
LEFT JOIN tags t ON t.user_id = %(user_id)s AND lower(t.name) = lower(g.name)
"""

_LINK = """
INSERT INTO task_tags (user_id, task_id, tag_id)
SELECT %(user_id)s, task_id, tag_id FROM unnest(%(tasks)s::uuid[], %(tags)s::uuid[])
     AS l(task_id, tag_id)
ON CONFLICT DO NOTHING
RETURNING 1
"""
# ...and the linked tasks' tag ids as their links now are (todo.tasks.repository.TAG_IDS).
_LINKED = (
    f"UPDATE tasks SET tag_ids = {TAG_IDS} "
    "WHERE user_id = %(user_id)s AND id = ANY(%(tasks)s::uuid[])"
)


async def all_tasks(tx: Transaction, *, user_id: UUID) -> list[Row]:
    """Every task of the user's, live and archived (archived_at NULL when live), oldest first,
    each with its tags' names."""
    return await tx.fetch_all(_EXPORT, {"user_id": user_id})


async def all_tags(tx: Transaction, *, user_id: UUID) -> list[Row]:
    """Every tag of the user's (name, color), by name."""
    return await tx.fetch_all(
        "SELECT name, color FROM tags WHERE user_id = %s ORDER BY lower(name), name", (user_id,)
    )


async def insert_tasks(
    tx: Transaction,
    *,
    user_id: UUID,
    archived: bool,
    ids: list[UUID],
    titles: list[str],
    descriptions: list[str | None],
    completed: list[bool],
    due: list[Due | None],
    priority: list[int],
    tags: list[list[str]],
    created: list[datetime | None],
    updated: list[datetime | None],
    archived_at: list[datetime | None],
) -> int:
    """Insert these tasks for the user (into tasks_archive if `archived`, keeping `tags`, the
    names of each one's tags; a live task's are linked by `link_tags`); how many."""
    if not titles:
        return 0
    params = {
        "user_id": user_id,
        "ids": ids,
        "titles": titles,
        "descriptions": descriptions,
        "completed": completed,
        "due_day": [d.day if d else None for d in due],
        "due_local": [d.local if d else None for d in due],
        "due_instant": [d.instant if d else None for d in due],
        "priority": priority,
        "tags": [Jsonb(names) for names in tags],
        "created": created,
        "updated": updated,
        "archived": archived_at,
    }
    return await tx.execute(_INSERT_ARCHIVED if archived else _INSERT_LIVE, params)


async def ensure_tags(
    tx: Transaction, *, user_id: UUID, names: list[str], colors: list[str | None]
) -> dict[str, UUID]:
    """The user's tags of these names (colours for any made now), created where missing:
    each name as given -> its tag's id."""
    if not names:
        return {}
    params = {"user_id": user_id, "names": names, "colors": colors}
    rows = await tx.fetch_all(_ENSURE_TAGS, params)
    return {row["name"]: row["id"] for row in rows}


async def link_tags(tx: Transaction, *, user_id: UUID, tasks: list[UUID], tags: list[UUID]) -> int:
    """Give task `tasks[i]` the tag `tags[i]` (a pair given twice counts once); how many."""
    if not tasks:
        return 0
    params = {"user_id": user_id, "tasks": tasks, "tags": tags}
    linked, _ = await tx.batch((_LINK, params), (_LINKED, params))
    return len(linked)
