"""Keyset pages of the task list: `cursor` in, `meta.next_cursor` out.

Walking by cursor gives exactly the offset listing for every filter and ordering, stays exact
while tasks are added and deleted meanwhile, refuses anything but a cursor made for the same
listing, and never reaches past the caller's own tasks.
"""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio

from ..helpers import make_user
from .conftest import Shared
from .support import User, assert_error, assert_success

pytestmark = pytest.mark.asyncio(loop_scope="module")

START = datetime(2025, 6, 1, tzinfo=UTC)
TASKS = 23
ORDERINGS = [
    (sort, order) for sort in ("created_at", "updated_at", "title") for order in ("asc", "desc")
]
FILTERS: list[dict[str, str]] = [{}, {"completed": "true"}, {"completed": "false"}]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def listed(shared: Shared) -> Shared:
    """Alice's tasks with ties the keyset must break by id: equal timestamps in threes and
    titles that differ only in case. Bob has a few of his own."""
    async with shared.db.owner_transaction() as tx:
        for n in range(TASKS):
            stamp = START + timedelta(minutes=n // 3)
            await tx.execute(
                "INSERT INTO tasks (user_id, title, completed, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, %s)",
                (
                    shared.alice.id,
                    ["apple", "Apple", "banana", f"t{n}"][n % 4],
                    n % 2 == 0,
                    stamp,
                    stamp + timedelta(minutes=(n * 7) % 5),
                ),
            )
        for n in range(3):
            await tx.execute(
                "INSERT INTO tasks (user_id, title) VALUES (%s, %s)", (shared.bob.id, f"bob {n}")
            )
    return shared


async def page(shared: Shared, user: User, **params: Any) -> tuple[list[dict[str, Any]], Any]:
    response = await shared.client.get(user.tasks_url(), params=params, headers=user.auth)
    data = assert_success(response, 200)
    return data, response.json()["meta"]


async def walk(shared: Shared, user: User, **params: Any) -> list[dict[str, Any]]:
    """Every task of the listing, page by page through `next_cursor`."""
    seen: list[dict[str, Any]] = []
    data, meta = await page(shared, user, **params)
    while True:
        seen += data
        if meta["next_cursor"] is None:
            return seen
        data, meta = await page(shared, user, **params, cursor=meta["next_cursor"])


def token(fields: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")


@pytest.mark.parametrize("query", FILTERS, ids=["all", "done", "open"])
@pytest.mark.parametrize(("sort", "order"), ORDERINGS, ids=lambda value: value)
async def test_cursor_pages_walk_exactly_the_offset_listing(
    listed: Shared, query: dict[str, str], sort: str, order: str
) -> None:
    params = {**query, "sort": sort, "order": order}
    everything, meta = await page(listed, listed.alice, **params, limit=100)
    assert meta["next_cursor"] is None  # one page holds it all
    walked = await walk(listed, listed.alice, **params, limit=4)
    assert [task["id"] for task in walked] == [task["id"] for task in everything]
    assert len(everything) == meta["total"] > 4


async def test_meta_keeps_its_fields_and_adds_next_cursor(listed: Shared) -> None:
    _, first = await page(listed, listed.alice, limit=5)
    assert set(first) == {"timestamp", "total", "limit", "offset", "next_cursor"}
    assert (first["total"], first["limit"], first["offset"]) == (TASKS, 5, 0)
    assert isinstance(first["next_cursor"], str)
    data, second = await page(listed, listed.alice, limit=5, cursor=first["next_cursor"])
    assert (len(data), second["total"], second["offset"]) == (5, TASKS, 0)
    # An offset page also says where the next one starts, and the last page that none does.
    data, by_offset = await page(listed, listed.alice, limit=5, offset=20)
    assert len(data) == 3
    assert by_offset["next_cursor"] is None
    _, before_last = await page(listed, listed.alice, limit=5, offset=15)
    last, _ = await page(listed, listed.alice, limit=5, cursor=before_last["next_cursor"])
    assert [task["id"] for task in last] == [task["id"] for task in data]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "%%%",
        "e30",  # {} in base64
        token([1, 2, 3]),
        token(["created_at", "desc", None, ["not a time"], str(uuid4()), ""]),
        token(["created_at", "desc", None, ["2025-06-01T00:00:00"], str(uuid4()), ""]),  # no offset
        token(["created_at", "desc", None, ["0000-01-01T00:00:00+00:00"], str(uuid4()), ""]),
        token(["created_at", "desc", None, ["2025-06-01T00:00:00+00:00"], "not-a-uuid", ""]),
        token(["created_at", "desc", None, [12], str(uuid4()), ""]),
        token(["created_at", "desc", None, [], str(uuid4()), ""]),  # no value
        token(["created_at", "desc", None, "2025-06-01T00:00:00+00:00", str(uuid4()), ""]),
        token(["sideways", "desc", None, ["2025-06-01T00:00:00+00:00"], str(uuid4()), ""]),
        token(["priority", "desc", None, [7, "2025-06-01T00:00:00+00:00"], str(uuid4()), ""]),
        token(["due_at", "desc", None, [None, None], str(uuid4()), ""]),
        token(["created_at", "desc", None, ["2025-06-01T00:00:00+00:00"], str(uuid4()), 5]),
        token(["created_at", "desc", None, ["2025-06-01T00:00:00+00:00"], str(uuid4())]),  # old
        token({"sort": "created_at"}),
        "A" * 3000,
    ],
)
async def test_a_malformed_cursor_is_refused(listed: Shared, cursor: str) -> None:
    response = await listed.client.get(
        listed.alice.tasks_url(), params={"cursor": cursor}, headers=listed.alice.auth
    )
    error = assert_error(response, 400, "INVALID_PARAMETER")
    assert "cursor" in error["details"]


