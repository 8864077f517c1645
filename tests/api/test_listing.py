"""Listing: filters, orderings and pages return the right rows, in the right order, with the
right total (and never another user's)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from .conftest import Shared
from .support import assert_success

pytestmark = pytest.mark.asyncio(loop_scope="module")

START = datetime(2024, 1, 1, tzinfo=UTC)
# title, created (minutes after START), updated (minutes after START), completed
ALICE = [
    ("banana", 1, 50, False),
    ("Apple", 2, 10, True),
    ("cherry", 3, 30, False),
    ("Date", 4, 20, True),
    ("eggplant", 5, 60, False),
    ("fig", 6, 40, False),
    ("grape", 7, 7, True),
]
BOB = [("bob only", 3, 3, False), ("bob done", 8, 8, True)]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def listed(shared: Shared) -> Shared:
    """Alice's and Bob's tasks, with chosen timestamps (inserted past the API)."""
    async with shared.db.owner_transaction() as tx:
        for user, rows in ((shared.alice, ALICE), (shared.bob, BOB)):
            for title, created, updated, completed in rows:
                await tx.execute(
                    "INSERT INTO tasks (user_id, title, completed, created_at, updated_at) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    (
                        user.id,
                        title,
                        completed,
                        START + timedelta(minutes=created),
                        START + timedelta(minutes=updated),
                    ),
                )
    return shared


def expected(
    *, completed: bool | None = None, sort: str = "created_at", order: str = "desc"
) -> list[str]:
    """Alice's titles as the API should list them."""
    rows = [row for row in ALICE if completed is None or row[3] is completed]
    key = {
        "created_at": lambda row: row[1],
        "updated_at": lambda row: row[2],
        "title": lambda row: row[0].lower(),
    }[sort]
    return [row[0] for row in sorted(rows, key=key, reverse=order == "desc")]


async def listing(shared: Shared, **params: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    user = shared.alice
    response = await shared.client.get(user.tasks_url(), params=params, headers=user.auth)
    data = assert_success(response, 200)
    return data, response.json()["meta"]


async def test_default_is_newest_first(listed: Shared) -> None:
    data, meta = await listing(listed)
    assert [task["title"] for task in data] == expected()
    assert (meta["total"], meta["limit"], meta["offset"]) == (len(ALICE), 50, 0)
    assert data[0]["created_at"] == "2024-01-01T00:07:00Z"


@pytest.mark.parametrize("sort", ["created_at", "updated_at", "title"])
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_orderings(listed: Shared, sort: str, order: str) -> None:
    data, meta = await listing(listed, sort=sort, order=order)
    assert [task["title"] for task in data] == expected(sort=sort, order=order)
    assert meta["total"] == len(ALICE)


@pytest.mark.parametrize(("value", "completed"), [("true", True), ("false", False), ("1", True)])
async def test_completed_filter(listed: Shared, value: str, completed: bool) -> None:
    data, meta = await listing(listed, completed=value)
    titles = expected(completed=completed)
    assert [task["title"] for task in data] == titles
    assert {task["completed"] for task in data} == {completed}
    assert meta["total"] == len(titles)


async def test_pages_cover_the_listing_once(listed: Shared) -> None:
    pages = []
    for offset in (0, 3, 6, 9):
        data, meta = await listing(listed, sort="title", order="asc", limit=3, offset=offset)
        assert (meta["total"], meta["limit"], meta["offset"]) == (len(ALICE), 3, offset)
        pages.append([task["title"] for task in data])
    assert pages == [
        ["Apple", "banana", "cherry"],
        ["Date", "eggplant", "fig"],
        ["grape"],
        [],
    ]


async def test_filter_order_and_page_combined(listed: Shared) -> None:
    data, meta = await listing(
        listed, completed="false", sort="updated_at", order="asc", limit=2, offset=1
    )
    assert [task["title"] for task in data] == expected(completed=False, sort="updated_at")[::-1][
        1:3
    ]
    assert meta["total"] == 4


async def test_each_user_lists_only_their_own(listed: Shared) -> None:
    user = listed.bob
    response = await listed.client.get(user.tasks_url(), headers=user.auth)
    data = assert_success(response, 200)
    assert [task["title"] for task in data] == ["bob done", "bob only"]
    assert response.json()["meta"]["total"] == 2
