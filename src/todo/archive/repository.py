"""SQL for archiving: find the qualifying tasks and move them, one batch per statement."""

from __future__ import annotations

from datetime import datetime

from todo.db import Row, Transaction

COLUMNS = "id, user_id, title, description, completed, created_at, updated_at"

# One statement moves a batch: the DELETE's RETURNING feeds the INSERT, so a row is either
# still in tasks or already in tasks_archive, never both and never neither. The oldest rows go
# first (idx_tasks_updated_at serves the order); SKIP LOCKED steps around rows a user is editing
# right now. An id already in the archive (a task archived, restored and archived again) is
# overwritten with the newer copy rather than lost.
_MOVE = f"""
WITH moved AS (
    DELETE FROM tasks
    WHERE id IN (
        SELECT id FROM tasks
        WHERE completed AND updated_at < %(cutoff)s
        ORDER BY updated_at
        LIMIT %(batch)s
        FOR UPDATE SKIP LOCKED
    )
    RETURNING {COLUMNS}
)
INSERT INTO tasks_archive ({COLUMNS}, archived_at)
SELECT {COLUMNS}, now() FROM moved
ON CONFLICT (id) DO UPDATE SET
    user_id = EXCLUDED.user_id,
    title = EXCLUDED.title,
    description = EXCLUDED.description,
    completed = EXCLUDED.completed,
    created_at = EXCLUDED.created_at,
    updated_at = EXCLUDED.updated_at,
    archived_at = EXCLUDED.archived_at
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


async def move_batch(tx: Transaction, *, cutoff: datetime, batch: int) -> int:
    """Move up to `batch` qualifying tasks into the archive; how many moved."""
    return await tx.execute(_MOVE, {"cutoff": cutoff, "batch": batch})


async def count_archived(tx: Transaction) -> int:
    """Rows in the archive (all users: an operator's view)."""
    return int(await tx.fetch_value("SELECT count(*) FROM tasks_archive"))
