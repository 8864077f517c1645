"""SQL for tasks: the seven query patterns of SPEC section 3, each scoped by id and user.

Every statement names the user explicitly even though row-level security would hide other
users' rows anyway: the WHERE clause is what lets the planner use the per-user indexes.

Statements about one task also return its `version` (the ETag's value), and writes may be
conditional on it (`versions`): the check is part of the UPDATE or DELETE itself, so of two
writers holding the same version exactly one succeeds (the second, after waiting for the
first's row lock, finds the row changed and matches nothing).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, get_args
from uuid import UUID, uuid4

from todo.db import Query, Row, Transaction
from todo.tasks.due import Due

OWN_FIELDS = (
    "id, user_id, title, description, completed, created_at, updated_at, due_at, due_date, priority"
)
# A task's tags are kept by id on its own row too (tasks.tag_ids, migration 010), so reading
# them needs no link table. task_tags stays the truth, and every statement that changes a
# task's links sets tag_ids from it:
TAG_IDS = "ARRAY(SELECT tt.tag_id FROM task_tags tt WHERE tt.task_id = tasks.id ORDER BY tt.tag_id)"
# One task (a statement about one row) comes with its tags as JSON, {id, name, color} by name,
# named in the same statement: one subquery, none at all for a task without tags.
COLUMNS = (
    f"{OWN_FIELDS}, CASE WHEN tasks.tag_ids = '{{}}' THEN '[]'::json ELSE (SELECT json_agg("
    "json_build_object('id', tg.id, 'name', tg.name, 'color', tg.color) ORDER BY lower(tg.name)) "
    "FROM tags tg WHERE tg.id = ANY(tasks.tag_ids)) END AS tags"
)
# A page of tasks comes with their tag ids, named by `labelled` from the user's tags (LABELS:
# [[id, name, color], ...] by name, or null) read in the same round trip: a subquery per row
# would cost a page of 51 rows half its speed (see migration 010).
FIELDS = f"{OWN_FIELDS}, tag_ids::text[] AS tag_ids"
LABELS = (
    "(SELECT json_agg(json_build_array(tg.id, tg.name, tg.color) ORDER BY lower(tg.name)) "
    "FROM tags tg WHERE tg.user_id = %(user_id)s) AS labels"
)


def labelled(rows: list[Row], labels: list[list[Any]] | None) -> list[Row]:
    """`rows` (of FIELDS) with their tags, {id, name, color} by name, in place of `tag_ids`,
    named from `labels` (LABELS). An id not among them (its tag deleted in between) is left
    out."""
    tags = [{"id": id_, "name": name, "color": color} for id_, name, color in labels or ()]
    position = {tag["id"]: n for n, tag in enumerate(tags)}
    for row in rows:
        ids = row.pop("tag_ids")
        row["tags"] = (
            [tags[n] for n in sorted(position[i] for i in ids if i in position)] if ids else []
        )
    return rows


UPDATABLE = ("title", "description", "completed", "priority")

# A row version: every UPDATE writes a new row whose xmin is its transaction's id. updated_at
# (which every write of the task API and the web pages sets) is added because transaction ids
# are 32 bits and start over in another cluster (a restored backup): a version seen before a
# restore could otherwise name a different row version after it.
VERSION = "xmin::text || '.' || (extract(epoch FROM updated_at) * 1000000)::bigint"
_ONE = f"{COLUMNS}, {VERSION} AS version"

SortField = Literal["created_at", "updated_at", "title", "due_at", "priority"]
# What a listing may be ordered by: a SortField, or relevance to a search.
ListSort = Literal["created_at", "updated_at", "title", "due_at", "priority", "relevance"]
LIST_SORTS: tuple[str, ...] = get_args(ListSort)
SortOrder = Literal["asc", "desc"]

# The user's time zone, for a date given in a filter or a due date (UTC without a preference).
ZONE = "coalesce((SELECT p.time_zone FROM user_preferences p WHERE p.user_id = %(user_id)s), 'UTC')"
_QUERY = "to_tsquery('simple', tasks_search_fold(%(search)s))"
_VECTOR = "tasks_search_vector(title, description)"


@dataclass(frozen=True)
class _Sort:
    """An order of the listing: its key (SQL over a task row, ending with its id), the same key
    built from a cursor's values, and the row fields a cursor keeps (the id aside)."""

    key: tuple[str, ...]
    cursor: str
    fields: tuple[str, ...]


