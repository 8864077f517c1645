"""The task operations the web pages perform: a thin service over the task repositories.

Each function is one unit of work (its own transaction as the user). Kept small so that the
API's task service can take its place; the web-only bulk operations live here too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any, Literal, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

import pydantic

from todo.db import Database, Row, Transaction
from todo.errors import InvalidParameter, TaskNotFound, ValidationFailed
from todo.preferences import service as preferences
from todo.tags import service as tag_service
from todo.tasks import quickadd
from todo.tasks import repository as tasks
from todo.tasks import service as task_service
from todo.tasks.models import DESCRIPTION_MAX, TITLE_MAX, TaskCreate, TaskUpdate
from todo.tasks.repository import TaskCounts
from todo.web import listing, views
from todo.web import repository as web_sql

VIEW_LIMIT = 100  # tasks on one page of a view (the listing's most)


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
        page = await _listed(tx, user_id=user_id, options=options, after=after)
        counts = await tasks.count_tasks(tx, user_id=user_id)
        tags = await tag_service.list_tags(tx, user_id=user_id)
    return TaskList(
        items=[views.shown(row, clock) for row in page.rows],
        counts=counts,
        ordering=ordering,
        next_cursor=page.next_cursor,
        tags=tags,
    )


async def _listed(
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


async def get_shown_task(db: Database, *, user_id: UUID, task_id: UUID) -> dict[str, Any]:
    """One of the user's tasks as a page shows it (due label in their zone), or TaskNotFound."""
    async with db.transaction(user_id) as tx:
        clock = await _clock(tx, user_id)
        row = await task_service.get_task(tx, user_id=user_id, task_id=task_id)
    return views.shown(row, clock)


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
        return await _changed(tx, user_id, row)


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


async def _changed(tx: Transaction, user_id: UUID, row: Row | None) -> Change:
    if row is None:
        raise TaskNotFound()
    return Change(task=row, counts=await tasks.count_tasks(tx, user_id=user_id))


ViewKind = Literal["today", "upcoming", "tag", "search", "none"]


@dataclass(frozen=True)
class ViewQuery:
    """Which tasks a view shows: `tag` names the tag page's tag, `q` is a search."""

    kind: ViewKind
    tag: str | None = None
    q: str | None = None


@dataclass(frozen=True)
class ViewList:
    """A page of a view, the user's clock (for due labels) and their tags (for the menu)."""

    rows: list[Row]
    next_cursor: str | None
    clock: views.Clock
    tags: list[Row]


async def time_zone_of(db: Database, *, user_id: UUID) -> str:
    """The user's time zone (an IANA name; UTC until they choose one)."""
    async with db.transaction(user_id) as tx:
        return (await preferences.get_preferences(tx, user_id=user_id)).time_zone


async def set_time_zone(db: Database, *, user_id: UUID, time_zone: str) -> None:
    """Change the user's time zone (ValidationFailed naming time_zone if unknown)."""
    async with db.transaction(user_id) as tx:
        await preferences.set_time_zone(tx, user_id=user_id, zone=time_zone)


async def _clock(tx: Transaction, user_id: UUID) -> views.Clock:
    prefs = await preferences.get_preferences(tx, user_id=user_id)
    return views.Clock.of(ZoneInfo(prefs.time_zone))


def _view_options(query: ViewQuery, clock: views.Clock) -> tasks.ListOptions | None:
    """The listing's filters for a view (None: nothing to list, such as a search of no word)."""
    zone = clock.zone.key
    if query.kind == "today":
        return task_service.today_options(zone, now=clock.now, limit=VIEW_LIMIT)
    if query.kind == "upcoming":
        return task_service.upcoming_options(zone, now=clock.now, limit=VIEW_LIMIT)
    if query.kind == "tag":
        return tasks.ListOptions(tags=(query.tag or "",), limit=VIEW_LIMIT)
    search = task_service.search_query(query.q or "")
    return tasks.ListOptions(search=search, limit=VIEW_LIMIT) if search else None


async def load_view(
    db: Database, *, user_id: UUID, query: ViewQuery, after: str | None
) -> ViewList:
    """A page of Today, Upcoming, a tag or a search, with what the page around it needs."""
    async with db.transaction(user_id) as tx:
        clock = await _clock(tx, user_id)
        tags = await tag_service.list_tags(tx, user_id=user_id)
        options = _view_options(query, clock)
        if options is None:
            return ViewList(rows=[], next_cursor=None, clock=clock, tags=tags)
        page = await _listed(tx, user_id=user_id, options=options, after=after)
    return ViewList(rows=page.rows, next_cursor=page.next_cursor, clock=clock, tags=tags)


