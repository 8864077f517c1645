"""Keyset pages and saved preferences, at the service and SQL level."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import psycopg
import pytest

from todo.db import Database
from todo.tasks import repository as tasks
from todo.web import listing
from todo.web import repository as web_sql
from todo.web import tasks as web_tasks

from ..helpers import make_user

ORDERINGS = [
    listing.Ordering(sort, order) for sort in listing.SORT_FIELDS for order in listing.SORT_ORDERS
]


async def _many(db: Database, user_id: UUID) -> None:
    # Equal timestamps and titles differing only in case: ties the keyset must break by id.
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with db.owner_transaction() as tx:
        for n in range(23):
            stamp = start + timedelta(minutes=n // 3)
            await tx.execute(
                "INSERT INTO tasks (user_id, title, completed, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, %s)",
                (user_id, ["apple", "Apple", "banana", f"t{n}"][n % 4], n % 2 == 0, stamp, stamp),
            )


@pytest.mark.parametrize("ordering", ORDERINGS, ids=lambda o: f"{o.sort}-{o.order}")
@pytest.mark.parametrize("view", listing.FILTERS)
async def test_pages_cover_the_list_exactly_once_in_order(
    db: Database, ordering: listing.Ordering, view: listing.Filter
) -> None:
    alice = await make_user(db, "alice@example.com")
    await _many(db, alice)
    seen: list[UUID] = []
    after = None
    while True:
        page = await web_tasks.load_list(
            db, user_id=alice, view=view, ordering=ordering, remember=False, after=after, limit=4
        )
        seen += [row["id"] for row in page.items]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    options = tasks.ListOptions(
        completed=listing.completed_for(view), sort=ordering.sort, order=ordering.order, limit=100
    )
    async with db.transaction(alice) as tx:
        expected = await tasks.list_tasks(tx, user_id=alice, options=options)
    assert seen == [row["id"] for row in expected.rows]


async def test_a_mangled_cursor_starts_from_the_top(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    await _many(db, alice)
    first = await web_tasks.load_list(
        db, user_id=alice, view="all", ordering=None, remember=False, after=None, limit=5
    )
    mangled = await web_tasks.load_list(
        db, user_id=alice, view="all", ordering=None, remember=False, after="%%bad", limit=5
    )
    assert [r["id"] for r in mangled.items] == [r["id"] for r in first.items]


async def test_preferences_are_each_users_own(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    chosen = listing.Ordering("title", "asc")
    await web_tasks.load_list(
        db, user_id=alice, view="all", ordering=chosen, remember=True, after=None, limit=1
    )
    for_bob = await web_tasks.load_list(
        db, user_id=bob, view="all", ordering=None, remember=False, after=None, limit=1
    )
    for_alice = await web_tasks.load_list(
        db, user_id=alice, view="all", ordering=None, remember=False, after=None, limit=1
    )
    assert for_bob.ordering == listing.Ordering()
    assert for_alice.ordering == chosen
    # Row-level security: even without a WHERE clause Bob sees no row but his own, and
    # cannot write one for Alice.
    async with db.transaction(bob) as tx:
        assert await tx.fetch_all("SELECT * FROM user_preferences") == []
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        async with db.transaction(bob) as tx:
            await web_sql.save_sort_preference(tx, user_id=alice, sort="title", order="desc")