# Column expressions never come from input: the sort picks one of these fixed sets. `due_at`
# is listed in two parts (dated, then undated), see _due_page.
_SORTS: dict[str, _Sort] = {
    "created_at": _Sort(
        ("created_at", "id"), "(%(after_0)s::timestamptz, %(after_id)s::uuid)", ("created_at",)
    ),
    "updated_at": _Sort(
        ("updated_at", "id"), "(%(after_0)s::timestamptz, %(after_id)s::uuid)", ("updated_at",)
    ),
    "title": _Sort(
        ("lower(title)", "title", "id"),
        "(lower(%(after_0)s::varchar), %(after_0)s::varchar, %(after_id)s::uuid)",
        ("title",),
    ),
    "priority": _Sort(
        ("priority", "created_at", "id"),
        "(%(after_0)s::smallint, %(after_1)s::timestamptz, %(after_id)s::uuid)",
        ("priority", "created_at"),
    ),
    "relevance": _Sort(
        (f"ts_rank({_VECTOR}, {_QUERY})", "created_at", "id"),
        "(%(after_0)s::real, %(after_1)s::timestamptz, %(after_id)s::uuid)",
        ("rank", "created_at"),
    ),
    "due_at": _Sort(("due_at", "id"), "", ("due_at",)),
}
_DIRECTION = {"asc": ("ASC", ">"), "desc": ("DESC", "<")}


@dataclass(frozen=True)
class Keyset:
    """Where a page ends: the last row's sort values (`_Sort.fields`) and its id."""

    values: tuple[Any, ...]
    id: UUID


def keyset_of(row: Row, sort: ListSort) -> Keyset:
    """Where a page ending with `row` ends, in the order `sort`."""
    return Keyset(values=tuple(row[name] for name in _SORTS[sort].fields), id=row["id"])


@dataclass(frozen=True)
class ListOptions:
    """How to list: filter, order and page. A page starts after a row (`after`, keyset) or
    skips `offset` rows (None: not given); never both.

    Filters: `completed`; `priority` (0 to 3); `tags` (names, each of which a task must carry,
    whatever the case); `due_before` and `due_after` (an instant, or a date: a day in the
    user's time zone, so before its start or after its end); `overdue` (open and due before
    now; an all-day task before today in the user's zone), with `now` the moment it is judged
    at; `search` (a to_tsquery text, see todo.tasks.service.search_query). `sort` None is
    `relevance` with a search and `created_at` without."""

    completed: bool | None = None
    sort: ListSort | None = None
    order: SortOrder = "desc"
    limit: int = 50
    offset: int | None = None
    after: Keyset | None = None
    priority: int | None = None
    tags: tuple[str, ...] = ()
    due_before: date | datetime | None = None
    due_after: date | datetime | None = None
    overdue: bool | None = None
    now: datetime | None = None
    search: str | None = None

    @property
    def order_by(self) -> ListSort:
        """The sort in effect."""
        if self.sort is not None:
            return self.sort
        return "relevance" if self.search else "created_at"


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


def _bound(name: str, value: date | datetime, *, before: bool) -> str:
    """A due bound: an instant as given; a date as the start of that day (before) or of the
    day after (after) in the user's zone."""
    if isinstance(value, datetime):
        return f"due_at {'<' if before else '>'} %({name})s::timestamptz"
    day = f"%({name})s::date" if before else f"(%({name})s::date + 1)"
    # A subquery (computed once, first): under row-level security, the planner may compare
    # an index with it; timezone() is not LEAKPROOF, so written in place it would be a filter.
    return f"due_at {'<' if before else '>='} (SELECT {day}::timestamp AT TIME ZONE {ZONE})"


