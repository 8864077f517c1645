"""Rules the database itself enforces: the title check, cascades, updated_at upkeep."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from todo.db import Database
from todo.errors import ValidationFailed

from .helpers import make_task, make_user


@pytest.mark.parametrize("title", ["", " ", "   ", "\t", "\n", " \t\r\n "])
async def test_blank_titles_are_refused_by_the_database(db: Database, title: str) -> None:
    alice = await make_user(db, "alice@example.com")
    with pytest.raises(psycopg.errors.CheckViolation, match="chk_title_not_empty"):
        async with db.owner_transaction() as tx:
            await tx.execute("INSERT INTO tasks (user_id, title) VALUES (%s, %s)", (alice, title))


async def test_titles_longer_than_200_characters_are_refused(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    await make_task(db, alice, "x" * 200)
    # The database refuses it; the unit of work reports that as the client's mistake (400).
    with pytest.raises(ValidationFailed) as refused:
        await make_task(db, alice, "x" * 201)
    assert isinstance(refused.value.__cause__, psycopg.errors.StringDataRightTruncation)


async def test_blank_title_updates_are_refused(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    task = await make_task(db, alice, "fine")
    with pytest.raises(psycopg.errors.CheckViolation):
        async with db.transaction(alice) as tx:
            await tx.execute("UPDATE tasks SET title = ' ' WHERE id = %s", (task["id"],))


async def test_deleting_a_user_deletes_their_tasks_only(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    for title in ("a", "b", "c"):
        await make_task(db, alice, title)
    await make_task(db, bob, "kept")
    async with db.owner_transaction() as tx:
        await tx.execute("DELETE FROM users WHERE id = %s", (alice,))
        remaining = await tx.fetch_all("SELECT user_id, title FROM tasks")
    assert remaining == [{"user_id": bob, "title": "kept"}]


async def test_changing_a_user_id_cascades_to_tasks(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    await make_task(db, alice, "a")
    async with db.owner_transaction() as tx:
        new_id = await tx.fetch_value(
            "UPDATE users SET id = gen_random_uuid() WHERE id = %s RETURNING id", (alice,)
        )
        assert await tx.fetch_value("SELECT user_id FROM tasks") == new_id


async def test_a_task_needs_an_existing_user(db: Database) -> None:
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="fk_tasks_user_id"):
        async with db.owner_transaction() as tx:
            await tx.execute(
                "INSERT INTO tasks (user_id, title) VALUES (gen_random_uuid(), 'orphan')"
            )


async def test_emails_are_unique(db: Database) -> None:
    await make_user(db, "alice@example.com")
    with pytest.raises(psycopg.errors.UniqueViolation, match="uk_users_email"):
        async with db.owner_transaction() as tx:
            await tx.execute("INSERT INTO users (email) VALUES ('alice@example.com')")


async def test_updated_at_is_bumped_by_the_database_on_every_update(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    task = await make_task(db, alice, "before")
    assert task["updated_at"] == task["created_at"]
    await asyncio.sleep(0.01)
    async with db.transaction(alice) as tx:
        # A plain UPDATE that does not mention updated_at still moves it.
        after = await tx.fetch_one(
            "UPDATE tasks SET title = 'after' WHERE id = %s RETURNING created_at, updated_at",
            (task["id"],),
        )
    assert after is not None
    assert after["created_at"] == task["created_at"]
    assert after["updated_at"] > task["updated_at"]
    async with db.owner_transaction() as tx:
        user = await tx.fetch_one(
            "UPDATE users SET name = 'Alice' WHERE id = %s RETURNING created_at, updated_at",
            (alice,),
        )
    assert user is not None
    assert user["updated_at"] > user["created_at"]


async def test_an_explicit_updated_at_is_kept(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    task = await make_task(db, alice, "old")
    async with db.owner_transaction() as tx:
        kept = await tx.fetch_value(
            "UPDATE tasks SET updated_at = '2020-01-01T00:00:00Z' WHERE id = %s "
            "RETURNING updated_at = '2020-01-01T00:00:00Z'::timestamptz",
            (task["id"],),
        )
    assert kept is True
