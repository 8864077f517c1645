"""Query plans of issue 11's filters, sorts and search, with 100,000 tasks for one user.

Each listing runs for real while a wrapper EXPLAINs the exact statements it sends (as in
tests/test_plans.py): the search reads its GIN index, and no listing (page or total) scans the
tasks table.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import psycopg
import pytest
import pytest_asyncio

from todo.db import Database, with_database
from todo.seeding import repository as seeding
from todo.tasks import service
from todo.tasks.repository import ListOptions

from .conftest import create_database, drop_database
from .test_plans import Explaining, _indexes_used, _seq_scans_of_tasks, heavy_among_others

SEARCH_INDEX = {name: sql for name, _, sql in seeding.BULK_STRUCTURES}["idx_tasks_search"]

HEAVY_TASKS = 100_000
# Others hold twice the heavy user's tasks (on a real server, far more): the heavy user's
# tasks are not most of the table, where reading all of it would be the better plan.
OTHER_USERS = 2000
TASKS_PER_OTHER_USER = 100
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


@dataclass(frozen=True)
class Loaded:
    db: Database
    heavy: UUID


_WORDS = "ARRAY['Call', 'Buy', 'Write', 'Fix', 'Plan', 'Clean', 'Read', 'Pay']"
# Due dates over three years around NOW (a quarter undated, an eighth all day), priorities
# spread evenly, a few tasks mention the dentist.
_TASKS = f"""
INSERT INTO tasks (user_id, title, description, completed, created_at, due_at, due_date, priority)
SELECT %(user)s,
       CASE WHEN n %% 5000 = 0 THEN 'Call the dentist' ELSE
           ({_WORDS})[1 + n %% 8] || ' ' || substr(md5(n::text), 1, 6) END,
       'notes ' || substr(md5((n * 7)::text), 1, 8),
       n %% 3 = 0,
       %(now)s::timestamptz - n * interval '1 minute',
       CASE WHEN n %% 4 = 0 THEN NULL
            WHEN n %% 8 = 1 THEN ('2025-12-01'::date + n %% 1100)::timestamp AT TIME ZONE 'UTC'
            ELSE %(now)s::timestamptz + (n %% 1100 - 365) * interval '1 day' + n * interval '1 s'
       END,
       CASE WHEN n %% 8 = 1 THEN '2025-12-01'::date + n %% 1100 END,
       n %% 4
FROM generate_series(1, %(count)s) AS n
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def loaded(server_url: str, template_db: str) -> AsyncIterator[Loaded]:
    name = create_database(server_url, template=template_db)
    url = with_database(server_url, name)
    db = Database(url, pool_size=1, max_overflow=1, pool_timeout=30)
    try:
        await db.open()
        async with db.owner_transaction() as tx:
            # Bulk loading: the search index is built once, after the rows are in.
            await tx.execute("DROP INDEX idx_tasks_search")
            heavy = await heavy_among_others(tx, others=OTHER_USERS, tasks=TASKS_PER_OTHER_USER)
            await tx.execute(_TASKS, {"user": heavy, "now": NOW, "count": HEAVY_TASKS})
            await tx.execute(SEARCH_INDEX)
            await tx.execute(
                "INSERT INTO tags (user_id, name) SELECT %s, 'tag' || n "
                "FROM generate_series(0, 19) AS n",
                (heavy,),
            )
            # A task carries one tag on average: tag0 is on one task in 500, tag19 on 1 in 10.
            await tx.execute(
                "INSERT INTO task_tags (user_id, task_id, tag_id) "
                "SELECT t.user_id, t.id, g.id FROM tasks t JOIN tags g ON g.user_id = t.user_id "
                "WHERE t.user_id = %s AND (hashtext(t.id::text || g.name) & 1023) "
                "< 2 + 5 * substr(g.name, 4)::int",
                (heavy,),
            )
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE users, tasks, tags, task_tags")
        assert isinstance(heavy, UUID)
        yield Loaded(db, heavy)
    finally:
        await db.close()
        drop_database(server_url, name)


async def _plans(loaded: Loaded, options: ListOptions, cursor: str | None = None) -> list[Any]:
    async with loaded.db.transaction(loaded.heavy) as tx:
        explaining = Explaining(tx)
        await service.list_tasks(explaining, user_id=loaded.heavy, options=options, cursor=cursor)
    return explaining.plans


