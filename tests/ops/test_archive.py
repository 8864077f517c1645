"""`todo db archive`: exactly the qualifying rows move, resumably, and stay isolated."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import psycopg
import pytest

from todo.archive import service
from todo.db import Database
from todo.tasks import repository as tasks

from ..helpers import make_task, make_user
from .conftest import Cli, Query, last_json

_AGE = """
UPDATE tasks SET completed = %(done)s, updated_at = now() - make_interval(days => %(days)s)
WHERE id = ANY(%(ids)s)
"""
_SNAPSHOT = "SELECT id, user_id, title, description, completed, created_at, updated_at FROM {}"


async def _tasks(db: Database, user: UUID, count: int, *, done: bool, days: int) -> list[UUID]:
    ids = [
        (await make_task(db, user, f"task {i}", description=f"d{i}"))["id"] for i in range(count)
    ]
    async with db.owner_transaction() as tx:
        await tx.execute(_AGE, {"done": done, "days": days, "ids": ids})
    return ids


async def _rows(db: Database, table: str) -> dict[UUID, dict[str, object]]:
    async with db.owner_transaction() as tx:
        return {row["id"]: row for row in await tx.fetch_all(_SNAPSHOT.format(table))}


async def test_moves_exactly_the_qualifying_tasks(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    old_done = await _tasks(db, alice, 3, done=True, days=120)
    old_done += await _tasks(db, bob, 2, done=True, days=91)
    await _tasks(db, alice, 2, done=True, days=89)  # completed but too recent
    await _tasks(db, bob, 2, done=False, days=400)  # old but not completed
    before = await _rows(db, "tasks")

    cutoff = service.cutoff_for(service.parse_age("90d"))
    plan = await service.plan(db, cutoff=cutoff)
    assert (plan.tasks, plan.users) == (5, 2)
    result = await service.archive(db, cutoff=cutoff, batch=2)
    assert (result.moved, result.batches, result.finished) == (5, 3, True)

    live, archived = await _rows(db, "tasks"), await _rows(db, "tasks_archive")
    assert set(archived) == set(old_done)
    assert set(live) == set(before) - set(old_done)
    assert all(archived[task_id] == before[task_id] for task_id in old_done)  # unchanged
    async with db.transaction(alice) as tx:
        page = await tasks.list_tasks(tx, user_id=alice, options=tasks.ListOptions())
    assert page.total == 2  # the API's list no longer shows archived tasks
    again = await service.archive(db, cutoff=cutoff)
    assert again.moved == 0  # idempotent


async def test_an_interrupted_run_resumes_without_loss_or_duplication(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    qualifying = await _tasks(db, alice, 25, done=True, days=200)
    await _tasks(db, alice, 4, done=False, days=200)
    before = await _rows(db, "tasks")
    cutoff = service.cutoff_for(timedelta(days=90))

    first = await service.archive(db, cutoff=cutoff, batch=10, max_batches=1)
    assert (first.moved, first.finished) == (10, False)
    middle_live, middle_archived = await _rows(db, "tasks"), await _rows(db, "tasks_archive")
    assert len(middle_live) + len(middle_archived) == len(before)
    assert not set(middle_live) & set(middle_archived)

    rest = await service.archive(db, cutoff=cutoff, batch=10)
    assert (rest.moved, rest.finished) == (15, True)
    live, archived = await _rows(db, "tasks"), await _rows(db, "tasks_archive")
    assert set(archived) == set(qualifying)
    assert {**live, **archived} == before
    async with db.owner_transaction() as tx:
        assert await tx.fetch_value("SELECT count(*) FROM tasks_archive") == 25


async def test_a_user_sees_only_their_own_archive(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    await _tasks(db, alice, 2, done=True, days=100)
    bobs = await _tasks(db, bob, 3, done=True, days=100)
    await service.archive(db, cutoff=service.cutoff_for(timedelta(days=90)))

    async with db.transaction(alice) as tx:
        rows = await tx.fetch_all("SELECT user_id FROM tasks_archive")  # no WHERE on purpose
        assert [row["user_id"] for row in rows] == [alice, alice]
        assert await tx.execute("DELETE FROM tasks_archive WHERE id = ANY(%s)", (bobs,)) == 0
    async with db.transaction(None) as tx:
        assert await tx.fetch_value("SELECT count(*) FROM tasks_archive") == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        async with db.transaction(alice) as tx:
            await tx.execute(
                "INSERT INTO tasks_archive (user_id, title) VALUES (%s, 'planted')", (bob,)
            )


def test_cli_dry_run_then_archive(cli: Cli, query: Query) -> None:
    user = query("INSERT INTO users (email) VALUES ('a@example.com') RETURNING id")[0]["id"]
    query(
        "INSERT INTO tasks (user_id, title, completed, updated_at) "
        "SELECT %s, 'old ' || g, true, now() - interval '100 days' FROM generate_series(1, 7) g",
        (user,),
    )
    query("INSERT INTO tasks (user_id, title, completed) VALUES (%s, 'fresh', true)", (user,))

    plan = last_json(cli("db", "archive", "--older-than", "90d", "--dry-run", "--json"))
    assert (plan["dry_run"], plan["tasks"], plan["users"]) == (True, 7, 1)
    assert query("SELECT count(*) AS n FROM tasks_archive") == [{"n": 0}]

    shown = cli("db", "archive", "--older-than", "90d", "--dry-run")
    assert "would move" in shown.stdout
    moved = last_json(cli("db", "archive", "--older-than", "90d", "--batch", "3", "--json"))
    assert (moved["moved"], moved["batches"], moved["finished"]) == (7, 3, True)
    assert query("SELECT title FROM tasks") == [{"title": "fresh"}]

    bad = cli("db", "archive", "--older-than", "ninety days")
    assert bad.exit_code == 2
    assert "not an age" in bad.stderr


async def test_the_archive_keeps_due_dates_priorities_and_tag_names(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    allday, timed = await _tasks(db, alice, 2, done=True, days=100)
    async with db.owner_transaction() as tx:
        await tx.execute(
            "UPDATE tasks SET due_at = '2026-03-08 00:00+01', due_date = '2026-03-08', "
            "priority = 3 WHERE id = %s",
            (allday,),
        )
        await tx.execute(
            "UPDATE tasks SET due_at = '2026-03-09 14:30Z', priority = 1 WHERE id = %s", (timed,)
        )
        tags = await tx.fetch_all(
            "INSERT INTO tags (user_id, name) VALUES (%(u)s, 'errands'), (%(u)s, 'Health') "
            "RETURNING id",
            {"u": alice},
        )
        await tx.execute(
            "INSERT INTO task_tags (user_id, task_id, tag_id) SELECT %s, %s, unnest(%s::uuid[])",
            (alice, allday, [tag["id"] for tag in tags]),
        )
        await tx.execute(  # re-aged: setting the fields touched updated_at
            _AGE, {"done": True, "days": 100, "ids": [allday, timed]}
        )
    await service.archive(db, cutoff=service.cutoff_for(timedelta(days=90)))

    async with db.transaction(alice) as tx:
        rows = await tx.fetch_all(
            "SELECT id, due_at, due_date::text, priority, tags FROM tasks_archive ORDER BY priority"
        )
        links = await tx.fetch_value("SELECT count(*) FROM task_tags")
        names = await tx.fetch_all("SELECT name FROM tags ORDER BY name")
    assert [(row["id"], row["due_date"], row["priority"], row["tags"]) for row in rows] == [
        (timed, None, 1, []),
        (allday, "2026-03-08", 3, ["errands", "Health"]),
    ]
    assert [row["due_at"].isoformat() for row in rows] == [
        "2026-03-09T14:30:00+00:00",
        "2026-03-07T23:00:00+00:00",
    ]
    assert links == 0  # the links went with the tasks; the tags themselves stay
    assert [row["name"] for row in names] == ["Health", "errands"]