async def read_quick_add(
    db: Database, *, user_id: UUID, text: str
) -> tuple[quickadd.QuickAdd, views.Clock]:
    """What a quick-add line says, read on the user's today."""
    async with db.transaction(user_id) as tx:
        clock = await _clock(tx, user_id)
    return quickadd.parse(text, today=clock.today), clock


def _due(parsed: quickadd.QuickAdd, clock: views.Clock) -> date | datetime | None:
    """A parsed due date as an unambiguous value: a date, or an instant in the user's zone."""
    due = parsed.due_at
    return due.replace(tzinfo=clock.zone) if isinstance(due, datetime) else due


async def quick_add(
    db: Database, *, user_id: UUID, text: str, description: str | None = None
) -> tuple[Change, quickadd.QuickAdd, views.Clock]:
    """Add a task typed as a quick-add line: its trailing date, priority and tags become the
    task's; what was understood is returned so the page can say so."""
    async with db.transaction(user_id) as tx:
        clock = await _clock(tx, user_id)
        parsed = quickadd.parse(text, today=clock.today)
        parsed = replace(parsed, title=clean_title(parsed.title))
        fields = {
            "title": parsed.title,
            "description": clean_description(description),
            "due_at": _due(parsed, clock),
            "priority": parsed.priority or "none",
            "tags": list(parsed.tags),
        }
        row = await task_service.create_task(tx, user_id=user_id, new=_valid(TaskCreate, fields))
        return Change(task=row, counts=await tasks.count_tasks(tx, user_id=user_id)), parsed, clock


@dataclass(frozen=True)
class Edit:
    """The edit form as sent: every field as text; `tags` are the boxes ticked, `new_tags`
    what was typed (names separated by commas)."""

    title: str
    description: str
    due_date: str
    due_time: str
    priority: str
    tags: list[str]
    new_tags: str


def _edit_due(edit: Edit, clock: views.Clock, problems: dict[str, list[str]]) -> Any:
    """The form's day and time as the task's due date: a date, an instant in the user's
    zone, or None (no day: not due)."""
    if not edit.due_date.strip():
        if edit.due_time.strip():
            problems["due_date"] = ["Choose a day for the time."]
        return None
    try:
        day = date.fromisoformat(edit.due_date.strip())
    except ValueError:
        problems["due_date"] = ["Enter a date like 2026-12-05."]
        return None
    if not edit.due_time.strip():
        return day
    try:
        at = time.fromisoformat(edit.due_time.strip())
    except ValueError:
        problems["due_time"] = ["Enter a time like 15:00."]
        return None
    return datetime.combine(day, at, clock.zone)


def _edit_tags(edit: Edit) -> list[str]:
    typed = [name.strip().lstrip("#").strip() for name in edit.new_tags.split(",")]
    return [*edit.tags, *(name for name in typed if name)]


FIELD_WORDS = {"tags": "Tags", "due_at": "The due date", "priority": "The priority"}
Model = TypeVar("Model", bound=pydantic.BaseModel)


def _valid(model: type[Model], fields: dict[str, Any]) -> Model:
    """`fields` as the task service's model, or ValidationFailed naming each field refused
    (in words a page can show: "Tags: String should have at most 50 characters")."""
    try:
        return model.model_validate(fields)
    except pydantic.ValidationError as error:
        details: dict[str, list[str]] = {}
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else "task"
            words = FIELD_WORDS.get(name, name.capitalize())
            details.setdefault(name, []).append(f"{words}: {problem['msg']}")
        raise ValidationFailed("Invalid task", details=details) from None


async def edit_task(db: Database, *, user_id: UUID, task_id: UUID, edit: Edit) -> Change:
    """Save the edit form: title, description, due date, priority and tags at once."""
    title, description = clean_title(edit.title), clean_description(edit.description)
    async with db.transaction(user_id) as tx:
        problems: dict[str, list[str]] = {}
        due = _edit_due(edit, await _clock(tx, user_id), problems)
        if problems:
            raise ValidationFailed("Invalid task", details=problems)
        fields = {
            "title": title,
            "description": description,
            "due_at": due,
            "priority": edit.priority,
            "tags": _edit_tags(edit),
        }
        change = _valid(TaskUpdate, fields)
        row = await task_service.update_task(tx, user_id=user_id, task_id=task_id, change=change)
        return await _changed(tx, user_id, row)


async def load_edit(
    db: Database, *, user_id: UUID, task_id: UUID
) -> tuple[dict[str, Any], list[Row]]:
    """A task as the edit page shows it, and every tag of the user (for its tag boxes)."""
    async with db.transaction(user_id) as tx:
        clock = await _clock(tx, user_id)
        row = await task_service.get_task(tx, user_id=user_id, task_id=task_id)
        tags = await tag_service.list_tags(tx, user_id=user_id)
    return views.shown(row, clock), tags
