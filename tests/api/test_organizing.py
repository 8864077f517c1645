"""Issue 11 through HTTP: the task object's new fields, their validation, the list filters and
sorts, /tags and /preferences, and that no user reaches another's tags or tasks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from todo.db import Database

from .support import User, assert_error, assert_success, assert_task


async def _snapshot(db: Database) -> list[Any]:
    """Every task, tag and link, as the owner sees them."""
    async with db.owner_transaction() as tx:
        return [
            await tx.fetch_all(f"SELECT * FROM {table} ORDER BY 1, 2")
            for table in ("tasks", "tags", "task_tags")
        ]


async def _post(client: httpx.AsyncClient, user: User, **body: Any) -> dict[str, Any]:
    response = await client.post(user.tasks_url(), json=body, headers=user.auth)
    task: dict[str, Any] = assert_success(response, 201)
    assert_task(task, user_id=user.id)
    return task


async def _list(client: httpx.AsyncClient, user: User, **params: Any) -> dict[str, Any]:
    response = await client.get(user.tasks_url(), params=params, headers=user.auth)
    assert_success(response, 200)
    body: dict[str, Any] = response.json()
    return body


def _titles(body: dict[str, Any]) -> list[str]:
    return [task["title"] for task in body["data"]]


async def test_the_new_fields_round_trip(client: httpx.AsyncClient, alice: User) -> None:
    task = await _post(
        client,
        alice,
        title="Call dentist",
        due_at="2026-12-05T15:00:00+01:00",
        priority="high",
        tags=["health", "Calls"],
    )
    assert (task["due_at"], task["all_day"], task["priority"]) == (
        "2026-12-05T14:00:00Z",
        False,
        "high",
    )
    assert [tag["name"] for tag in task["tags"]] == ["Calls", "health"]
    url = alice.tasks_url(task["id"])
    changed = assert_success(
        await client.put(url, json={"due_at": "2026-12-06", "tags": []}, headers=alice.auth), 200
    )
    assert (changed["due_at"], changed["all_day"], changed["tags"]) == ("2026-12-06", True, [])
    fetched = assert_success(await client.get(url, headers=alice.auth), 200)
    assert fetched == changed
    # A wall-clock time is in the user's zone (UTC until chosen).
    local = await _post(client, alice, title="local", due_at="2026-12-05T09:30")
    assert local["due_at"] == "2026-12-05T09:30:00Z"
    plain = await _post(client, alice, title="plain")
    assert (plain["due_at"], plain["all_day"], plain["priority"], plain["tags"]) == (
        None,
        False,
        "none",
        [],
    )


BAD_WRITES = [
    ({"due_at": "2026-02-30"}, "due_at"),
    ({"due_at": "tomorrow"}, "due_at"),
    ({"due_at": "1899-12-31"}, "due_at"),
    ({"due_at": "2026-12-05T25:00"}, "due_at"),
    ({"due_at": 20261205}, "due_at"),
    ({"priority": "urgent"}, "priority"),
    ({"priority": 3}, "priority"),
    ({"tags": ["ok", " "]}, "tags.1"),
    ({"tags": [""]}, "tags.0"),
    ({"tags": ["x" * 51]}, "tags.0"),
    ({"tags": [f"t{n}" for n in range(101)]}, "tags"),
    ({"tags": "health"}, "tags"),
    ({"tag_ids": ["not-a-uuid"]}, "tag_ids.0"),
]


@pytest.mark.parametrize(("body", "field"), BAD_WRITES)
@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_bad_fields_are_refused_by_name_and_change_nothing(
    client: httpx.AsyncClient,
    db: Database,
    alice: User,
    body: dict[str, Any],
    field: str,
    method: str,
) -> None:
    task = await _post(client, alice, title="kept", tags=["kept"])
    before = await _snapshot(db)
    url = alice.tasks_url() if method == "POST" else alice.tasks_url(task["id"])
    response = await client.request(method, url, json={"title": "new", **body}, headers=alice.auth)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert list(error["details"]) == [field]
    assert await _snapshot(db) == before


@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_another_users_tag_cannot_be_attached_even_by_id(
    client: httpx.AsyncClient, db: Database, alice: User, bob: User, method: str
) -> None:
    bobs = await _post(client, bob, title="his", tags=["secret"])
    secret = bobs["tags"][0]["id"]
    mine = await _post(client, alice, title="mine", tags=["home"])
    url = alice.tasks_url() if method == "POST" else alice.tasks_url(mine["id"])
    before = await _snapshot(db)
    for body in ({"tag_ids": [secret]}, {"tag_ids": [secret], "tags": ["fresh"]}):
        response = await client.request(
            method, url, json={"title": "changed", **body}, headers=alice.auth
        )
        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert list(error["details"]) == ["tag_ids"]
    assert await _snapshot(db) == before
    # Her own tag by id works.
    home = mine["tags"][0]["id"]
    tagged = await _post(client, alice, title="by id", tag_ids=[home])
    assert tagged["tags"] == mine["tags"]


async def test_a_hundred_tags_in_all(client: httpx.AsyncClient, db: Database, alice: User) -> None:
    task = await _post(client, alice, title="many", tags=[f"t{n}" for n in range(100)])
    ids = [tag["id"] for tag in task["tags"]]
    before = await _snapshot(db)
    response = await client.put(
        alice.tasks_url(task["id"]), json={"tags": ["another"], "tag_ids": ids}, headers=alice.auth
    )
    assert list(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == ["tags"]
    assert await _snapshot(db) == before


async def test_tags_crud_and_isolation(client: httpx.AsyncClient, alice: User, bob: User) -> None:
    tags_url = f"/api/{alice.id}/tags"
    created = assert_success(
        await client.post(tags_url, json={"name": "Home", "color": "#A0B1C2"}, headers=alice.auth),
        201,
    )
    assert (created["name"], created["color"], created["open_tasks"]) == ("Home", "#a0b1c2", 0)
    duplicate = await client.post(tags_url, json={"name": "HOME"}, headers=alice.auth)
    assert list(assert_error(duplicate, 409, "CONFLICT")["details"]) == ["name"]
    for body, field in (
        ({"name": " "}, "name"),
        ({"name": "x" * 51}, "name"),
        ({"color": "red"}, "color"),
    ):
        response = await client.post(tags_url, json={"name": "n", **body}, headers=alice.auth)
        assert list(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == [field]
    task = await _post(client, alice, title="t", tags=["home", "work"])
    tag_url = f"{tags_url}/{created['id']}"
    renamed = assert_success(
        await client.patch(tag_url, json={"name": "House", "color": None}, headers=alice.auth), 200
    )
    assert (renamed["name"], renamed["color"], renamed["open_tasks"]) == ("House", None, 1)
    shown = assert_success(await client.get(alice.tasks_url(task["id"]), headers=alice.auth), 200)
    assert [tag["name"] for tag in shown["tags"]] == ["House", "work"]
    # Bob sees none of it, and cannot touch it by id.
    assert assert_success(await client.get(f"/api/{bob.id}/tags", headers=bob.auth), 200) == []
    theirs = f"/api/{bob.id}/tags/{created['id']}"
    assert_error(
        await client.patch(theirs, json={"name": "mine"}, headers=bob.auth), 404, "NOT_FOUND"
    )
    assert_error(await client.delete(theirs, headers=bob.auth), 404, "NOT_FOUND")
    assert_error(await client.get(tags_url, headers=bob.auth), 403, "FORBIDDEN")
    # Deleting takes it off every task.
    assert_success(await client.delete(tag_url, headers=alice.auth), 204)
    shown = assert_success(await client.get(alice.tasks_url(task["id"]), headers=alice.auth), 200)
    assert [tag["name"] for tag in shown["tags"]] == ["work"]
    listed = assert_success(await client.get(tags_url, headers=alice.auth), 200)
    assert [(tag["name"], tag["open_tasks"]) for tag in listed] == [("work", 1)]


async def test_search_never_returns_another_users_tasks(
    client: httpx.AsyncClient, alice: User, bob: User
) -> None:
    await _post(client, alice, title="Dentist", description="Crème brûlée")
    await _post(client, bob, title="Dentist too", tags=["dent"])
    assert _titles(await _list(client, alice, q="dent")) == ["Dentist"]
    assert _titles(await _list(client, alice, q="CREME")) == ["Dentist"]
    assert _titles(await _list(client, alice, tag="dent")) == []
    assert _titles(await _list(client, bob, q="brul")) == []


async def test_filters_combine_with_cursor_and_offset_paging(
    client: httpx.AsyncClient, alice: User
) -> None:
    for n in range(12):
        await _post(
            client,
            alice,
            title=f"report {n}",
            due_at=f"2999-12-{1 + n:02d}",
            priority=["low", "high"][n % 2],
            tags=["work"] + (["urgent"] if n % 3 == 0 else []),
        )
    await _post(client, alice, title="report undated", tags=["work"], priority="high")
    query = {"q": "rep", "tag": ["work", "URGENT"], "sort": "due_at", "order": "asc"}
    everything = await _list(client, alice, **query)
    assert _titles(everything) == ["report 0", "report 3", "report 6", "report 9"]
    first = await _list(client, alice, **query, limit=3)
    second = await _list(client, alice, **query, limit=3, cursor=first["meta"]["next_cursor"])
    assert _titles(first) + _titles(second) == _titles(everything)
    assert second["meta"]["next_cursor"] is None
    offset = await _list(client, alice, **query, limit=3, offset=3)
    assert _titles(offset) == ["report 9"]
    # A cursor is good only for the filters it was made for.
    other = await client.get(
        alice.tasks_url(),
        params={**query, "tag": ["work"], "cursor": first["meta"]["next_cursor"]},
        headers=alice.auth,
    )
    assert "other filters" in assert_error(other, 400, "INVALID_PARAMETER")["details"]["cursor"][0]
    high = await _list(
        client,
        alice,
        priority="high",
        due_after="2999-12-04",
        due_before="2999-12-09",
        sort="due_at",
    )
    assert _titles(high) == ["report 7", "report 5"]
    by_priority = await _list(client, alice, sort="priority", order="desc", limit=2)
    assert [task["priority"] for task in by_priority["data"]] == ["high", "high"]
    assert by_priority["meta"]["total"] == 13
    await _post(client, alice, title="long ago", due_at="2000-01-01", tags=["work"])
    overdue = await _list(client, alice, overdue="true", completed="false", tag="work")
    assert _titles(overdue) == ["long ago"]
    assert (await _list(client, alice, overdue="false"))["meta"]["total"] == 13


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("due_before=2026-02-30", "due_before"),
        ("due_before=yesterday", "due_before"),
        ("due_after=2026-12-05T10:00", "due_after"),  # a bound needs its offset
        ("overdue=sometimes", "overdue"),
        ("priority=urgent", "priority"),
        ("tag=" + "x" * 51, "tag"),
        ("q=" + "x" * 201, "q"),
        ("sort=relevance", "sort"),
    ],
)
async def test_bad_filters(
    client: httpx.AsyncClient, alice: User, query: str, parameter: str
) -> None:
    response = await client.get(f"{alice.tasks_url()}?{query}", headers=alice.auth)
    error = assert_error(response, 400, "INVALID_PARAMETER")
    assert list(error["details"]) == [parameter]


async def test_time_zone_preference(client: httpx.AsyncClient, db: Database, alice: User) -> None:
    url = f"/api/{alice.id}/preferences"
    assert assert_success(await client.get(url, headers=alice.auth), 200) == {"time_zone": "UTC"}
    task = await _post(client, alice, title="all day", due_at="2026-12-05")
    for zone in ("Mars/Olympus", "", "UTC+3"):
        response = await client.patch(url, json={"time_zone": zone}, headers=alice.auth)
        assert list(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == ["time_zone"]
    changed = await client.patch(url, json={"time_zone": "Asia/Tokyo"}, headers=alice.auth)
    assert assert_success(changed, 200) == {"time_zone": "Asia/Tokyo"}
    shown = assert_success(await client.get(alice.tasks_url(task["id"]), headers=alice.auth), 200)
    assert (shown["due_at"], shown["all_day"]) == ("2026-12-05", True)
    async with db.owner_transaction() as tx:
        due = await tx.fetch_value("SELECT due_at FROM tasks WHERE id = %s", (task["id"],))
    assert due.isoformat() == "2026-12-04T15:00:00+00:00"  # midnight in Tokyo
    local = await _post(client, alice, title="local", due_at="2026-12-05T09:30")
    assert local["due_at"] == "2026-12-05T00:30:00Z"
