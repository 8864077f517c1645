"""Export and import of a user's tasks: round trips reproduce them, bad rows reject it all."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta
from typing import Any
from uuid import UUID

import pytest

from todo.archive import service as archive
from todo.db import Database
from todo.transfer import formats, service

from ..helpers import make_task, make_user

_FIELDS = (
    "title", "description", "completed", "due_at", "all_day", "priority", "tags", "created_at",
    "updated_at", "archived_at",
)  # fmt: skip


async def _alice_with_history(db: Database) -> UUID:
    alice = await make_user(db, "alice@example.com")
    await make_task(db, alice, "Buy milk")
    await make_task(db, alice, "Plan trip ✈", description='Day 1: Lisbon\nDay 2: Porto, "maybe"')
    await make_task(db, alice, "=SUM(A1:A3)", description="- eggs\n- flour", done=True)
    await make_task(db, alice, "Old report", description="done long ago", done=True)
    async with db.owner_transaction() as tx:
        await tx.execute(_ORGANIZE, {"user": alice})
        await tx.execute(
            "UPDATE tasks SET updated_at = now() - interval '120 days' WHERE title = 'Old report'"
        )
    await archive.archive(db, cutoff=archive.cutoff_for(timedelta(days=90)))
    return alice


# Issue 11's fields as the service would store them for a user in UTC: an all-day date, timed
# instants, priorities, tags (one with a comma in its name, one on no task, one coloured).
_ORGANIZE = """
WITH due AS (
    UPDATE tasks SET
        due_at = CASE title WHEN 'Buy milk' THEN '2026-12-05 00:00Z'::timestamptz
                            WHEN 'Old report' THEN '2026-06-30 09:15Z'::timestamptz END,
        due_date = CASE title WHEN 'Buy milk' THEN date '2026-12-05' END,
        priority = CASE title WHEN 'Buy milk' THEN 3 WHEN 'Old report' THEN 1 ELSE 0 END
    WHERE user_id = %(user)s
), made AS (
    INSERT INTO tags (user_id, name, color) VALUES
        (%(user)s, 'Santé', '#dc2626'), (%(user)s, 'home, garden', NULL),
        (%(user)s, 'unused', '#0891b2')
    RETURNING id, name
)
INSERT INTO task_tags (user_id, task_id, tag_id)
SELECT %(user)s, t.id, m.id FROM tasks t JOIN made m
    ON (t.title IN ('Buy milk', 'Old report') AND m.name = 'Santé')
    OR (t.title = 'Buy milk' AND m.name = 'home, garden')
