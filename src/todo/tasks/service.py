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

import re
from collections.abc import Awaitable, Collection
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, NoReturn, TypeVar
from uuid import UUID

import psycopg

from todo.db import Row, Transaction
from todo.errors import InvalidParameter, PreconditionFailed, TaskNotFound, ValidationFailed
from todo.tags.models import NAME_MAX, TAGS_MAX
from todo.tasks import cursor as cursors
from todo.tasks import due as dues
from todo.tasks import repository
from todo.tasks.models import TaskCreate, TaskUpdate
from todo.tasks.repository import LIST_SORTS, ListOptions, TagChoice

LIMIT_MIN, LIMIT_MAX, LIMIT_DEFAULT = 1, 100, 50
OFFSET_MAX = 2**31 - 1  # far past any real listing; keeps OFFSET a valid bigint
SORT_FIELDS = LIST_SORTS
SORT_ORDERS = ("asc", "desc")
SEARCH_MAX = 200  # characters of a search
SEARCH_WORDS_MAX = 16
FILTER_TAGS_MAX = 16  # tags a listing may require at once
UPCOMING_DAYS = 7
_WORD = re.compile(r"[^\W_]+")  # what the 'simple' parser makes a word of: letters and digits
T = TypeVar("T")
_UNKNOWN_TAG_IDS = ["names a tag you do not have (yours only, by id)"]


def _found(row: Row | None) -> Row:
    """The row, or TaskNotFound."""
    if row is None:
        raise TaskNotFound()
    return row


def search_query(text: str) -> str | None:
    """The to_tsquery text of a search: every word of `text` (letters and digits) as a
    prefix, all required ("dent caf" finds "Dentist at the café"); None if it has no word.
    Accents and case are folded by the database, as in the index."""
    words = _WORD.findall(text)[:SEARCH_WORDS_MAX]
    return " & ".join(f"{word}:*" for word in words) or None


def check_list_options(options: ListOptions) -> None:
    """Refuse a page that is out of bounds, an unknown ordering or a filter out of range (the
    HTTP layer checks the same bounds while parsing; this keeps other callers honest)."""
    problems: dict[str, list[str]] = {}
    if not LIMIT_MIN <= options.limit <= LIMIT_MAX:
        problems["limit"] = [f"must be between {LIMIT_MIN} and {LIMIT_MAX}"]
    if options.offset is not None and not 0 <= options.offset <= OFFSET_MAX:
        problems["offset"] = [f"must be between 0 and {OFFSET_MAX}"]
    if options.sort is not None and options.sort not in SORT_FIELDS:
        problems["sort"] = [f"must be one of {', '.join(SORT_FIELDS)}"]
    elif options.sort == "relevance" and not options.search:
        problems["sort"] = ["relevance needs a search (q)"]
    if options.order not in SORT_ORDERS:
        problems["order"] = [f"must be one of {', '.join(SORT_ORDERS)}"]
    if options.priority is not None and not 0 <= options.priority < len(dues.PRIORITIES):
        problems["priority"] = [f"must be one of {', '.join(dues.PRIORITIES)}"]
    if len(options.tags) > FILTER_TAGS_MAX or not all(
        0 < len(tag) <= NAME_MAX for tag in options.tags
    ):
        problems["tag"] = [f"at most {FILTER_TAGS_MAX} names of 1 to {NAME_MAX} characters"]
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
    """A page of the user's tasks that pass every filter of `options`, in its order, and, if
    `count`, the total that match.

    The one listing of tasks: the API and the web pages all page through it (the Today and
    Upcoming views are its filters: see `today_options`, `upcoming_options`). A page starts
    after the row a `cursor` names (one this listing gave out for the same sort, order and
    filters), or skips `options.offset` rows; not both."""
    check_list_options(options)
    if options.overdue is not None and options.now is None:
        options = replace(options, now=datetime.now(UTC))
    scope = cursors.scope_of(options)
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


