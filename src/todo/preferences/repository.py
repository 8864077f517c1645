"""SQL for a user's preferences (the `user_preferences` row, migrations 004 and 009)."""

from __future__ import annotations

from uuid import UUID

from todo.db import Row, Transaction


async def get_preferences(tx: Transaction, *, user_id: UUID) -> Row | None:
    """The user's row (time_zone, task_sort, task_order), or None if never saved."""
    return await tx.fetch_one(
        "SELECT time_zone, task_sort, task_order FROM user_preferences WHERE user_id = %s",
        (user_id,),
    )


async def set_time_zone(tx: Transaction, *, user_id: UUID, zone: str) -> None:
    """Save the zone and move the due instant of the user's all-day tasks to the start of
    their date in it, in one round trip. A zone the database does not know raises
    InvalidParameterValue (nothing is kept: the transaction fails)."""
    params = {"user_id": user_id, "zone": zone}
    await tx.batch(
        (
            "INSERT INTO user_preferences (user_id, time_zone) VALUES (%(user_id)s, %(zone)s) "
            "ON CONFLICT (user_id) DO UPDATE SET time_zone = EXCLUDED.time_zone",
            params,
        ),
        (
            "UPDATE tasks SET due_at = due_date::timestamp AT TIME ZONE %(zone)s "
            "WHERE user_id = %(user_id)s AND due_date IS NOT NULL "
            "AND due_at <> due_date::timestamp AT TIME ZONE %(zone)s",
            params,
        ),
    )
