"""What the planning pages do: the views (Today, Upcoming, a tag, a search), quick add, the
full edit form and the time zone, each one unit of work over the core services (preferences,
tags, the one task listing and its Today and Upcoming options)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any, Literal, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

import pydantic

from todo.db import Database, Row, Transaction
from todo.errors import ValidationFailed
from todo.preferences import service as preferences
from todo.tags import service as tag_service
from todo.tasks import quickadd
from todo.tasks import service as task_service
from todo.tasks.models import TaskCreate, TaskUpdate
from todo.tasks.repository import ListOptions
from todo.web import tasks, views

VIEW_LIMIT = 100  # tasks on one page of a view (the listing's most)


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


async def get_shown_task(db: Database, *, user_id: UUID, task_id: UUID) -> dict[str, Any]:
    """One of the user's tasks as a page shows it (due label in their zone), or TaskNotFound."""
    async with db.transaction(user_id) as tx:
        clock = await _clock(tx, user_id)
        row = await task_service.get_task(tx, user_id=user_id, task_id=task_id)
    return views.shown(row, clock)


def _view_options(query: ViewQuery, clock: views.Clock) -> ListOptions | None:
    """The listing's filters for a view (None: nothing to list, such as a search of no word)."""
    zone = clock.zone.key
    if query.kind == "today":
        return task_service.today_options(zone, now=clock.now, limit=VIEW_LIMIT)
    if query.kind == "upcoming":
        return task_service.upcoming_options(zone, now=clock.now, limit=VIEW_LIMIT)
    if query.kind == "tag":
        return ListOptions(tags=(query.tag or "",), limit=VIEW_LIMIT)
    search = task_service.search_query(query.q or "")
    return ListOptions(search=search, limit=VIEW_LIMIT) if search else None


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
        page = await tasks.listed(tx, user_id=user_id, options=options, after=after)
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
) -> tuple[tasks.Change, quickadd.QuickAdd, views.Clock]:
    """Add a task typed as a quick-add line: its trailing date, priority and tags become the
    task's; what was understood is returned so the page can say so."""
    async with db.transaction(user_id) as tx:
        clock = await _clock(tx, user_id)
        parsed = quickadd.parse(text, today=clock.today)
        parsed = replace(parsed, title=tasks.clean_title(parsed.title))
        fields = {
            "title": parsed.title,
            "description": tasks.clean_description(description),
            "due_at": _due(parsed, clock),
            "priority": parsed.priority or "none",
            "tags": list(parsed.tags),
        }
        row = await task_service.create_task(tx, user_id=user_id, new=_valid(TaskCreate, fields))
        return await tasks.changed(tx, user_id, row), parsed, clock


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


async def edit_task(db: Database, *, user_id: UUID, task_id: UUID, edit: Edit) -> tasks.Change:
    """Save the edit form: title, description, due date, priority and tags at once."""
    title, description = tasks.clean_title(edit.title), tasks.clean_description(edit.description)
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
        return await tasks.changed(tx, user_id, row)


async def load_edit(
    db: Database, *, user_id: UUID, task_id: UUID
) -> tuple[dict[str, Any], list[Row]]:
    """A task as the edit page shows it, and every tag of the user (for its tag boxes)."""
    async with db.transaction(user_id) as tx:
        clock = await _clock(tx, user_id)
        row = await task_service.get_task(tx, user_id=user_id, task_id=task_id)
        tags = await tag_service.list_tags(tx, user_id=user_id)
    return views.shown(row, clock), tags
