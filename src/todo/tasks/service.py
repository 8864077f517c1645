"""The rules for tasks; the API and the CLI both call these.

Every function works inside the caller's transaction (`Database.transaction(user_id)`), never
commits, and reports a task that is missing or belongs to someone else as the same
`TaskNotFound`. Writes are single statements scoped by id and user (SPEC section 3, patterns 4
to 6), so "the caller's task or 404" costs no extra query.
"""

from __future__ import annotations

from uuid import UUID

from todo.db import Row, Transaction
from todo.errors import InvalidParameter, TaskNotFound, ValidationFailed
from todo.tasks import repository
from todo.tasks.models import TaskCreate, TaskUpdate
from todo.tasks.repository import ListOptions, TaskPage

LIMIT_MIN, LIMIT_MAX, LIMIT_DEFAULT = 1, 100, 50
OFFSET_MAX = 2**31 - 1  # far past any real listing; keeps OFFSET a valid bigint
SORT_FIELDS = ("created_at", "updated_at", "title")
SORT_ORDERS = ("asc", "desc")


def _found(row: Row | None) -> Row:
    """The row, or TaskNotFound: the one place a missing task becomes an error."""
    if row is None:
        raise TaskNotFound()
    return row


def check_list_options(options: ListOptions) -> None:
    """Refuse a page that is out of bounds or an unknown ordering (the HTTP layer checks the
    same bounds while parsing; this keeps other callers honest)."""
    problems: dict[str, list[str]] = {}
    if not LIMIT_MIN <= options.limit <= LIMIT_MAX:
        problems["limit"] = [f"must be between {LIMIT_MIN} and {LIMIT_MAX}"]
    if not 0 <= options.offset <= OFFSET_MAX:
        problems["offset"] = [f"must be between 0 and {OFFSET_MAX}"]
    if options.sort not in SORT_FIELDS:
        problems["sort"] = [f"must be one of {', '.join(SORT_FIELDS)}"]
    if options.order not in SORT_ORDERS:
        problems["order"] = [f"must be one of {', '.join(SORT_ORDERS)}"]
    if problems:
        raise InvalidParameter("Invalid query parameters", details=problems)


async def list_tasks(tx: Transaction, *, user_id: UUID, options: ListOptions) -> TaskPage:
    """A page of the user's tasks (optionally only done or only open ones) and their total."""
    check_list_options(options)
    return await repository.list_tasks(tx, user_id=user_id, options=options)


async def create_task(tx: Transaction, *, user_id: UUID, new: TaskCreate) -> Row:
    """A new, open task. Only the title and description of `new` are used."""
    return await repository.create_task(
        tx, user_id=user_id, title=new.title, description=new.description
    )


async def get_task(tx: Transaction, *, user_id: UUID, task_id: UUID) -> Row:
    """One of the user's tasks."""
    return _found(await repository.get_task(tx, user_id=user_id, task_id=task_id))


async def update_task(tx: Transaction, *, user_id: UUID, task_id: UUID, change: TaskUpdate) -> Row:
    """Apply the fields that were sent; at least one of title, description, completed."""
    changes = change.model_dump(exclude_unset=True, include=set(repository.UPDATABLE))
    if not changes:
        raise ValidationFailed(
            "Nothing to update",
            details={"body": ["give at least one of title, description, completed"]},
        )
    row = await repository.update_task(tx, user_id=user_id, task_id=task_id, changes=changes)
    return _found(row)


async def toggle_task(tx: Transaction, *, user_id: UUID, task_id: UUID) -> Row:
    """Flip the task between done and open."""
    return _found(await repository.toggle_task(tx, user_id=user_id, task_id=task_id))


async def delete_task(tx: Transaction, *, user_id: UUID, task_id: UUID) -> None:
    """Delete the task for good."""
    if not await repository.delete_task(tx, user_id=user_id, task_id=task_id):
        raise TaskNotFound()