_OVERDUE = (
    "(NOT completed AND due_at < %(now)s::timestamptz AND (due_date IS NULL "
    f"OR due_date < (SELECT (%(now)s::timestamptz AT TIME ZONE {ZONE})::date)))"
)
_TAGGED = (
    "id IN (SELECT tt.task_id FROM task_tags tt JOIN tags tg ON tg.id = tt.tag_id "
    "WHERE tt.user_id = %(user_id)s AND tg.user_id = %(user_id)s "
    "AND lower(tg.name) IN (SELECT lower(n) FROM unnest(%(tags)s::text[]) AS n) "
    "GROUP BY tt.task_id HAVING count(*) = "
    "(SELECT count(DISTINCT lower(n)) FROM unnest(%(tags)s::text[]) AS n))"
)


def _filters(user_id: UUID, options: ListOptions) -> tuple[list[str], dict[str, Any]]:
    """The WHERE conditions of a listing (ANDed) and their parameters."""
    where = ["user_id = %(user_id)s"]
    params: dict[str, Any] = {"user_id": user_id}
    simple = {"completed": options.completed, "priority": options.priority}
    for name, value in simple.items():
        if value is not None:
            where.append(f"{name} = %({name})s")
            params[name] = value
    bounds = {"due_before": options.due_before, "due_after": options.due_after}
    for name, bound in bounds.items():
        if bound is not None:
            where.append(_bound(name, bound, before=name == "due_before"))
            params[name] = bound
    if options.overdue is not None:
        where.append(_OVERDUE if options.overdue else f"NOT coalesce({_OVERDUE}, false)")
        params["now"] = options.now
    if options.tags:
        where.append(_TAGGED)
        params["tags"] = list(options.tags)
    if options.search:
        # In FROM, so the matches are computed once (a function in the select list would be
        # run again for every candidate row); see migration 009 for why a function at all.
        where.append(f"id IN (SELECT m.id FROM tasks_matching({_QUERY}) AS m(id))")
        params["search"] = options.search
    return where, params


def _page_query(options: ListOptions, where: list[str], params: dict[str, Any]) -> Query:
    """The page (and one row past it): a keyset or offset scan of the index serving its
    order, or for `sort=due_at` the two parts of _due_page in that order."""
    sort = _SORTS[options.order_by]
    direction, comparison = _DIRECTION[options.order]
    params = {**params, "limit": options.limit + 1, "offset": options.offset or 0}
    if options.order_by == "due_at":
        params["inner"] = options.limit + 1 + (options.offset or 0)
        inner = _due_page(options, where, params)
        order_by = _ordered(sort.key, direction, due=True)
        return (
            f"SELECT * FROM ({inner}) chosen ORDER BY {order_by} LIMIT %(limit)s OFFSET %(offset)s",
            params,
        )
    where = list(where)
    if options.after is not None:
        where.append(f"({', '.join(sort.key)}) {comparison} {sort.cursor}")
        params.update(_after(options.after))
    rank = f", {sort.key[0]} AS rank" if options.order_by == "relevance" else ""
    return (
        f"SELECT {FIELDS}{rank} FROM tasks WHERE {' AND '.join(where)} "
        f"ORDER BY {_ordered(sort.key, direction)} LIMIT %(limit)s OFFSET %(offset)s",
        params,
    )


def _ordered(key: Sequence[str], direction: str, *, due: bool = False) -> str:
    order = ", ".join(f"{column} {direction}" for column in key)
    return f"due_at IS NULL, {order}" if due else order


def _after(after: Keyset) -> dict[str, Any]:
    values = {f"after_{n}": value for n, value in enumerate(after.values)}
    return {**values, "after_id": after.id}


