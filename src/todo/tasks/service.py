"""The rules for tasks; the API and the CLI both call these.

Every function works inside the caller's transaction (`Database.transaction(user_id)`), never
commits, and reports a task that is missing or belongs to someone else as the same
`TaskNotFound`. Writes are single statements scoped by id and user (SPEC section 3, patterns 4
to 6), so "the caller's task or 404" costs no extra query.

A write may expect the task at one of some versions (`versions`, what HTTP's If-Match names;
None: any version). The statement itself checks it; only when it then matched nothing is the
task looked for, to tell a stale version (PreconditionFailed) from a missing task.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import NoReturn
from uuid import UUID

from todo.db import Row, Transaction
from todo.errors import InvalidParameter, PreconditionFailed, TaskNotFound, ValidationFailed
from todo.tasks import cursor as cursors
from todo.tasks import repository
from todo.tasks.models import TaskCreate, TaskUpdate
from todo.tasks.repository import ListOptions

LIMIT_MIN, LIMIT_MAX, LIMIT_DEFAULT = 1, 100, 50
OFFSET_MAX = 2**31 - 1  # far past any real listing; keeps OFFSET a valid bigint
SORT_FIELDS = ("created_at", "updated_at", "title")
SORT_ORDERS = ("asc", "desc")


def _found(row: Row | None) -> Row:
    """The row, or TaskNotFound."""
    if row is None:
        raise TaskNotFound()
    return row


def check_list_options(options: ListOptions) -> None:
    """Refuse a page that is out of bounds or an unknown ordering (the HTTP layer checks the
    same bounds while parsing; this keeps other callers honest)."""
    problems: dict[str, list[str]] = {}
    if not LIMIT_MIN <= options.limit <= LIMIT_MAX:
        problems["limit"] = [f"must be between {LIMIT_MIN} and {LIMIT_MAX}"]
    if options.offset is not None and not 0 <= options.offset <= OFFSET_MAX:
        problems["offset"] = [f"must be between 0 and {OFFSET_MAX}"]
    if options.sort not in SORT_FIELDS:
        problems["sort"] = [f"must be one of {', '.join(SORT_FIELDS)}"]
    if options.order not in SORT_ORDERS:
        problems["order"] = [f"must be one of {', '.join(SORT_ORDERS)}"]
    if problems:
        raise InvalidParameter("Invalid query parameters", details=problems)


@dataclass(frozen=True)
class TaskList:
    """A page of a listing: its rows, the total that match (if counted) and the cursor of the
    page after it (None on the last page)."""

    rows: list[Row]
    total: int | None
    next_cursor: str | None


async def list_tasks(
    tx: Transaction,
    *,
    user_id: UUID,
    options: ListOptions,
    cursor: str | None = None,
    count: bool = True,
) -> TaskList:
    """A page of the user's tasks (optionally only done or only open ones) and, if `count`,
    the total that match.

    The one listing of tasks: the API and the web pages both page through it. A page starts
    after the row a `cursor` names (one this listing gave out for the same sort, order and
    filter), or skips `options.offset` rows; not both."""
    check_list_options(options)
    scope = cursors.Scope(sort=options.sort, order=options.order, completed=options.completed)
    if cursor is not None:
        if options.offset is not None:
            raise InvalidParameter(
                "Invalid query parameters",
                details={"cursor": ["cannot be combined with offset; send one or the other"]},
            )
        options = replace(options, after=cursors.decode(cursor, scope))
    page = await repository.list_tasks(tx, user_id=user_id, options=options, count=count)
    next_cursor = cursors.encode(page.rows[-1], scope) if page.more else None
    return TaskList(rows=page.rows, total=page.total, next_cursor=next_cursor)


async def create_task(tx: Transaction, *, user_id: UUID, new: TaskCreate) -> Row:
    """A new, open task. Only the title and description of `new` are used."""
    return await repository.create_task(
        tx, user_id=user_id, title=new.title, description=new.description
    )


async def get_task(tx: Transaction, *, user_id: UUID, task_id: UUID) -> Row:
    """One of the user's tasks."""
    return _found(await repository.get_task(tx, user_id=user_id, task_id=task_id))


async def _missed(
    tx: Transaction, *, user_id: UUID, task_id: UUID, versions: Collection[str] | None
) -> NoReturn:
    """A write matched nothing: the task has changed since (given versions), or is missing."""
    if versions is not None and await repository.task_exists(tx, user_id=user_id, task_id=task_id):
        raise PreconditionFailed(
            "The task has changed since you read it; read it again",
            details={"If-Match": ["does not match the task's current ETag"]},
        )
    raise TaskNotFound()


async def _written(
    tx: Transaction,
    row: Row | None,
    *,
    user_id: UUID,
    task_id: UUID,
    versions: Collection[str] | None,
) -> Row:
    """The row a write returned; when it matched nothing, the reason as an error."""
    if row is None:
        await _missed(tx, user_id=user_id, task_id=task_id, versions=versions)
    return row


async def update_task(
    tx: Transaction,
    *,
    user_id: UUID,
    task_id: UUID,
    change: TaskUpdate,
    versions: Collection[str] | None = None,
) -> Row:
    """Apply the fields that were sent; at least one of title, description, completed."""
    changes = change.model_dump(exclude_unset=True, include=set(repository.UPDATABLE))
    if not changes:
        raise ValidationFailed(
            "Nothing to update",
            details={"body": ["give at least one of title, description, completed"]},
        )
    row = await repository.update_task(
        tx, user_id=user_id, task_id=task_id, changes=changes, versions=versions
    )
    return await _written(tx, row, user_id=user_id, task_id=task_id, versions=versions)


async def toggle_task(
    tx: Transaction, *, user_id: UUID, task_id: UUID, versions: Collection[str] | None = None
) -> Row:
    """Flip the task between done and open."""
    row = await repository.toggle_task(tx, user_id=user_id, task_id=task_id, versions=versions)
    return await _written(tx, row, user_id=user_id, task_id=task_id, versions=versions)


async def delete_task(
    tx: Transaction, *, user_id: UUID, task_id: UUID, versions: Collection[str] | None = None
) -> None:
    """Delete the task for good."""
    if not await repository.delete_task(tx, user_id=user_id, task_id=task_id, versions=versions):
        await _missed(tx, user_id=user_id, task_id=task_id, versions=versions)
