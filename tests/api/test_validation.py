"""Every validation boundary of SPEC section 4: 400 in the error envelope (never 422), with
INVALID_PARAMETER for the query and path and VALIDATION_ERROR, per field, for the body."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ..helpers import make_task
from .conftest import Shared
from .support import assert_error, assert_success, assert_task, stored_task

pytestmark = pytest.mark.asyncio(loop_scope="module")

WHITESPACE = [" ", "   ", "\t", "\n", "\r\n", " \t\n ", "\u00a0"]


@pytest.mark.parametrize(
    ("title", "accepted"),
    [
        ("x", True),
        ("x" * 200, True),
        ("é" * 200, True),  # characters, not bytes
        ("  padded  ", True),
        ("x" * 201, False),
        ("", False),
        *[(blank, False) for blank in WHITESPACE],
        ("nul\x00byte", False),
    ],
)
async def test_title_on_create_and_update(shared: Shared, title: str, accepted: bool) -> None:
    user = shared.alice
    created = await shared.client.post(user.tasks_url(), json={"title": title}, headers=user.auth)
    task = await make_task(shared.db, user.id, "before")
    updated = await shared.client.put(
        user.tasks_url(task["id"]), json={"title": title}, headers=user.auth
    )
    if accepted:
        assert assert_success(created, 201)["title"] == title
        assert assert_success(updated, 200)["title"] == title
        return
    for response in (created, updated):
        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert list(error["details"]) == ["title"]
        assert error["details"]["title"]
    assert (await stored_task(shared.db, task["id"]) or {})["title"] == "before"


@pytest.mark.parametrize(
    ("description", "accepted"),
    [
        ("", True),
        ("d" * 1000, True),
        ("first line\nsecond line\r\n\tthird, indented\n", True),
        ("d" * 1001, False),
        (42, False),
    ],
)
async def test_description(shared: Shared, description: Any, accepted: bool) -> None:
    user = shared.alice
    body = {"title": "t", "description": description}
    created = await shared.client.post(user.tasks_url(), json=body, headers=user.auth)
    task = await make_task(shared.db, user.id, "before", description="before")
    updated = await shared.client.put(
        user.tasks_url(task["id"]), json={"description": description}, headers=user.auth
    )
    if accepted:
        for response, status in ((created, 201), (updated, 200)):
            data = assert_success(response, status)
            assert data["description"] == description
            assert (await stored_task(shared.db, data["id"]) or {})["description"] == description
        return
    for response in (created, updated):
        assert list(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == ["description"]
    assert await stored_task(shared.db, task["id"]) == task


async def test_missing_title_is_a_field_error(shared: Shared) -> None:
    user = shared.alice
    response = await shared.client.post(
        user.tasks_url(), json={"description": "no title"}, headers=user.auth
    )
    assert assert_error(response, 400, "VALIDATION_ERROR")["details"] == {
        "title": ["Field required"]
    }


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"unknown": "field"},
        {"id": str(uuid.uuid4()), "user_id": str(uuid.uuid4()), "created_at": "2020-01-01"},
        {"title": None},
        {"completed": None},
        {"completed": "true"},
        {"completed": 1},
        {"title": 7},
    ],
)
async def test_update_bodies_that_change_nothing_valid_are_refused(
    shared: Shared, body: dict[str, Any]
) -> None:
    user = shared.alice
    task = await make_task(shared.db, user.id, "unchanged", description="kept")
    response = await shared.client.put(user.tasks_url(task["id"]), json=body, headers=user.auth)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert error["details"]
    assert await stored_task(shared.db, task["id"]) == task


async def test_update_is_partial_and_description_null_clears(shared: Shared) -> None:
    user = shared.alice
    task = await make_task(shared.db, user.id, "title stays", description="goes")
    url = user.tasks_url(task["id"])
    data = assert_success(
        await shared.client.put(url, json={"description": None}, headers=user.auth), 200
    )
    assert (data["title"], data["description"], data["completed"]) == ("title stays", None, False)
    data = assert_success(
        await shared.client.put(url, json={"completed": True}, headers=user.auth), 200
    )
    assert (data["title"], data["description"], data["completed"]) == ("title stays", None, True)
    assert data["updated_at"] > data["created_at"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"", "application/json"),
        (b'{"title": "unterminated', "application/json"),
        (b"[]", "application/json"),
        (b'"just a string"', "application/json"),
        (b"\xff\xfe not utf-8", "application/json"),
        (b'{"title": "form-looking but JSON"}', "text/plain"),
        (b"title=form", "application/x-www-form-urlencoded"),
        (b'{"title": "no content type"}', None),
    ],
)
async def test_bodies_that_are_not_a_json_object_are_refused(
    shared: Shared, content: bytes, content_type: str | None
) -> None:
    user = shared.alice
    headers = user.auth | ({"Content-Type": content_type} if content_type else {})
    task = await make_task(shared.db, user.id, "unchanged")
    created = await shared.client.post(user.tasks_url(), content=content, headers=headers)
    updated = await shared.client.put(user.tasks_url(task["id"]), content=content, headers=headers)
    for response in (created, updated):
        assert assert_error(response, 400, "VALIDATION_ERROR")["details"]["body"]
    assert await stored_task(shared.db, task["id"]) == task


async def test_fields_a_body_may_not_set_are_ignored(shared: Shared) -> None:
    user, other = shared.alice, shared.bob
    forged = {
        "id": str(uuid.uuid4()),
        "user_id": str(other.id),
        "created_at": "2000-01-01T00:00:00Z",
        "updated_at": "2000-01-01T00:00:00Z",
    }
    created = assert_success(
        await shared.client.post(
            user.tasks_url(),
            json={"title": "mine", "completed": True, **forged},
            headers=user.auth,
        ),
        201,
    )
    assert_task(created, user_id=user.id)
    assert created["id"] != forged["id"]
    assert created["completed"] is False
    assert not created["created_at"].startswith("2000")
    updated = assert_success(
        await shared.client.put(
            user.tasks_url(created["id"]), json={"title": "renamed", **forged}, headers=user.auth
        ),
        200,
    )
    assert updated["id"] == created["id"]
    assert updated["user_id"] == str(user.id)
    assert updated["title"] == "renamed"
    assert updated["created_at"] == created["created_at"]
    assert not updated["updated_at"].startswith("2000")


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("limit=1.5", "limit"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
        ("sort=colour", "sort"),
        ("sort=relevance", "sort"),  # without q there is nothing to rank by
        ("sort=", "sort"),
        ("order=up", "order"),
        ("order=DESC", "order"),
        ("completed=maybe", "completed"),
        ("completed=", "completed"),
    ],
)
async def test_bad_query_parameters(shared: Shared, query: str, parameter: str) -> None:
    user = shared.alice
    response = await shared.client.get(f"{user.tasks_url()}?{query}", headers=user.auth)
    error = assert_error(response, 400, "INVALID_PARAMETER")
    assert list(error["details"]) == [parameter]


@pytest.mark.parametrize(
    ("query", "limit", "offset"),
    [("limit=1", 1, 0), ("limit=100", 100, 0), ("offset=0", 50, 0), ("", 50, 0)],
)
async def test_good_query_parameters(shared: Shared, query: str, limit: int, offset: int) -> None:
    user = shared.bob  # bob's listing is not disturbed by the other tests of this module
    response = await shared.client.get(f"{user.tasks_url()}?{query}", headers=user.auth)
    assert_success(response, 200)
    meta = response.json()["meta"]
    assert (meta["limit"], meta["offset"]) == (limit, offset)


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("PUT", ""), ("DELETE", ""), ("PATCH", "/complete")],
)
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "123", "0000-0000"])
async def test_malformed_task_id(shared: Shared, method: str, suffix: str, bad_id: str) -> None:
    user = shared.alice
    response = await shared.client.request(
        method, f"{user.tasks_url(bad_id)}{suffix}", json={"title": "x"}, headers=user.auth
    )
    assert list(assert_error(response, 400, "INVALID_PARAMETER")["details"]) == ["task_id"]


async def test_malformed_user_id(shared: Shared) -> None:
    user = shared.alice
    response = await shared.client.get("/api/not-a-uuid/tasks", headers=user.auth)
    assert assert_error(response, 400, "INVALID_PARAMETER")["details"] == {
        "user_id": ["must be a UUID"]
    }
    # Credentials are still checked first.
    assert_error(await shared.client.get("/api/not-a-uuid/tasks"), 401, "UNAUTHORIZED")


async def test_query_parameters_a_route_does_not_have_are_refused(shared: Shared) -> None:
    user = shared.alice
    typo = await shared.client.get(user.tasks_url() + "?complete=true", headers=user.auth)
    error = assert_error(typo, 400, "INVALID_PARAMETER")
    assert error["details"] == {"complete": ["is not a parameter of this route"]}
    export = await shared.client.get(f"/api/{user.id}/export?fmt=csv", headers=user.auth)
    assert_error(export, 400, "INVALID_PARAMETER")
    # A dead credential still answers first.
    anonymous = await shared.client.get(user.tasks_url() + "?complete=true")
    assert_error(anonymous, 401, "UNAUTHORIZED")
