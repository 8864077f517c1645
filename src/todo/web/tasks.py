"""The task operations the web pages perform: a thin service over the task repositories.

Each function is one unit of work (its own transaction as the user). Kept small so that the
API's task service can take its place; the web-only bulk operations live here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from todo.db import Database, Row, Transaction
from todo.errors import InvalidParameter, TaskNotFound, ValidationFailed
from todo.preferences import service as preferences
from todo.tags import service as tag_service
from todo.tasks import repository as tasks
from todo.tasks import service as task_service
from todo.tasks.models import DESCRIPTION_MAX, TITLE_MAX
from todo.tasks.repository import TaskCounts
from todo.web import listing, views
from todo.web import repository as web_sql


@dataclass(frozen=True)
class TaskList:
    """One page of a user's task list, with the counts the footer shows."""

    items: list[dict[str, Any]]  # rows as views.shown gives them
    counts: TaskCounts
    ordering: listing.Ordering
    next_cursor: str | None
    tags: list[Row]


@dataclass(frozen=True)
class Change:
    """The result of a write: the task it touched (if one) and the counts after it."""

    task: Row | None
    counts: TaskCounts


def clean_title(raw: str) -> str:
    """A title as stored: trimmed, not empty, at most TITLE_MAX characters."""
    title = raw.strip()
    if not title:
        raise ValidationFailed("Invalid task", details={"title": ["Enter a title."]})
    if len(title) > TITLE_MAX:
        message = f"Keep the title to {TITLE_MAX} characters or fewer."
        raise ValidationFailed("Invalid task", details={"title": [message]})
    return title


def clean_description(raw: str | None) -> str | None:
    """A description as stored: line endings normalised, trimmed, None when blank."""
    description = (raw or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(description) > DESCRIPTION_MAX:
        message = f"Keep the description to {DESCRIPTION_MAX} characters or fewer."
        raise ValidationFailed("Invalid task", details={"description": [message]})
    return description or None


async def load_list(
    db: Database,
    *,
    user_id: UUID,
    view: listing.Filter,
    ordering: listing.Ordering | None,
    remember: bool,
    after: str | None,
    limit: int,
) -> TaskList:
    """A page of the list. An explicit ordering is used (and remembered if `remember`);
    without one the user's saved ordering applies."""
    async with db.transaction(user_id) as tx:
        prefs = await preferences.get_preferences(tx, user_id=user_id)
        clock = views.Clock.of(ZoneInfo(prefs.time_zone))
        if ordering is None:
            ordering = (
                listing.parse_ordering(prefs.task_sort, prefs.task_order) or listing.Ordering()
            )
        elif remember:
            await web_sql.save_sort_preference(
                tx, user_id=user_id, sort=ordering.sort, order=ordering.order
            )
        options = tasks.ListOptions(
            completed=listing.completed_for(view),
            sort=ordering.sort,
            order=ordering.order,
            limit=limit,
        )
        page = await listed(tx, user_id=user_id, options=options, after=after)
        counts = await tasks.count_tasks(tx, user_id=user_id)
        tags = await tag_service.list_tags(tx, user_id=user_id)
    return TaskList(
        items=[views.shown(row, clock) for row in page.rows],
        counts=counts,
        ordering=ordering,
        next_cursor=page.next_cursor,
        tags=tags,
    )


async def listed(
    tx: Transaction, *, user_id: UUID, options: tasks.ListOptions, after: str | None
) -> task_service.TaskList:
    """The page after `after`; from the top when `after` is unreadable or made for another
    ordering (a stale bookmark or a hand-edited address still shows the list)."""
    try:
        return await task_service.list_tasks(
            tx, user_id=user_id, options=options, cursor=after or None, count=False
        )
    except InvalidParameter:
        return await task_service.list_tasks(tx, user_id=user_id, options=options, count=False)


async def get_task(db: Database, *, user_id: UUID, task_id: UUID) -> Row:
    """One of the user's tasks, or TaskNotFound."""
    async with db.transaction(user_id) as tx:
        row = await tasks.get_task(tx, user_id=user_id, task_id=task_id)
    if row is None:
        raise TaskNotFound()
    return row


async def update_task(
    db: Database, *, user_id: UUID, task_id: UUID, changes: dict[str, Any]
) -> Change:
    """Apply a partial change (title, description, completed); TaskNotFound if not the user's."""
    if "title" in changes:
        changes["title"] = clean_title(changes["title"])
    if "description" in changes:
        changes["description"] = clean_description(changes["description"])
    if not changes:
        raise ValidationFailed("Nothing to change", details={"task": ["Nothing to change."]})
    async with db.transaction(user_id) as tx:
        row = await tasks.update_task(tx, user_id=user_id, task_id=task_id, changes=changes)
        return await changed(tx, user_id, row)


async def delete_task(db: Database, *, user_id: UUID, task_id: UUID) -> Change:
    """Delete one of the user's tasks; TaskNotFound if there is no such task."""
    async with db.transaction(user_id) as tx:
        if not await tasks.delete_task(tx, user_id=user_id, task_id=task_id):
            raise TaskNotFound()
        return Change(task=None, counts=await tasks.count_tasks(tx, user_id=user_id))


async def set_all_completed(db: Database, *, user_id: UUID, completed: bool) -> Change:
    """Mark every task completed, or every task not completed."""
    async with db.transaction(user_id) as tx:
        await web_sql.set_all_completed(tx, user_id=user_id, completed=completed)
        return Change(task=None, counts=await tasks.count_tasks(tx, user_id=user_id))


async def clear_completed(db: Database, *, user_id: UUID) -> Change:
    """Delete every completed task."""
    async with db.transaction(user_id) as tx:
        await web_sql.delete_completed(tx, user_id=user_id)
        return Change(task=None, counts=await tasks.count_tasks(tx, user_id=user_id))


async def changed(tx: Transaction, user_id: UUID, row: Row | None) -> Change:
    """A write's result: the row (TaskNotFound if it matched none) and the counts after it."""
    if row is None:
        raise TaskNotFound()
    return Change(task=row, counts=await tasks.count_tasks(tx, user_id=user_id))