def _due_page(options: ListOptions, where: list[str], params: dict[str, Any]) -> str:
    """`sort=due_at`, undated tasks last in both orders: the dated tasks in the order of
    idx_tasks_user_due (forward or backward), then the undated ones in id order, each part
    a keyset scan of the index, at most one page (and its offset) read from each."""
    direction, comparison = _DIRECTION[options.order]
    dated = [*where, "due_at IS NOT NULL"]
    undated = [*where, "due_at IS NULL"]
    parts = []
    after = options.after
    if after is not None:
        params.update(_after(after))
    if after is None or after.values[0] is not None:
        if after is not None:
            dated.append(f"(due_at, id) {comparison} (%(after_0)s::timestamptz, %(after_id)s)")
        parts.append(
            f"(SELECT {FIELDS} FROM tasks WHERE {' AND '.join(dated)} "
            f"ORDER BY due_at {direction}, id {direction} LIMIT %(inner)s)"
        )
    elif after is not None:
        undated.append(f"id {comparison} %(after_id)s")
    parts.append(
        f"(SELECT {FIELDS} FROM tasks WHERE {' AND '.join(undated)} "
        f"ORDER BY id {direction} LIMIT %(inner)s)"
    )
    return " UNION ALL ".join(parts)


async def list_tasks(
    tx: Transaction, *, user_id: UUID, options: ListOptions, count: bool = True
) -> TaskPage:
    """Patterns 1 and 2, with every filter and order: a page of a user's tasks and (if
    `count`) the total that match, with the user's tags to name theirs, in one round trip.
    One row past the page is read to tell whether more follow."""
    where, params = _filters(user_id, options)
    total = f"(SELECT count(*) FROM tasks WHERE {' AND '.join(where)}) AS total, " if count else ""
    rows, (about,) = await tx.batch(
        _page_query(options, where, params), (f"SELECT {total}{LABELS}", params)
    )
    return TaskPage(
        rows=labelled(rows[: options.limit], about["labels"]),
        total=about["total"] if count else None,
        more=len(rows) > options.limit,
    )


@dataclass(frozen=True)
class TagChoice:
    """The tags a task is to carry, exactly: by name (matched whatever the case; an unknown
    one is created) and by id (a tag of someone else's, or none, fails the foreign key
    fk_task_tags_tag_id)."""

    names: tuple[str, ...] = ()
    ids: tuple[UUID, ...] = ()


# The due instant: a date at its start and a wall-clock time in the user's zone (as the
# database knows the zone, so a zone change recomputes all-day tasks the same way), or an
# instant as given. The zone is read only when needed (an InitPlan runs on first use).
_DUE_AT = (
    f"CASE WHEN %(due_day)s::date IS NOT NULL THEN %(due_day)s::date::timestamp AT TIME ZONE "
    f"{ZONE} WHEN %(due_local)s::timestamp IS NOT NULL THEN %(due_local)s::timestamp AT TIME "
    f"ZONE {ZONE} ELSE %(due_instant)s::timestamptz END"
)
_THE_TASK = "EXISTS (SELECT FROM tasks WHERE id = %(id)s AND user_id = %(user_id)s)"
_NAMED = (
    "(SELECT tg.id FROM tags tg WHERE tg.user_id = %(user_id)s AND lower(tg.name) IN "
    "(SELECT lower(n) FROM unnest(%(tag_names)s::text[]) AS n))"
)
# Each runs only when the task is the caller's: a write that misses leaves tags alone.
_TAG_STATEMENTS = (
    # New names become tags (the first spelling of a name given twice in other cases wins).
    "INSERT INTO tags (user_id, name) SELECT DISTINCT ON (lower(n)) %(user_id)s, n "
    "FROM unnest(%(tag_names)s::text[]) WITH ORDINALITY AS given(n, i) "
    f"WHERE {_THE_TASK} ORDER BY lower(n), i ON CONFLICT DO NOTHING",
    "DELETE FROM task_tags WHERE task_id = %(id)s AND user_id = %(user_id)s "
    f"AND tag_id NOT IN {_NAMED} AND tag_id <> ALL(%(tag_ids)s::uuid[])",
    "INSERT INTO task_tags (user_id, task_id, tag_id) SELECT %(user_id)s, %(id)s, tag "
    f"FROM ({_NAMED} UNION SELECT unnest(%(tag_ids)s::uuid[])) AS wanted(tag) "
    f"WHERE {_THE_TASK} ON CONFLICT DO NOTHING",
)


