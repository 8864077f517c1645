"""SQL for tasks: the seven query patterns of SPEC section 3, each scoped by id and user.

Every statement names the user explicitly even though row-level security would hide other
users' rows anyway: the WHERE clause is what lets the planner use the per-user indexes.

Statements about one task also return its `version` (the ETag's value), and writes may be
conditional on it (`versions`): the check is part of the UPDATE or DELETE itself, so of two
writers holding the same version exactly one succeeds (the second, after waiting for the
first's row lock, finds the row changed and matches nothing).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from todo.db import Row, Transaction

COLUMNS = "id, user_id, title, description, completed, created_at, updated_at"
UPDATABLE = ("title", "description", "completed")

# A row version: every UPDATE writes a new row whose xmin is its transaction's id. updated_at
# (which every write of the task API and the web pages sets) is added because transaction ids
# are 32 bits and start over in another cluster (a restored backup): a version seen before a
# restore could otherwise name a different row version after it.
VERSION = "xmin::text || '.' || (extract(epoch FROM updated_at) * 1000000)::bigint"
_ONE = f"{COLUMNS}, {VERSION} AS version"

SortField = Literal["created_at", "updated_at", "title", "due_at", "priority"]
SortOrder = Literal["asc", "desc"]

# Column expressions never come from input: the sort key picks one of these fixed sets.
# sort field: (the row's key columns, the same key built from a cursor's parameters)
_KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "created_at": (("created_at", "id"), "(%(after_value)s::timestamptz, %(after_id)s::uuid)"),
    "updated_at": (("updated_at", "id"), "(%(after_value)s::timestamptz, %(after_id)s::uuid)"),
    "title": (
        ("lower(title)", "title", "id"),
        "(lower(%(after_value)s::varchar), %(after_value)s::varchar, %(after_id)s::uuid)",
    ),
}
_DIRECTION = {"asc": ("ASC", ">"), "desc": ("DESC", "<")}


@dataclass(frozen=True)
class Keyset:
    """Where a page ends: the last row's sort value (a timestamp or a title) and its id."""

    value: datetime | str
    id: UUID


@dataclass(frozen=True)
class ListOptions:
    """How to list: filter, order and page. A page starts after a row (`after`, keyset) or
    skips `offset` rows (None: not given); never both."""

    completed: bool | None = None
    sort: SortField = "created_at"
    order: SortOrder = "desc"
    limit: int = 50
    offset: int | None = None
    after: Keyset | None = None


@dataclass(frozen=True)
class TaskPage:
    rows: list[Row]
    total: int | None  # None when not asked for
    more: bool = False  # whether rows follow this page


@dataclass(frozen=True)
class TaskCounts:
    total: int
    completed: int

    @property
    def active(self) -> int:
        return self.total - self.completed


async def list_tasks(
    tx: Transaction, *, user_id: UUID, options: ListOptions, count: bool = True
) -> TaskPage:
    """Patterns 1 and 2: a page of a user's tasks and (if `count`) the total that match, in
    one round trip. One row past the page is read to tell whether more follow."""
    where = ["user_id = %(user_id)s"]
    params: dict[str, Any] = {
        "user_id": user_id,
        "limit": options.limit + 1,
        "offset": options.offset or 0,
    }
    if options.completed is not None:
        where.append("completed = %(completed)s")
        params["completed"] = options.completed
    total_query = (
        f"SELECT count(*) AS total FROM tasks WHERE {' AND '.join(where)}",
        {"user_id": user_id, "completed": options.completed},
    )
    columns, cursor_key = _KEYS[options.sort]
    direction, comparison = _DIRECTION[options.order]
    if options.after is not None:
        where.append(f"({', '.join(columns)}) {comparison} {cursor_key}")
        params.update(after_value=options.after.value, after_id=options.after.id)
    order_by = ", ".join(f"{column} {direction}" for column in columns)
    page_query = (
        f"SELECT {COLUMNS} FROM tasks WHERE {' AND '.join(where)} "
        f"ORDER BY {order_by} LIMIT %(limit)s OFFSET %(offset)s",
        params,
    )
    rows, *counted = await tx.batch(page_query, *([total_query] if count else []))
    return TaskPage(
        rows=rows[: options.limit],
        total=counted[0][0]["total"] if counted else None,
        more=len(rows) > options.limit,
    )


