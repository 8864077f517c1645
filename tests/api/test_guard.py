"""The unit of work's guard: checked before any result is used, rolled back with the rest."""

from __future__ import annotations

import pytest

from todo.db import Database, Guard, Row

from ..helpers import make_task, make_user


class Refused(Exception):
    pass


def refuse_unless_one_row(rows: list[Row]) -> None:
    if len(rows) != 1:
        raise Refused


async def test_a_refusing_guard_rolls_back_what_rode_with_it(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    guard = Guard(("SELECT 1 AS one WHERE false", ()), refuse_unless_one_row)
    with pytest.raises(Refused):
        async with db.transaction(alice, guard=guard) as tx:
            await tx.execute("INSERT INTO tasks (user_id, title) VALUES (%s, 'planted')", (alice,))
    async with db.owner_transaction() as tx:
        assert await tx.fetch_value("SELECT count(*) FROM tasks") == 0


async def test_a_guard_can_set_the_identity_and_runs_once(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    await make_task(db, alice, "hers")
    seen: list[list[Row]] = []
    guard = Guard(
        ("SELECT set_config('app.current_user_id', %s, true) AS identity", (str(alice),)),
        seen.append,
        then=(("SELECT 1", ()),),
    )
    async with db.transaction(None, guard=guard) as tx:
        first = await tx.fetch_all("SELECT title FROM tasks")
        second = await tx.fetch_all("SELECT count(*) AS n FROM tasks")
    assert first == [{"title": "hers"}]
    assert second == [{"n": 1}]
    assert seen == [[{"identity": str(alice)}]]


async def test_the_guards_verdict_comes_before_a_database_error(db: Database) -> None:
    guard = Guard(("SELECT 1 WHERE false", ()), refuse_unless_one_row)
    with pytest.raises(Refused):
        async with db.transaction(None, guard=guard) as tx:
            await tx.fetch_all("SELECT 1 / 0")


async def test_a_closing_batch_carries_commit(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    async with db.transaction(alice) as tx:
        tx.closing()
        await tx.execute("INSERT INTO tasks (user_id, title) VALUES (%s, 'one trip')", (alice,))
        assert tx.committed
        # Already visible to everyone else, before the transaction's block has ended.
        async with db.owner_transaction() as other:
            assert await other.fetch_value("SELECT count(*) FROM tasks") == 1
        with pytest.raises(RuntimeError, match="after the transaction's last batch"):
            await tx.fetch_all("SELECT 1")


async def test_a_refusing_guard_beside_a_closing_write_changes_nothing(db: Database) -> None:
    """Its COMMIT travels with the write, so the guard's own verdict comes too late to roll
    back: the write must already have been confined to nothing by the (empty) identity."""
    alice = await make_user(db, "alice@example.com")
    # As the API's guard for a dead credential: no caller row, so no identity is set.
    identity = f"SELECT set_config('app.current_user_id', '{alice}', true) WHERE false"
    guard = Guard((identity, ()), refuse_unless_one_row)

    async def plant() -> None:
        async with db.transaction(None, guard=guard) as tx:
            tx.closing()
            await tx.execute("INSERT INTO tasks (user_id, title) VALUES (%s, 'planted')", (alice,))

    with pytest.raises(Refused):  # the verdict first, though row-level security refused too
        await plant()
    async with db.owner_transaction() as tx:
        assert await tx.fetch_value("SELECT count(*) FROM tasks") == 0