def _tag_queries(user_id: UUID, task_id: UUID, tags: TagChoice) -> list[Query]:
    params = {
        "user_id": user_id,
        "id": task_id,
        "tag_names": list(tags.names),
        "tag_ids": list(tags.ids),
    }
    return [(statement, params) for statement in _TAG_STATEMENTS]


def _due_values(due: Due | None) -> tuple[dict[str, str], dict[str, Any]]:
    """The due columns' SQL and its parameters (None: no due date)."""
    if due is None:
        return {"due_at": "NULL", "due_date": "NULL"}, {}
    params = {"due_day": due.day, "due_local": due.local, "due_instant": due.instant}
    return {"due_at": _DUE_AT, "due_date": "%(due_day)s::date"}, params


async def create_task(
    tx: Transaction,
    *,
    user_id: UUID,
    title: str,
    description: str | None,
    due: Due | None = None,
    priority: int = 0,
    tags: TagChoice | None = None,
) -> Row:
    """Pattern 3: insert and return the new row (with its version and tags). With tags, the
    tags and links travel in the same round trip, and the row takes their ids after them."""
    values = {"user_id": "%(user_id)s", "title": "%(title)s", "description": "%(description)s"}
    params: dict[str, Any] = {"user_id": user_id, "title": title, "description": description}
    if due is not None:
        columns, due_params = _due_values(due)
        values.update(columns)
        params.update(due_params)
    if priority:
        values["priority"] = "%(priority)s"
        params["priority"] = priority
    if tags is not None:
        values["id"] = "%(id)s"
        params["id"] = uuid4()
    insert = (
        f"INSERT INTO tasks ({', '.join(values)}) VALUES ({', '.join(values.values())}) "
        f"RETURNING {_ONE}"
    )
    if tags is None:
        row = await tx.fetch_one(insert, params)
    else:
        *_, read = await tx.batch(
            (insert, params),
            *_tag_queries(user_id, params["id"], tags),
            (
                f"UPDATE tasks SET tag_ids = {TAG_IDS} WHERE id = %(id)s "
                f"AND user_id = %(user_id)s RETURNING {_ONE}",
                params,
            ),
        )
        row = read[0] if read else None
    assert row is not None
    return row


async def get_task(tx: Transaction, *, user_id: UUID, task_id: UUID) -> Row | None:
    """One task of the user's (with its version and tags), or None."""
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
    tags: TagChoice | None = None,
) -> Row | None:
    """Pattern 4: set the given fields (title, description, completed, priority, and `due`: a
    Due or None) and, given `tags`, make them the task's tags, in one round trip; None if no
    such task (or, given `versions`, none at one of them): then the tags are left alone."""
    unknown = set(changes) - {*UPDATABLE, "due"}
    if unknown or not (changes or tags):
        raise ValueError(f"cannot update {sorted(unknown) or 'nothing'}")
    assignments = {column: f"%({column})s" for column in UPDATABLE if column in changes}
    params = {**changes, "id": task_id, "user_id": user_id, "versions": _listed(versions)}
    if "due" in changes:
        columns, due_params = _due_values(params.pop("due"))
        assignments.update(columns)
        params.update(due_params)
    assignments["updated_at"] = "now()"
    if tags is not None:
        assignments["tag_ids"] = TAG_IDS  # as the statements before it left task_tags
    update = (
        f"UPDATE tasks SET {', '.join(f'{c} = {v}' for c, v in assignments.items())} "
        f"WHERE {_one_task(versions)} RETURNING {_ONE}"
    )
    if tags is None:
        return await tx.fetch_one(update, params)
    *_, updated = await tx.batch(*_tag_queries(user_id, task_id, tags), (update, params))
    return updated[0] if updated else None


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
