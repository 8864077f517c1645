"""Export and import over HTTP: tasks leave and come back exactly; bad rows change nothing."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx

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
