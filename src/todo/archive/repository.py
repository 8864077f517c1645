"""SQL for archiving: find the qualifying tasks and move them, one batch per statement."""

from __future__ import annotations

from datetime import datetime

from todo.db import Row, Transaction

COLUMNS = (
    "id, user_id, title, description, completed, created_at, updated_at, due_at, due_date, priority"
)

# One statement moves a batch: the DELETE's RETURNING feeds the INSERT, so a row is either
# still in tasks or already in tasks_archive, never both and never neither. The oldest rows go
# first (idx_tasks_updated_at serves the order) and each batch starts where the last one ended
# (`after`), so a long run does not rescan what it already moved. SKIP LOCKED steps around rows
# a user is editing right now. An id already in the archive (a task archived, restored and
# archived again) is overwritten with the newer copy rather than lost. The archive keeps the
# task's tag names (tags are live objects the archive must not hold on to); the subquery reads
# the links as they were before this statement's delete cascades to them.
_MOVE = f"""
WITH moved AS (
    DELETE FROM tasks
    WHERE id IN (
        SELECT id FROM tasks
        WHERE completed AND updated_at < %(cutoff)s AND updated_at >= %(after)s
        ORDER BY updated_at
        LIMIT %(batch)s
        FOR UPDATE SKIP LOCKED
    )
    RETURNING {COLUMNS}
), stored AS (
    INSERT INTO tasks_archive ({COLUMNS}, tags, archived_at)
    SELECT {COLUMNS},
           ARRAY(SELECT g.name FROM task_tags tt JOIN tags g ON g.id = tt.tag_id
                 WHERE tt.task_id = moved.id ORDER BY lower(g.name), g.name),
           now()
    FROM moved
    ON CONFLICT (id) DO UPDATE SET
        user_id = EXCLUDED.user_id,
        title = EXCLUDED.title,
        description = EXCLUDED.description,
        completed = EXCLUDED.completed,
        created_at = EXCLUDED.created_at,
        updated_at = EXCLUDED.updated_at,
        due_at = EXCLUDED.due_at,
        due_date = EXCLUDED.due_date,
        priority = EXCLUDED.priority,
        tags = EXCLUDED.tags,
        archived_at = EXCLUDED.archived_at
    RETURNING updated_at
)
SELECT count(*) AS moved, max(updated_at) AS last_updated_at FROM stored
"""


async def summarize_candidates(tx: Transaction, *, cutoff: datetime) -> Row:
    """How many tasks qualify, for how many users, and their range of `updated_at`."""
    row = await tx.fetch_one(
        "SELECT count(*) AS tasks, count(DISTINCT user_id) AS users, "
        "min(updated_at) AS oldest, max(updated_at) AS newest "
        "FROM tasks WHERE completed AND updated_at < %s",
        (cutoff,),
    )
    assert row is not None
    return row


async def count_candidates(tx: Transaction, *, cutoff: datetime) -> int:
    """How many tasks qualify (cheaper than the summary: no distinct users)."""
    return int(
        await tx.fetch_value(
            "SELECT count(*) FROM tasks WHERE completed AND updated_at < %s", (cutoff,)
        )
    )


async def move_batch(
    tx: Transaction, *, cutoff: datetime, after: datetime, batch: int
) -> tuple[int, datetime | None]:
    """Move up to `batch` qualifying tasks last updated at or after `after` into the archive;
    how many moved and the latest `updated_at` among them."""
    row = await tx.fetch_one(_MOVE, {"cutoff": cutoff, "after": after, "batch": batch})
    assert row is not None
    return int(row["moved"]), row["last_updated_at"]


async def count_archived(tx: Transaction) -> int:
    """Rows in the archive (all users: an operator's view)."""
    return int(await tx.fetch_value("SELECT count(*) FROM tasks_archive"))