def today_options(zone: str, *, now: datetime | None = None, **others: Any) -> ListOptions:
    """The Today view: open tasks due today or earlier in `zone` (overdue ones included),
    soonest first. `others` are further ListOptions (limit, ...)."""
    tomorrow = dues.today(zone, now) + timedelta(days=1)
    settings: dict[str, Any] = {"completed": False, "sort": "due_at", "order": "asc"}
    return ListOptions(**{**settings, "due_before": tomorrow, **others})


def upcoming_options(
    zone: str, *, now: datetime | None = None, days: int = UPCOMING_DAYS, **others: Any
) -> ListOptions:
    """The Upcoming view: open tasks due from today through the next `days` - 1 days in
    `zone`, soonest first (`upcoming_days` names those days, to group them by)."""
    first = dues.today(zone, now)
    settings: dict[str, Any] = {"completed": False, "sort": "due_at", "order": "asc"}
    bounds = {"due_after": first - timedelta(days=1), "due_before": first + timedelta(days=days)}
    return ListOptions(**{**settings, **bounds, **others})


def upcoming_days(
    zone: str, *, now: datetime | None = None, days: int = UPCOMING_DAYS
) -> list[date]:
    """The days of the Upcoming view, today first."""
    first = dues.today(zone, now)
    return [first + timedelta(days=n) for n in range(days)]


def _tag_choice(tags: list[str] | None, tag_ids: list[UUID] | None) -> TagChoice | None:
    """The tags a write asks for (None: leave them), at most TAGS_MAX in all."""
    if tags is None and tag_ids is None:
        return None
    names = {name.lower(): name for name in reversed(tags or [])}
    ids = set(tag_ids or [])
    if len(names) + len(ids) > TAGS_MAX:
        raise ValidationFailed(
            "Too many tags",
            details={"tags": [f"a task carries at most {TAGS_MAX} tags (tags and tag_ids)"]},
        )
    return TagChoice(names=tuple(reversed(names.values())), ids=tuple(sorted(ids)))


async def _tagging(call: Awaitable[T]) -> T:
    """Run a write that sets tags: a tag id that is not the caller's fails the link's foreign
    key, which is the client's mistake (400 naming tag_ids), and nothing is kept."""
    try:
        return await call
    except psycopg.errors.ForeignKeyViolation as error:
        if error.diag.constraint_name != "fk_task_tags_tag_id":
            raise
        raise ValidationFailed("Invalid tags", details={"tag_ids": _UNKNOWN_TAG_IDS}) from None


async def create_task(tx: Transaction, *, user_id: UUID, new: TaskCreate) -> Row:
    """A new, open task with the fields of `new` (its tags by name and id)."""
    tags = _tag_choice(new.tags, new.tag_ids) if new.tags or new.tag_ids else None
    return await _tagging(
        repository.create_task(
            tx,
            user_id=user_id,
            title=new.title,
            description=new.description,
            due=None if new.due_at is None else dues.due(new.due_at),
            priority=dues.priority_value(new.priority),
            tags=tags,
        )
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
    """Apply the fields that were sent (at least one); `tags`/`tag_ids` replace the tags."""
    sent = change.model_dump(exclude_unset=True)
    changes = {name: sent[name] for name in repository.UPDATABLE if name in sent}
    if "priority" in changes:
        changes["priority"] = dues.priority_value(changes["priority"])
    if "due_at" in sent:
        changes["due"] = None if change.due_at is None else dues.due(change.due_at)
    tags = _tag_choice(sent.get("tags"), sent.get("tag_ids"))
    if not changes and tags is None:
        raise ValidationFailed(
            "Nothing to update",
            details={"body": [f"give at least one of {', '.join(TaskUpdate.model_fields)}"]},
        )
    row = await _tagging(
        repository.update_task(
            tx, user_id=user_id, task_id=task_id, changes=changes, versions=versions, tags=tags
        )
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
