"""Query plans at a realistic skew: a few hundred users, one of them with 20,000 tasks.

Each repository function runs for real while a wrapper EXPLAINs the exact statements it sends.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from uuid import UUID

import psycopg
import pytest

from todo.db import Database, Query, Transaction
from todo.tasks import repository as tasks
from todo.tasks.repository import ListOptions, SortField, SortOrder

HEAVY_TASKS = 20_000
OTHER_USERS = 300
TASKS_PER_OTHER_USER = 30


class Explaining(Transaction):
    """A transaction that records the plan of every statement before running it."""

    def __init__(self, inner: Transaction) -> None:
        self._inner = inner
        self.plans: list[dict[str, Any]] = []

    async def _send(self, queries: list[Query]) -> list[Any]:
        for query, params in queries:
            rows = await self._inner.fetch_all("EXPLAIN (FORMAT JSON) " + query, params)
            self.plans.append(rows[0]["QUERY PLAN"][0]["Plan"])
        return await self._inner._send(queries)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _seq_scans_of_tasks(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        n for n in _nodes(plan) if n["Node Type"] == "Seq Scan" and n["Relation Name"] == "tasks"
    ]


def _indexes_used(plan: dict[str, Any]) -> set[str]:
    return {n["Index Name"] for n in _nodes(plan) if "Index Name" in n}


def _task_indexes_used(plan: dict[str, Any]) -> set[str]:
    """The indexes read for `tasks` itself (a task's tags come by a subquery of their own)."""
    return {
        n["Index Name"]
        for n in _nodes(plan)
        if "Index Name" in n and n.get("Relation Name") == "tasks"
    }


async def heavy_among_others(tx: Transaction, *, others: int, tasks: int) -> UUID:
    """`others` users with `tasks` tasks each, and a heavy user (no tasks yet): its id."""
    await tx.execute(
        "INSERT INTO users (email) SELECT 'user' || n || '@example.com' "
        "FROM generate_series(1, %s) AS n",
        (others,),
    )
    heavy = await tx.fetch_value(
        "INSERT INTO users (email) VALUES ('heavy@example.com') RETURNING id"
    )
    await tx.execute(
        "INSERT INTO tasks (user_id, title, completed, created_at) "
        "SELECT u.id, 'task ' || n, n %% 3 = 0, now() - n * interval '1 minute' "
        "FROM users u CROSS JOIN generate_series(1, %s) AS n WHERE u.id <> %s",
        (tasks, heavy),
    )
    assert isinstance(heavy, UUID)
    return heavy


@pytest.fixture
async def heavy_user(db: Database, database_url: str) -> UUID:
    async with db.owner_transaction() as tx:
        heavy = await heavy_among_others(tx, others=OTHER_USERS, tasks=TASKS_PER_OTHER_USER)
        await tx.execute(
            "INSERT INTO tasks (user_id, title, description, completed, created_at) "
            "SELECT %s, 'heavy ' || n, repeat('words ', 20), n %% 3 = 0, "
            "now() - n * interval '1 second' FROM generate_series(1, %s) AS n",
            (heavy, HEAVY_TASKS),
        )
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE users, tasks")
    assert isinstance(heavy, UUID)
    return heavy


async def _explain(db: Database, user: UUID, call: Any) -> list[dict[str, Any]]:
    async with db.transaction(user) as tx:
        explaining = Explaining(tx)
        await call(explaining)
    return explaining.plans


def _sorts(plan: dict[str, Any]) -> list[str]:
    """The sorts in choosing the listing's rows: the part of the plan that picks the page
    (CTE `page`), not the tags added to its rows afterwards (ordered by name, which
    PostgreSQL 16 and later plan as a Sort of their own)."""
    pages = [n for n in _nodes(plan) if n.get("Subplan Name") == "CTE page"]
    return [
        n["Node Type"] for n in _rows_nodes(pages[0] if pages else plan) if "Sort" in n["Node Type"]
    ]


def _rows_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        if child.get("Parent Relationship") != "SubPlan":
            yield from _rows_nodes(child)


async def _page_plans(db: Database, user: UUID, options: ListOptions) -> list[dict[str, Any]]:
    async def call(tx: Transaction) -> None:
        page = await tasks.list_tasks(tx, user_id=user, options=options)
        assert len(page.rows) == options.limit

    return await _explain(db, user, call)


@pytest.mark.parametrize(
    "options",
    [
        ListOptions(),
        ListOptions(completed=False),
        ListOptions(completed=True),
        ListOptions(completed=False, limit=100, offset=500),
        ListOptions(sort="updated_at"),
    ],
    ids=["pattern-1", "pattern-2", "completed", "pattern-2-page-6", "updated"],
)
async def test_listing_a_heavy_user_never_scans_the_table(
    db: Database, heavy_user: UUID, options: ListOptions
) -> None:
    plans = await _page_plans(db, heavy_user, options)
    assert len(plans) == 2  # the page, and its total (with the names of the tags)
    for plan in plans:
        assert _seq_scans_of_tasks(plan) == [], plan
        assert _indexes_used(plan), plan


# Migration 008: each of these listings reads its page straight from an index in its order (no
# sort of the user's tasks), first pages and cursor pages alike, both directions. A filtered
# listing may walk the unfiltered index and skip the other status (the planner's choice when
# most tasks have the status asked for), or the filtered one, whose equal timestamps are then
# put in id order (an incremental sort of a few rows).
_FILTERED = {"idx_tasks_user_completed_created", "idx_tasks_user_created"}
SERVED = [
    ("created_at", "desc", None, {"idx_tasks_user_created"}),
    ("created_at", "asc", None, {"idx_tasks_user_created"}),
    ("updated_at", "desc", None, {"idx_tasks_user_updated"}),
    ("updated_at", "asc", None, {"idx_tasks_user_updated"}),
    ("created_at", "desc", False, _FILTERED),
    ("created_at", "desc", True, _FILTERED),
]


@pytest.mark.parametrize(("sort", "order", "completed", "indexes"), SERVED)
@pytest.mark.parametrize("deep", [False, True], ids=["first-page", "cursor-page"])
async def test_each_listing_order_reads_its_own_index(
    db: Database,
    heavy_user: UUID,
    sort: SortField,
    order: SortOrder,
    completed: bool | None,
    indexes: set[str],
    deep: bool,
) -> None:
    options = ListOptions(completed=completed, sort=sort, order=order, limit=50)
    if deep:  # where the cursor of page 200 points
        async with db.transaction(heavy_user) as tx:
            skip = replace(options, limit=1, offset=HEAVY_TASKS // 4)
            (row,) = (await tasks.list_tasks(tx, user_id=heavy_user, options=skip)).rows
        options = replace(options, after=tasks.keyset_of(row, sort))
    page_plan, _ = await _page_plans(db, heavy_user, options)
    used = _task_indexes_used(page_plan)
    assert len(used) == 1, page_plan
    assert used <= indexes, page_plan
    assert "Sort" not in _sorts(page_plan), page_plan
    if completed is None:
        assert _sorts(page_plan) == [], page_plan


async def test_pattern_7_counting_never_scans_the_table(db: Database, heavy_user: UUID) -> None:
    async def call(tx: Transaction) -> None:
        counts = await tasks.count_tasks(tx, user_id=heavy_user)
        assert counts.total == HEAVY_TASKS

    (plan,) = await _explain(db, heavy_user, call)
    assert _seq_scans_of_tasks(plan) == [], plan
    assert _indexes_used(plan) & {"idx_tasks_user_completed", "idx_tasks_user_completed_created"}


@pytest.mark.parametrize("pattern", ["get", "update", "toggle", "delete"])
async def test_patterns_4_to_6_use_the_primary_key(
    db: Database, heavy_user: UUID, pattern: str
) -> None:
    async with db.transaction(heavy_user) as tx:
        task_id = (
            await tasks.list_tasks(tx, user_id=heavy_user, options=ListOptions(limit=1))
        ).rows[0]["id"]
    calls = {
        "get": lambda tx: tasks.get_task(tx, user_id=heavy_user, task_id=task_id),
        "update": lambda tx: tasks.update_task(
            tx, user_id=heavy_user, task_id=task_id, changes={"title": "renamed"}
        ),
        "toggle": lambda tx: tasks.toggle_task(tx, user_id=heavy_user, task_id=task_id),
        "delete": lambda tx: tasks.delete_task(tx, user_id=heavy_user, task_id=task_id),
    }
    (plan,) = await _explain(db, heavy_user, calls[pattern])
    assert _task_indexes_used(plan) == {"pk_tasks"}, plan
    assert _seq_scans_of_tasks(plan) == []
