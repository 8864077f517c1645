"""Export and import over HTTP: tasks leave and come back exactly; bad rows change nothing."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest

from todo.db import Database

from ..helpers import make_task
from .conftest import MakeClient
from .support import User, api_settings, assert_error, assert_success

FIELDS = ("title", "description", "completed")


def _export_url(user: User, fmt: str = "json") -> str:
    return f"/api/{user.id}/export?format={fmt}"


async def _tasks(client: httpx.AsyncClient, user: User) -> list[tuple[Any, ...]]:
    data = assert_success(await client.get(user.tasks_url() + "?limit=100", headers=user.auth), 200)
    return sorted(tuple(task[field] for field in FIELDS) for task in data)


async def _arrange(db: Database, user: User) -> None:
    await make_task(db, user.id, "Buy milk")
    await make_task(db, user.id, "Plan trip", description="Day 1: Lisbon\nDay 2: Porto")
    await make_task(db, user.id, "=cmd|' /C calc'!A0", done=True)


async def test_json_export_then_import_into_another_account_reproduces_the_tasks(
    client: httpx.AsyncClient, db: Database, alice: User, bob: User
) -> None:
    await _arrange(db, alice)
    response = await client.get(_export_url(alice), headers=alice.auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert "x-ratelimit-remaining" in response.headers
    document = response.json()
    assert len(document["tasks"]) == 3
    imported = await client.post(
        f"/api/{bob.id}/import",
        content=response.content,
        headers={**bob.auth, "Content-Type": "application/json"},
    )
    assert assert_success(imported, 201) == {"created": 3, "archived": 0}
    assert await _tasks(client, bob) == await _tasks(client, alice)


async def test_csv_export_then_import_reproduces_the_tasks(
    client: httpx.AsyncClient, db: Database, alice: User, bob: User
) -> None:
    await _arrange(db, alice)
    response = await client.get(_export_url(alice, "csv"), headers=alice.auth)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(row["title"] for row in rows)[0].startswith("'=")  # defused for spreadsheets
    imported = await client.post(
        f"/api/{bob.id}/import",
        content=response.content,
        headers={**bob.auth, "Content-Type": "text/csv"},
    )
    assert assert_success(imported, 201)["created"] == 3
    assert await _tasks(client, bob) == await _tasks(client, alice)


async def test_a_bad_row_rejects_the_whole_import_naming_row_and_field(
    client: httpx.AsyncClient, alice: User
) -> None:
    document = {"tasks": [{"title": "fine"}, {"title": "   "}, {"title": "also fine"}]}
    response = await client.post(
        f"/api/{alice.id}/import",
        content=json.dumps(document),
        headers={**alice.auth, "Content-Type": "application/json"},
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert "row 2" in json.dumps(error)
    assert "title" in json.dumps(error)
    assert await _tasks(client, alice) == []


async def test_due_dates_priorities_and_tags_travel_both_ways_and_stay_the_callers(
    client: httpx.AsyncClient, db: Database, alice: User, bob: User
) -> None:
    async with db.owner_transaction() as tx:  # bob's own tag of that name stays his
        await tx.execute("INSERT INTO tags (user_id, name) VALUES (%s, 'errands')", (bob.id,))
    document = {
        "tags": [{"name": "errands", "color": "#D97706"}, {"name": "later", "color": None}],
        "tasks": [
            {"title": "Dentist", "due_at": "2026-12-05T15:00:00Z", "priority": "high",
             "tags": ["Errands", "health"]},
            {"title": "Taxes", "due_at": "2027-04-30", "priority": "low"},
        ],
    }  # fmt: skip
    imported = await client.post(
        f"/api/{alice.id}/import",
        content=json.dumps(document),
        headers={**alice.auth, "Content-Type": "application/json"},
    )
    assert assert_success(imported, 201) == {"created": 2, "archived": 0}
    exported = (await client.get(_export_url(alice), headers=alice.auth)).json()
    tasks = {task["title"]: task for task in exported["tasks"]}
    fields = ("due_at", "all_day", "priority", "tags")
    assert [tasks["Dentist"][f] for f in fields] == [
        "2026-12-05T15:00:00Z", False, "high", ["errands", "health"],
    ]  # fmt: skip
    assert [tasks["Taxes"][f] for f in fields] == ["2027-04-30", True, "low", []]
    assert exported["tags"] == [
        {"name": "errands", "color": "#d97706"},
        {"name": "health", "color": None},
        {"name": "later", "color": None},
    ]
    async with db.owner_transaction() as tx:
        owners = await tx.fetch_all(
            "SELECT g.name, g.user_id FROM task_tags tt JOIN tags g ON g.id = tt.tag_id "
            "ORDER BY g.name"
        )
    assert [(row["name"], row["user_id"]) for row in owners] == [
        ("errands", alice.id), ("health", alice.id),
    ]  # fmt: skip


async def test_a_bad_organizing_field_is_a_400_naming_it_and_imports_nothing(
    client: httpx.AsyncClient, alice: User
) -> None:
    for task, field in (
        ({"due_at": "2026-13-01"}, "due_at"),
        ({"priority": "urgent"}, "priority"),
        ({"tags": ["x" * 51]}, "tags.0"),
        ({"tags": [str(n) for n in range(101)]}, "tags"),
    ):
        document = {"tasks": [{"title": "fine"}, {"title": "bad", **task}]}
        response = await client.post(
            f"/api/{alice.id}/import",
            content=json.dumps(document),
            headers={**alice.auth, "Content-Type": "application/json"},
        )
        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert f"row 2.{field}" in error["details"], error
    assert await _tasks(client, alice) == []
    exported = (await client.get(_export_url(alice), headers=alice.auth)).json()
    assert exported["tags"] == []


async def test_import_refuses_bodies_it_cannot_read(client: httpx.AsyncClient, alice: User) -> None:
    url = f"/api/{alice.id}/import"
    for content, content_type in (
        (b"{not json", "application/json"),
        (b"title\nx", "text/plain"),
        (b"\xff\xfe\x00", "text/csv"),
    ):
        response = await client.post(
            url, content=content, headers={**alice.auth, "Content-Type": content_type}
        )
        assert_error(response, 400, "VALIDATION_ERROR")
    assert await _tasks(client, alice) == []


async def test_export_and_import_are_the_callers_own(
    client: httpx.AsyncClient, db: Database, alice: User, bob: User
) -> None:
    await _arrange(db, alice)
    assert_error(await client.get(_export_url(alice), headers=bob.auth), 403, "FORBIDDEN")
    assert_error(await client.get(_export_url(alice)), 401, "UNAUTHORIZED")
    response = await client.post(
        f"/api/{alice.id}/import",
        content=b'{"tasks": [{"title": "planted"}]}',
        headers={**bob.auth, "Content-Type": "application/json"},
    )
    assert_error(response, 403, "FORBIDDEN")
    mine = await client.get(_export_url(bob), headers=bob.auth)
    assert mine.status_code == 200
    assert mine.json()["tasks"] == []
    assert "planted" not in [task[0] for task in await _tasks(client, alice)]


async def test_an_unknown_export_format_is_an_invalid_parameter(
    client: httpx.AsyncClient, alice: User
) -> None:
    response = await client.get(_export_url(alice, "xml"), headers=alice.auth)
    error = assert_error(response, 400, "INVALID_PARAMETER")
    assert "format" in error["details"]


async def test_an_import_may_be_larger_than_other_bodies_up_to_its_own_limit(
    make_client: MakeClient, alice: User
) -> None:
    client = await make_client(api_settings(max_body_bytes=50_000, import_max_bytes=200_000))
    rows = [{"title": f"task {n}", "description": "x" * 900} for n in range(100)]
    body = json.dumps({"tasks": rows}).encode()
    assert 50_000 < len(body) < 200_000
    headers = {**alice.auth, "Content-Type": "application/json"}
    response = await client.post(f"/api/{alice.id}/import", content=body, headers=headers)
    assert assert_success(response, 201) == {"created": 100, "archived": 0}
    # Past the import's own limit: 413, and nothing imported.
    body = json.dumps({"tasks": rows * 3}).encode()
    response = await client.post(f"/api/{alice.id}/import", content=body, headers=headers)
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    # Every other route keeps the general limit.
    large_task = json.dumps({"title": "t", "description": "x" * 60_000}).encode()
    response = await client.post(alice.tasks_url(), content=large_task, headers=headers)
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    listing = await client.get(alice.tasks_url(), headers=alice.auth)
    assert_success(listing, 200)
    assert listing.json()["meta"]["total"] == 100  # only the first import's tasks


EXTREME_TIMESTAMPS = [
    "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-14:00",  # after year 9999 in UTC
    "0001-01-01T00:00:00Z",  # year 1 itself: no room left to show it in a zone west of UTC
    "9999-12-31T12:00:00Z",
    "2020-01-01T00:00:00+17:16",  # an offset PostgreSQL refuses (it was a 500)
    "2020-01-01 00:00:00Z",  # not RFC 3339
]


@pytest.mark.parametrize("moment", EXTREME_TIMESTAMPS)
async def test_an_import_with_a_timestamp_out_of_range_is_refused_and_breaks_nothing(
    client: httpx.AsyncClient, db: Database, alice: User, moment: str
) -> None:
    await make_task(db, alice.id, "kept")
    for column in ("created_at", "updated_at", "archived_at"):
        body = json.dumps([{"title": "x", column: moment}])
        refused = await client.post(
            f"/api/{alice.id}/import",
            content=body,
            headers={**alice.auth, "Content-Type": "application/json"},
        )
        error = assert_error(refused, 400, "VALIDATION_ERROR")
        assert error["message"].startswith(f"row 1, field {column}: ")
        assert "must be an RFC 3339 date-time" in error["message"]
        csv_body = f"title,{column}\r\nx,{moment}\r\n"
        refused = await client.post(
            f"/api/{alice.id}/import",
            content=csv_body,
            headers={**alice.auth, "Content-Type": "text/csv"},
        )
        assert_error(refused, 400, "VALIDATION_ERROR")
    # The user's list, export and pages still work, with nothing imported.
    assert [task[0] for task in await _tasks(client, alice)] == ["kept"]
    assert (await client.get(_export_url(alice), headers=alice.auth)).status_code == 200


async def test_timestamps_at_the_edges_of_the_range_round_trip(
    client: httpx.AsyncClient, alice: User
) -> None:
    edges = [{"title": "oldest", "created_at": "0001-01-03T00:00:00+15:59"}]
    edges.append({"title": "newest", "created_at": "9999-12-29T23:59:59.999999-15:59"})
    imported = await client.post(
        f"/api/{alice.id}/import",
        content=json.dumps(edges),
        headers={**alice.auth, "Content-Type": "application/json"},
    )
    assert assert_success(imported, 201) == {"created": 2, "archived": 0}
    listed = assert_success(await client.get(alice.tasks_url(), headers=alice.auth), 200)
    assert sorted(task["created_at"][:4] for task in listed) == ["0001", "9999"]
    assert (await client.get(_export_url(alice), headers=alice.auth)).status_code == 200
    assert (await client.get(_export_url(alice, "csv"), headers=alice.auth)).status_code == 200


@pytest.mark.parametrize(
    ("csv_body", "expected"),
    [
        ("title,description\r\nx," + "y" * 131_073 + "\r\n", "field larger than field limit"),
        ("title\r\nnul\x00here\r\n", "NUL character"),
    ],
    ids=["a field over the csv module's limit", "a NUL byte"],
)
async def test_a_csv_the_reader_cannot_read_is_refused(
    client: httpx.AsyncClient, alice: User, csv_body: str, expected: str
) -> None:
    refused = await client.post(
        f"/api/{alice.id}/import",
        content=csv_body.encode(),
        headers={**alice.auth, "Content-Type": "text/csv"},
    )
    error = assert_error(refused, 400, "VALIDATION_ERROR")
    assert expected in json.dumps(error)
    assert await _tasks(client, alice) == []
