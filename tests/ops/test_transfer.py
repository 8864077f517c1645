"""Export and import of a user's tasks: round trips reproduce them, bad rows reject it all."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from todo.archive import service as archive
from todo.db import Database
from todo.transfer import formats, service

from ..helpers import make_task, make_user

_FIELDS = ("title", "description", "completed", "created_at", "updated_at", "archived_at")


async def _alice_with_history(db: Database) -> UUID:
    alice = await make_user(db, "alice@example.com")
    await make_task(db, alice, "Buy milk")
    await make_task(db, alice, "Plan trip ✈", description='Day 1: Lisbon\nDay 2: Porto, "maybe"')
    await make_task(db, alice, "=SUM(A1:A3)", description="- eggs\n- flour", done=True)
    await make_task(db, alice, "Old report", description="done long ago", done=True)
    async with db.owner_transaction() as tx:
        await tx.execute(
            "UPDATE tasks SET updated_at = now() - interval '120 days' WHERE title = 'Old report'"
        )
    await archive.archive(db, cutoff=archive.cutoff_for(timedelta(days=90)))
    return alice


async def _as(db: Database, user: UUID, call: Callable[..., Awaitable[Any]], **kw: Any) -> Any:
    """Run a transfer service call in a transaction of the user's, as the API does."""
    async with db.transaction(user) as tx:
        return await call(tx, user_id=user, **kw)


def _comparable(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(tuple(task[field] for field in _FIELDS) for task in document["tasks"])


async def test_json_export_then_import_reproduces_the_tasks(db: Database) -> None:
    alice = await _alice_with_history(db)
    bob = await make_user(db, "bob@example.com")
    await make_task(db, bob, "bob's own")
    exported = await _as(db, alice, service.export_json)
    assert len(exported["tasks"]) == 4
    assert sum(task["archived_at"] is not None for task in exported["tasks"]) == 1
    assert "bob's own" not in json.dumps(exported)

    newcomer = await make_user(db, "new@example.com")
    sent = json.loads(json.dumps(exported))  # as it would travel over HTTP
    result = await _as(db, newcomer, service.import_json, document=sent)
    assert (result.created, result.archived) == (3, 1)
    again = await _as(db, newcomer, service.export_json)
    assert _comparable(again) == _comparable(exported)
    assert {task["id"] for task in again["tasks"]}.isdisjoint(
        task["id"] for task in exported["tasks"]
    )


async def test_csv_export_then_import_reproduces_the_tasks(db: Database) -> None:
    alice = await _alice_with_history(db)
    text = await _as(db, alice, service.export_csv)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [row["title"] for row in rows if row["title"].startswith("'")] == ["'=SUM(A1:A3)"]

    newcomer = await make_user(db, "new@example.com")
    result = await _as(db, newcomer, service.import_csv, text=text)
    assert (result.created, result.archived) == (3, 1)
    before = await _as(db, alice, service.export_json)
    after = await _as(db, newcomer, service.export_json)
    assert _comparable(after) == _comparable(before)


async def test_a_simple_csv_with_title_description_completed(db: Database) -> None:
    user = await make_user(db, "csv@example.com")
    text = (
        "\ufefftitle,description,completed\r\n"
        "Buy milk,,false\r\n"
        '"Call mom","Sunday,\nafter lunch",yes\r\n'
    )
    result = await _as(db, user, service.import_csv, text=text)
    assert (result.created, result.archived) == (2, 0)
    tasks = (await _as(db, user, service.export_json))["tasks"]
    assert sorted((t["title"], t["description"], t["completed"]) for t in tasks) == [
        ("Buy milk", None, False),
        ("Call mom", "Sunday,\nafter lunch", True),
    ]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            [{"title": "fine"}, {"title": "   "}, {"title": "also fine"}],
            "row 2, field title: must not be empty or only whitespace",
        ),
        ([{"title": "ok"}, {"titel": "typo"}], "row 2, field title: Field required"),
        (
            [{"title": "x", "completed": "yes"}],
            "row 1, field completed: Input should be a valid boolean",
        ),
        (
            [{"title": "x", "description": "d" * 1001}],
            "row 1, field description: String should have at most 1000 characters",
        ),
        ([{"title": "x"}, "just a string"], "row 2: must be an object with a title"),
    ],
)  # fmt: skip
async def test_a_bad_json_row_rejects_the_whole_import(
    db: Database, payload: list[Any], message: str
) -> None:
    user = await make_user(db, "strict@example.com")
    with pytest.raises(formats.ImportRejected) as rejected:
        await _as(db, user, service.import_json, document={"tasks": payload})
    assert rejected.value.message.startswith(message)
    assert "nothing was imported" in rejected.value.message
    assert rejected.value.details
    assert (await _as(db, user, service.export_json))["tasks"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title,completed\nfine,no\nnot sure,maybe\n", "row 2, field completed"),
        ('title,description\nok,\n"",blank title\n', "row 2, field title"),
        ("title\nok\n" + "x" * 201 + "\n", "row 2, field title"),
        ("name,completed\nx,no\n", "the CSV needs a header line with a title column"),
        ("title,colour\nx,red\n", "unknown CSV columns: colour"),
    ],
)
async def test_a_bad_csv_row_rejects_the_whole_import(
    db: Database, text: str, message: str
) -> None:
    user = await make_user(db, "strict@example.com")
    with pytest.raises(formats.ImportRejected, match=message):
        await _as(db, user, service.import_csv, text=text)
    assert (await _as(db, user, service.export_json))["tasks"] == []


async def test_ids_are_ignored_and_too_many_rows_are_refused(db: Database) -> None:
    user = await make_user(db, "ids@example.com")
    other = "00000000-0000-4000-8000-000000000000"
    result = await _as(
        db, user, service.import_json, document=[{"id": other, "user_id": other, "title": "mine"}]
    )
    assert result.created == 1
    tasks = (await _as(db, user, service.export_json))["tasks"]
    assert [task["id"] for task in tasks] != [other]
    with pytest.raises(formats.ImportRejected, match="too many tasks"):
        await _as(db, user, service.import_json, document=[{"title": "t"}] * 10_001)