def _search(text: str, **options: Any) -> ListOptions:
    return ListOptions(search=service.search_query(text), **options)


LISTINGS = {
    "search": _search("dent"),
    "search-two-words": _search("call dent"),
    "search-by-due": _search("dent", sort="due_at", order="asc"),
    "search-open": _search("dent", completed=False),
    "due-asc": ListOptions(sort="due_at", order="asc"),
    "due-desc": ListOptions(sort="due_at", order="desc"),
    "due-open": ListOptions(sort="due_at", order="asc", completed=False),
    "priority-desc": ListOptions(sort="priority", order="desc"),
    "priority-asc": ListOptions(sort="priority", order="asc"),
    "priority-filter": ListOptions(priority=3),
    "priority-filter-open": ListOptions(priority=1, completed=False),
    "due-before-date": ListOptions(due_before=date(2026, 1, 1)),
    "due-after-instant": ListOptions(due_after=NOW, sort="due_at", order="asc"),
    "today": service.today_options("Pacific/Kiritimati", now=NOW),
    "upcoming": service.upcoming_options("America/New_York", now=NOW),
    "overdue": ListOptions(overdue=True, now=NOW),
    "not-overdue": ListOptions(overdue=False, now=NOW),
    "rare-tag": ListOptions(tags=("tag0",)),
    "common-tag": ListOptions(tags=("tag19",)),
    "two-tags-by-due": ListOptions(tags=("tag0", "tag5"), sort="due_at", order="asc"),
    # (by the pattern of the data, no "Call" task has a due date)
    "everything": _search("call", tags=("tag19",), priority=0, completed=False),
}


@pytest.mark.parametrize("options", LISTINGS.values(), ids=LISTINGS.keys())
@pytest.mark.parametrize("deep", [False, True], ids=["first-page", "cursor-page"])
async def test_no_listing_scans_the_tasks_table(
    loaded: Loaded, options: ListOptions, deep: bool
) -> None:
    cursor = None
    if deep:
        async with loaded.db.transaction(loaded.heavy) as tx:
            first = await service.list_tasks(
                tx, user_id=loaded.heavy, options=replace(options, limit=1), count=False
            )
        cursor = first.next_cursor
        options = replace(options, limit=1)
        if cursor is None:
            raise AssertionError("each listing here has more than one page")
    plans = await _plans(loaded, options, cursor)
    assert len(plans) == 2  # the page, and its total (with the names of the tags)
    for plan in plans:
        assert _seq_scans_of_tasks(plan) == [], plan


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(node for child in plan.get("Plans", []) for node in _nodes(child))]


@pytest.mark.parametrize("text", ["dent", "dentist", "call dentist", "DENTIST", "dentíst"])
async def test_the_search_reads_its_index(loaded: Loaded, text: str) -> None:
    """The listing takes the caller's matches from tasks_matching() (row-level security keeps
    the runtime role itself from searching through the index: see migration 009), whose
    statement, planned as it runs (the function's owner, the caller's identity), reads the
    GIN index."""
    query = service.search_query(text)
    for plan in await _plans(loaded, ListOptions(search=query)):
        functions = [
            n.get("Function Name") for n in _nodes(plan) if n["Node Type"] == "Function Scan"
        ]
        assert "tasks_matching" in functions, plan
    async with loaded.db.owner_transaction() as tx:
        await tx.execute("SELECT set_config('app.current_user_id', %s, true)", (str(loaded.heavy),))
        body, definer = (
            await tx.fetch_one(
                "SELECT prosrc, prosecdef FROM pg_proc WHERE proname = 'tasks_matching'"
            )
            or {}
        ).values()
        statement = body.replace("$1", "to_tsquery('simple', tasks_search_fold(%s::text))")
        (row,) = await tx.fetch_all(f"EXPLAIN (FORMAT JSON) {statement}", (query,))
    plan = row["QUERY PLAN"][0]["Plan"]
    assert definer is True
    assert "idx_tasks_search" in _indexes_used(plan), plan
    assert _seq_scans_of_tasks(plan) == [], plan
    async with loaded.db.transaction(loaded.heavy) as tx:
        found = await service.list_tasks(
            tx, user_id=loaded.heavy, options=ListOptions(search=query)
        )
    assert found.total == HEAVY_TASKS // 5000
    assert {row["title"] for row in found.rows} == {"Call the dentist"}