async def test_a_tampered_cursor_is_refused(listed: Shared) -> None:
    _, meta = await page(listed, listed.alice, limit=2)
    raw = base64.urlsafe_b64decode(meta["next_cursor"] + "==")
    tampered = base64.urlsafe_b64encode(raw.replace(b'"', b"'", 1)).decode().rstrip("=")
    response = await listed.client.get(
        listed.alice.tasks_url(), params={"cursor": tampered}, headers=listed.alice.auth
    )
    assert_error(response, 400, "INVALID_PARAMETER")


@pytest.mark.parametrize(
    "other",
    [{"sort": "title"}, {"order": "asc"}, {"completed": "false"}],
    ids=["sort", "order", "filter"],
)
async def test_a_cursor_of_another_listing_is_refused(
    listed: Shared, other: dict[str, str]
) -> None:
    _, meta = await page(listed, listed.alice, limit=2)
    response = await listed.client.get(
        listed.alice.tasks_url(),
        params={**other, "cursor": meta["next_cursor"]},
        headers=listed.alice.auth,
    )
    error = assert_error(response, 400, "INVALID_PARAMETER")
    assert "made for" in error["details"]["cursor"][0]


async def test_cursor_and_offset_together_are_refused(listed: Shared) -> None:
    _, meta = await page(listed, listed.alice, limit=2)
    for offset in ("0", "2"):
        response = await listed.client.get(
            listed.alice.tasks_url(),
            params={"cursor": meta["next_cursor"], "offset": offset},
            headers=listed.alice.auth,
        )
        error = assert_error(response, 400, "INVALID_PARAMETER")
        assert "offset" in error["details"]["cursor"][0]


async def test_a_cursor_never_reaches_another_users_tasks(listed: Shared) -> None:
    alice, bob = listed.alice, listed.bob
    _, meta = await page(listed, alice, limit=2)
    # Alice's cursor in Bob's hands positions a page in Bob's own list, nothing more.
    data, bob_meta = await page(listed, bob, cursor=meta["next_cursor"])
    assert {task["user_id"] for task in data} <= {str(bob.id)}
    assert bob_meta["total"] == 3
    # Nor does a cursor forged from one of Alice's task ids and timestamps.
    first, _ = await page(listed, alice, limit=1)
    forged = token(["created_at", "desc", None, ["9999-01-01T00:00:00+00:00"], first[0]["id"], ""])
    data, _ = await page(listed, bob, cursor=forged)
    assert sorted(task["title"] for task in data) == ["bob 0", "bob 1", "bob 2"]
    # And Alice's own listing is unchanged by it.
    assert len(await walk(listed, alice, limit=7)) == TASKS


@pytest.mark.parametrize(
    ("sort", "order"), [("created_at", "desc"), ("created_at", "asc"), ("title", "asc")]
)
async def test_pages_stay_exact_while_tasks_come_and_go(
    listed: Shared, sort: str, order: str
) -> None:
    """Another connection inserts newer tasks and deletes ones not yet seen while the pages are
    walked: every task that existed throughout is seen exactly once, and none twice."""
    carol = User(await make_user(listed.db, f"carol-{uuid4()}@example.com"), "carol")
    async with listed.db.owner_transaction() as tx:
        rows = await tx.fetch_all(
            "INSERT INTO tasks (user_id, title, created_at) "
            "SELECT %s, 'task ' || n, now() - n * interval '1 second' "
            "FROM generate_series(1, 120) AS n RETURNING id",
            (carol.id,),
        )
    ids = [str(row["id"]) for row in rows]
    doomed = set(ids[1::4])
    seen: list[str] = []

    async def meddle() -> None:
        """One step of the other connection: three newer tasks, two unseen ones deleted."""
        async with listed.db.owner_transaction() as tx:
            await tx.execute(
                "INSERT INTO tasks (user_id, title) SELECT %s, 'new ' || n "
                "FROM generate_series(1, 3) AS n",
                (carol.id,),
            )
            unseen = sorted(doomed - set(seen))[:2]
            await tx.execute("DELETE FROM tasks WHERE id = ANY(%s::uuid[])", (unseen,))

    params: dict[str, Any] = {"sort": sort, "order": order, "limit": 7}
    pages = 0
    while True:  # each page is fetched while the other connection changes the list
        (data, meta), _ = await asyncio.gather(page(listed, carol, **params), meddle())
        seen.extend(task["id"] for task in data)
        pages += 1
        if meta["next_cursor"] is None:
            break
        params["cursor"] = meta["next_cursor"]
    assert pages > 10
    assert len(seen) == len(set(seen))
    stable = set(ids) - doomed
    assert stable <= set(seen)
    assert doomed - set(seen)  # some were deleted before the walk reached them