async def create_task(
    tx: Transaction, *, user_id: UUID, title: str, description: str | None
) -> Row:
    """Pattern 3: insert and return the new row (with its version)."""
    row = await tx.fetch_one(
        f"INSERT INTO tasks (user_id, title, description) VALUES (%s, %s, %s) RETURNING {_ONE}",
        (user_id, title, description),
    )
    assert row is not None
    return row


async def get_task(tx: Transaction, *, user_id: UUID, task_id: UUID) -> Row | None:
    """One task of the user's (with its version), or None."""
    return await tx.fetch_one(
        f"SELECT {_ONE} FROM tasks WHERE id = %s AND user_id = %s", (task_id, user_id)
    )


async def task_exists(tx: Transaction, *, user_id: UUID, task_id: UUID) -> bool:
    """Whether the user has this task (what a conditional write that matched nothing asks)."""
    found = await tx.fetch_one(
        "SELECT 1 AS found FROM tasks WHERE id = %s AND user_id = %s", (task_id, user_id)
    )
    return found is not None


def _one_task(versions: Collection[str] | None) -> str:
    """The WHERE clause naming one task of the user's, at one of `versions` unless None."""
    where = "id = %(id)s AND user_id = %(user_id)s"
    return where if versions is None else f"{where} AND {VERSION} = ANY(%(versions)s::text[])"


async def update_task(
    tx: Transaction,
    *,
    user_id: UUID,
    task_id: UUID,
    changes: dict[str, Any],
    versions: Collection[str] | None = None,
) -> Row | None:
    """Pattern 4: set the given fields (title, description, completed); None if no such task
    (or, given `versions`, none at one of them)."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown or not changes:
        raise ValueError(f"cannot update {sorted(unknown) or 'nothing'}")
    assignments = ", ".join(f"{column} = %({column})s" for column in UPDATABLE if column in changes)
    return await tx.fetch_one(
        f"UPDATE tasks SET {assignments}, updated_at = now() "
        f"WHERE {_one_task(versions)} RETURNING {_ONE}",
        {**changes, "id": task_id, "user_id": user_id, "versions": _listed(versions)},
    )


async def toggle_task(
    tx: Transaction, *, user_id: UUID, task_id: UUID, versions: Collection[str] | None = None
) -> Row | None:
    """Pattern 5: flip `completed`; None if no such task (at one of `versions`, if given)."""
    return await tx.fetch_one(
        "UPDATE tasks SET completed = NOT completed, updated_at = now() "
        f"WHERE {_one_task(versions)} RETURNING {_ONE}",
        {"id": task_id, "user_id": user_id, "versions": _listed(versions)},
    )


async def delete_task(
    tx: Transaction, *, user_id: UUID, task_id: UUID, versions: Collection[str] | None = None
) -> bool:
    """Pattern 6: delete; whether a task was deleted (only at one of `versions`, if given)."""
    deleted = await tx.execute(
        f"DELETE FROM tasks WHERE {_one_task(versions)}",
        {"id": task_id, "user_id": user_id, "versions": _listed(versions)},
    )
    return deleted == 1


def _listed(versions: Collection[str] | None) -> list[str] | None:
    return None if versions is None else list(versions)


async def count_tasks(tx: Transaction, *, user_id: UUID) -> TaskCounts:
    """Pattern 7: how many tasks the user has, and how many of them are completed."""
    row = await tx.fetch_one(
        "SELECT count(*) AS total, count(*) FILTER (WHERE completed) AS completed "
        "FROM tasks WHERE user_id = %s",
        (user_id,),
    )
    assert row is not None
    return TaskCounts(total=row["total"], completed=row["completed"])
