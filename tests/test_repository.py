"""The seven query patterns of SPEC section 3, against real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from todo.db import Database
from todo.tasks import repository as tasks
from todo.tasks.repository import ListOptions

from .helpers import make_task, make_user


async def _backdate(db: Database, task_id: UUID, *, days: int, updated_days: int = 0) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with db.owner_transaction() as tx:
        await tx.execute(
            "UPDATE tasks SET created_at = %s, updated_at = %s WHERE id = %s",
            (now - timedelta(days=days), now - timedelta(days=updated_days), task_id),
        )


@pytest.fixture
async def alice(db: Database) -> UUID:
    """Alice with five tasks: 'e' newest ... 'a' oldest; b and d completed. Bob has one."""
    user = await make_user(db, "alice@example.com")
    for age, (title, done) in enumerate(
        [("e", False), ("D", True), ("c", False), ("b", True), ("a", False)]
    ):
        row = await make_task(db, user, title, done=done)
        await _backdate(db, row["id"], days=age + 1, updated_days=10 - age)
    bob = await make_user(db, "bob@example.com")
    await make_task(db, bob, "bob's")
    return user


async def _titles(db: Database, user: UUID, **options: object) -> tuple[list[str], int]:
    async with db.transaction(user) as tx:
        page = await tasks.list_tasks(tx, user_id=user, options=ListOptions(**options))  # type: ignore[arg-type]
    return [row["title"] for row in page.rows], page.total


async def test_pattern_1_all_tasks_newest_first(db: Database, alice: UUID) -> None:
    assert await _titles(db, alice) == (["e", "D", "c", "b", "a"], 5)


async def test_pattern_2_incomplete_tasks_newest_first(db: Database, alice: UUID) -> None:
    assert await _titles(db, alice, completed=False) == (["e", "c", "a"], 3)
    assert await _titles(db, alice, completed=True) == (["D", "b"], 2)


@pytest.mark.parametrize(
    ("sort", "order", "expected"),
    [
        ("created_at", "asc", ["a", "b", "c", "D", "e"]),
        ("updated_at", "desc", ["a", "b", "c", "D", "e"]),
        ("updated_at", "asc", ["e", "D", "c", "b", "a"]),
        ("title", "asc", ["a", "b", "c", "D", "e"]),
        ("title", "desc", ["e", "D", "c", "b", "a"]),
    ],
)
async def test_listing_sorts(
    db: Database, alice: UUID, sort: str, order: str, expected: list[str]
) -> None:
    assert await _titles(db, alice, sort=sort, order=order) == (expected, 5)


async def test_listing_pages_with_the_full_total(db: Database, alice: UUID) -> None:
    assert await _titles(db, alice, limit=2) == (["e", "D"], 5)
    assert await _titles(db, alice, limit=2, offset=2) == (["c", "b"], 5)
    assert await _titles(db, alice, limit=2, offset=4) == (["a"], 5)
    assert await _titles(db, alice, limit=2, offset=50) == ([], 5)
    assert await _titles(db, alice, completed=False, limit=1, offset=1) == (["c"], 3)


async def test_ties_in_the_sort_key_page_deterministically(db: Database) -> None:
    user = await make_user(db, "tie@example.com")
    ids = set()
    async with db.transaction(user) as tx:  # one transaction: every created_at is equal
        for n in range(7):
            row = await tasks.create_task(tx, user_id=user, title=f"t{n}", description=None)
            ids.add(row["id"])
    seen: list[UUID] = []
    for offset in range(0, 7, 3):
        async with db.transaction(user) as tx:
            page = await tasks.list_tasks(
                tx, user_id=user, options=ListOptions(limit=3, offset=offset)
            )
        seen += [row["id"] for row in page.rows]
    assert len(seen) == 7
    assert set(seen) == ids


async def test_pattern_3_create_returns_the_row(db: Database) -> None:
    user = await make_user(db, "alice@example.com")
    async with db.transaction(user) as tx:
        row = await tasks.create_task(
            tx, user_id=user, title="Write report", description="line one\nline two"
        )
    assert row["user_id"] == user
    assert row["title"] == "Write report"
    assert row["description"] == "line one\nline two"
    assert row["completed"] is False
    assert isinstance(row["id"], UUID)
    assert row["created_at"] == row["updated_at"]
    assert row["created_at"].tzinfo is not None


async def test_pattern_4_partial_update_bumps_updated_at(db: Database, alice: UUID) -> None:
    async with db.transaction(alice) as tx:
        first = (await tasks.list_tasks(tx, user_id=alice, options=ListOptions(limit=1))).rows[0]
        updated = await tasks.update_task(
            tx, user_id=alice, task_id=first["id"], changes={"description": "more"}
        )
    assert updated is not None
    assert updated["title"] == first["title"]
    assert updated["description"] == "more"
    assert updated["completed"] == first["completed"]
    assert updated["updated_at"] > first["updated_at"]
    async with db.transaction(alice) as tx:
        cleared = await tasks.update_task(
            tx,
            user_id=alice,
            task_id=first["id"],
            changes={"description": None, "title": "E", "completed": True},
        )
    assert cleared is not None
    assert (cleared["title"], cleared["description"], cleared["completed"]) == ("E", None, True)


async def test_pattern_4_refuses_columns_outside_the_allowed_three(
    db: Database, alice: UUID
) -> None:
    async with db.transaction(alice) as tx:
        with pytest.raises(ValueError, match="user_id"):
            await tasks.update_task(tx, user_id=alice, task_id=uuid4(), changes={"user_id": 1})
        with pytest.raises(ValueError, match="nothing"):
            await tasks.update_task(tx, user_id=alice, task_id=uuid4(), changes={})


async def test_pattern_5_toggle_flips_and_flips_back(db: Database) -> None:
    user = await make_user(db, "alice@example.com")
    task = await make_task(db, user, "flip")
    async with db.transaction(user) as tx:
        once = await tasks.toggle_task(tx, user_id=user, task_id=task["id"])
    async with db.transaction(user) as tx:
        twice = await tasks.toggle_task(tx, user_id=user, task_id=task["id"])
    assert once is not None
    assert twice is not None
    assert (once["completed"], twice["completed"]) == (True, False)
    assert twice["updated_at"] > once["updated_at"] > task["updated_at"]


async def test_pattern_6_delete(db: Database, alice: UUID) -> None:
    async with db.transaction(alice) as tx:
        first = (await tasks.list_tasks(tx, user_id=alice, options=ListOptions(limit=1))).rows[0]
        assert await tasks.delete_task(tx, user_id=alice, task_id=first["id"]) is True
        assert await tasks.delete_task(tx, user_id=alice, task_id=first["id"]) is False
        assert await tasks.get_task(tx, user_id=alice, task_id=first["id"]) is None
    assert (await _titles(db, alice))[1] == 4


async def test_patterns_4_to_6_are_scoped_by_user(db: Database, alice: UUID) -> None:
    bob = await make_user(db, "robert@example.com")
    async with db.transaction(alice) as tx:
        task_id = (await tasks.list_tasks(tx, user_id=alice, options=ListOptions())).rows[0]["id"]
    async with db.transaction(bob) as tx:
        assert await tasks.get_task(tx, user_id=bob, task_id=task_id) is None
        assert (
            await tasks.update_task(tx, user_id=bob, task_id=task_id, changes={"title": "mine now"})
            is None
        )
        assert await tasks.toggle_task(tx, user_id=bob, task_id=task_id) is None
        assert await tasks.delete_task(tx, user_id=bob, task_id=task_id) is False
    # Even naming Alice as the owner does not help: row-level security hides her rows from Bob.
    async with db.transaction(bob) as tx:
        assert await tasks.get_task(tx, user_id=alice, task_id=task_id) is None
        assert await tasks.delete_task(tx, user_id=alice, task_id=task_id) is False
    assert (await _titles(db, alice))[1] == 5


async def test_pattern_7_counts_by_status(db: Database, alice: UUID) -> None:
    async with db.transaction(alice) as tx:
        counts = await tasks.count_tasks(tx, user_id=alice)
    assert (counts.total, counts.completed, counts.active) == (5, 2, 3)
    nobody = await make_user(db, "empty@example.com")
    async with db.transaction(nobody) as tx:
        empty = await tasks.count_tasks(tx, user_id=nobody)
    assert (empty.total, empty.completed, empty.active) == (0, 0, 0)
