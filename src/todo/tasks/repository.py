"""SQL for tasks: the seven query patterns of SPEC section 3, each scoped by id and user.

Every statement names the user explicitly even though row-level security would hide other
users' rows anyway: the WHERE clause is what lets the planner use the per-user indexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from todo.db import Row, Transaction

COLUMNS = "id, user_id, title, description, completed, created_at, updated_at"
UPDATABLE = ("title", "description", "completed")

SortField = Literal["created_at", "updated_at", "title"]
SortOrder = Literal["asc", "desc"]

# Column names never come from input: the sort key picks one of these fixed clauses.
_ORDER_BY: dict[tuple[str, str], str] = {
    ("created_at", "desc"): "created_at DESC, id DESC",
    ("created_at", "asc"): "created_at ASC, id ASC",
    ("updated_at", "desc"): "updated_at DESC, id DESC",
    ("updated_at", "asc"): "updated_at ASC, id ASC",
    ("title", "desc"): "lower(title) DESC, title DESC, id DESC",
    ("title", "asc"): "lower(title) ASC, title ASC, id ASC",
}


@dataclass(frozen=True)
class ListOptions:
    """How to list: filter, order and page."""

    completed: bool | None = None
    sort: SortField = "created_at"
    order: SortOrder = "desc"
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class TaskPage:
    rows: list[Row]
    total: int


@dataclass(frozen=True)
class TaskCounts:
    total: int
    completed: int

    @property
    def active(self) -> int:
        return self.total - self.completed


async def list_tasks(tx: Transaction, *, user_id: UUID, options: ListOptions) -> TaskPage:
    """Patterns 1 and 2: a page of a user's tasks and the total that match, in one round trip."""
    where = "user_id = %(user_id)s"
    params: dict[str, Any] = {"user_id": user_id, "limit": options.limit, "offset": options.offset}
    if options.completed is not None:
        where += " AND completed = %(completed)s"
        params["completed"] = options.completed
    order_by = _ORDER_BY[(options.sort, options.order)]
    page, count = await tx.batch(
        (
            f"SELECT {COLUMNS} FROM tasks WHERE {where} "
            f"ORDER BY {order_by} LIMIT %(limit)s OFFSET %(offset)s",
            params,
        ),
        (f"SELECT count(*) AS total FROM tasks WHERE {where}", params),
    )
    return TaskPage(rows=page, total=count[0]["total"])


async def create_task(
    tx: Transaction, *, user_id: UUID, title: str, description: str | None
) -> Row:
    """Pattern 3: insert and return the new row."""
    row = await tx.fetch_one(
        f"INSERT INTO tasks (user_id, title, description) VALUES (%s, %s, %s) RETURNING {COLUMNS}",
        (user_id, title, description),
    )
    assert row is not None
    return row


async def get_task(tx: Transaction, *, user_id: UUID, task_id: UUID) -> Row | None:
    """One task of the user's, or None."""
    return await tx.fetch_one(
        f"SELECT {COLUMNS} FROM tasks WHERE id = %s AND user_id = %s", (task_id, user_id)
    )


async def update_task(
    tx: Transaction, *, user_id: UUID, task_id: UUID, changes: dict[str, Any]
) -> Row | None:
    """Pattern 4: set the given fields (title, description, completed); None if no such task."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown or not changes:
        raise ValueError(f"cannot update {sorted(unknown) or 'nothing'}")
    assignments = ", ".join(f"{column} = %({column})s" for column in UPDATABLE if column in changes)
    return await tx.fetch_one(
        f"UPDATE tasks SET {assignments}, updated_at = now() "
        f"WHERE id = %(id)s AND user_id = %(user_id)s RETURNING {COLUMNS}",
        {**changes, "id": task_id, "user_id": user_id},
    )


async def toggle_task(tx: Transaction, *, user_id: UUID, task_id: UUID) -> Row | None:
    """Pattern 5: flip `completed`; None if no such task."""
    return await tx.fetch_one(
        "UPDATE tasks SET completed = NOT completed, updated_at = now() "
        f"WHERE id = %s AND user_id = %s RETURNING {COLUMNS}",
        (task_id, user_id),
    )


async def delete_task(tx: Transaction, *, user_id: UUID, task_id: UUID) -> bool:
    """Pattern 6: delete; whether a task was deleted."""
    deleted = await tx.execute(
        "DELETE FROM tasks WHERE id = %s AND user_id = %s", (task_id, user_id)
    )
    return deleted == 1


async def count_tasks(tx: Transaction, *, user_id: UUID) -> TaskCounts:
    """Pattern 7: how many tasks the user has, and how many of them are completed."""
    row = await tx.fetch_one(
        "SELECT count(*) AS total, count(*) FILTER (WHERE completed) AS completed "
        "FROM tasks WHERE user_id = %s",
        (user_id,),
    )
    assert row is not None
    return TaskCounts(total=row["total"], completed=row["completed"])