WHERE t.user_id = %(user)s
"""


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
    assert exported["version"] == 2
    by_title = {task["title"]: task for task in exported["tasks"]}
    assert {k: by_title["Buy milk"][k] for k in ("due_at", "all_day", "priority", "tags")} == {
        "due_at": "2026-12-05", "all_day": True, "priority": "high",
        "tags": ["home, garden", "Santé"],
    }  # fmt: skip
    assert {k: by_title["Old report"][k] for k in ("due_at", "all_day", "priority", "tags")} == {
        "due_at": "2026-06-30T09:15:00Z", "all_day": False, "priority": "low", "tags": ["Santé"],
    }  # fmt: skip
    assert (by_title["Plan trip ✈"]["due_at"], by_title["Plan trip ✈"]["tags"]) == (None, [])
    assert exported["tags"] == [
        {"name": "home, garden", "color": None},
        {"name": "Santé", "color": "#dc2626"},
        {"name": "unused", "color": "#0891b2"},
    ]

    newcomer = await make_user(db, "new@example.com")
    sent = json.loads(json.dumps(exported))  # as it would travel over HTTP
    result = await _as(db, newcomer, service.import_json, document=sent)
    assert (result.created, result.archived) == (3, 1)
    again = await _as(db, newcomer, service.export_json)
    assert _comparable(again) == _comparable(exported)
    assert again["tags"] == exported["tags"]  # colours and the unused tag included
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
    # CSV carries tag names only: the tasks' tags come back, without colours or unused ones.
    assert after["tags"] == [
        {"name": "home, garden", "color": None},
        {"name": "Santé", "color": None},
    ]


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


async def test_an_export_of_version_1_still_imports(db: Database) -> None:
    user = await make_user(db, "old@example.com")
    document = {
        "format": "todo-export",
        "version": 1,
        "exported_at": "2026-11-01T10:00:00+00:00",
        "user_id": "00000000-0000-4000-8000-000000000000",
        "tasks": [
            {"id": "00000000-0000-4000-8000-000000000001", "title": "From before",
             "description": None, "completed": True, "created_at": "2026-10-01T08:00:00+00:00",
             "updated_at": "2026-10-02T08:00:00+00:00", "archived_at": None},
        ],
    }  # fmt: skip
    result = await _as(db, user, service.import_json, document=document)
    assert (result.created, result.archived) == (1, 0)
    [task] = (await _as(db, user, service.export_json))["tasks"]
    assert (task["title"], task["completed"], task["updated_at"]) == (
        "From before", True, "2026-10-02T08:00:00+00:00",
    )  # fmt: skip
    assert (task["due_at"], task["all_day"], task["priority"], task["tags"]) == (
        None, False, "none", [],
    )  # fmt: skip


async def test_imported_due_dates_follow_the_users_time_zone_and_tags_join_theirs(
    db: Database,
) -> None:
    user = await make_user(db, "kiritimati@example.com")
    async with db.owner_transaction() as tx:
        await tx.execute(
            "INSERT INTO user_preferences (user_id, time_zone) VALUES (%s, 'Pacific/Kiritimati')",
            (user,),
        )
        await tx.execute(
            "INSERT INTO tags (user_id, name, color) VALUES (%s, 'Work', '#2563eb')", (user,)
        )
    document = {
        "tags": [{"name": "work", "color": "#000000"}, {"name": "New", "color": "#ABCDEF"}],
        "tasks": [
            {"title": "all day", "due_at": "2026-12-05", "tags": ["WORK", "new", "New"]},
            {"title": "wall clock", "due_at": "2026-12-05T09:00", "priority": "medium"},
            {"title": "instant", "due_at": "2026-12-05T09:00:00-10:00", "all_day": True},
        ],
    }
    assert (await _as(db, user, service.import_json, document=document)).created == 3
    async with db.owner_transaction() as tx:
        rows = await tx.fetch_all(
            "SELECT title, due_at, due_date::text AS day, priority FROM tasks ORDER BY title"
        )
        tags = await tx.fetch_all("SELECT name, color FROM tags ORDER BY name")
    moments = {row["title"]: row["due_at"].astimezone(UTC).isoformat() for row in rows}
    assert moments == {  # UTC+14: midnight and 09:00 there are 10:00 and 19:00 the day before
        "all day": "2026-12-04T10:00:00+00:00",
        "instant": "2026-12-05T19:00:00+00:00",
        "wall clock": "2026-12-04T19:00:00+00:00",
    }
    assert [(row["title"], row["day"], row["priority"]) for row in rows] == [
        ("all day", "2026-12-05", 0), ("instant", None, 0), ("wall clock", None, 2),
    ]  # fmt: skip
    # An existing tag keeps its spelling and colour; a new one takes the document's (lower case).
    assert tags == [{"name": "New", "color": "#abcdef"}, {"name": "Work", "color": "#2563eb"}]
    exported = (await _as(db, user, service.export_json))["tasks"]
    assert [task["tags"] for task in exported if task["title"] == "all day"] == [["New", "Work"]]


@pytest.mark.parametrize(
    ("task", "message"),
    [
        ({"due_at": "2026-02-30"}, "row 1, field due_at: must be a date"),
        ({"due_at": "tomorrow"}, "row 1, field due_at: must be a date"),
        ({"due_at": "1899-12-31"}, "row 1, field due_at: must be a date"),
        ({"due_at": 20261205}, "row 1, field due_at: must be a date"),
        ({"priority": "urgent"}, "row 1, field priority: Input should be 'none'"),
        ({"priority": 3}, "row 1, field priority: Input should be 'none'"),
        ({"tags": ["  "]}, "row 1, field tags.0: must not be empty"),
        ({"tags": ["x" * 51]}, "row 1, field tags.0: String should have at most 50"),
        ({"tags": [f"t{n}" for n in range(101)]}, "row 1, field tags: List should have at most"),
        ({"tags": "work"}, "row 1, field tags: Input should be a valid list"),
    ],
)
async def test_bad_organizing_fields_reject_the_whole_import(
    db: Database, task: dict[str, Any], message: str
) -> None:
    user = await make_user(db, "strict@example.com")
    document = {"tasks": [{"title": "bad", **task}, {"title": "fine", "tags": ["kept?"]}]}
    with pytest.raises(formats.ImportRejected) as rejected:
        await _as(db, user, service.import_json, document=document)
    assert rejected.value.message.startswith(message), rejected.value.message
    nothing = await _as(db, user, service.export_json)
    assert (nothing["tasks"], nothing["tags"]) == ([], [])


async def test_a_bad_tag_in_the_documents_list_names_it(db: Database) -> None:
    user = await make_user(db, "strict@example.com")
    document = {"tags": [{"name": "ok"}, {"name": "red", "color": "red"}], "tasks": []}
    with pytest.raises(formats.ImportRejected, match="tag 2, field color"):
        await _as(db, user, service.import_json, document=document)
