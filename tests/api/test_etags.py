"""Optimistic concurrency: ETags on every answer that carries one task, If-Match on writes
(412 when stale, nothing changed), If-None-Match on reads (304), and two concurrent editors."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx
import pytest

from todo.db import Database

from ..helpers import make_task
from .support import (
    User,
    assert_error,
    assert_success,
    stored_task,
    until_blocked,
)

NEVER = 60  # hang guard only (see test_idempotency)

# name: (method, path after the task's url, body, success status)
WRITES: dict[str, tuple[str, str, dict[str, Any] | None, int]] = {
    "update": ("PUT", "", {"title": "Changed"}, 200),
    "toggle": ("PATCH", "/complete", None, 200),
    "delete": ("DELETE", "", None, 204),
}


def strong_etag(response: httpx.Response) -> str:
    tag = response.headers["etag"]
    assert re.fullmatch(r'"[^"]+"', tag), tag  # strong (no W/), quoted
    return tag


async def write(
    client: httpx.AsyncClient, user: User, task_id: object, name: str, **headers: str
) -> httpx.Response:
    method, suffix, body, _ = WRITES[name]
    url = user.tasks_url(task_id) + suffix
    return await client.request(method, url, json=body, headers=user.auth | headers)


async def test_every_answer_with_one_task_has_an_etag_that_follows_every_change(
    client: httpx.AsyncClient, db: Database, alice: User
) -> None:
    created = await client.post(alice.tasks_url(), json={"title": "v1"}, headers=alice.auth)
    task_id = assert_success(created, 201)["id"]
    seen = [strong_etag(created)]

    async def read() -> str:
        return strong_etag(await client.get(alice.tasks_url(task_id), headers=alice.auth))

    assert await read() == seen[-1]  # reading changes nothing
    for name in ("update", "toggle", "toggle"):
        response = await write(client, alice, task_id, name)
        assert_success(response, 200)
        seen.append(strong_etag(response))
        assert await read() == seen[-1]
    # A change made elsewhere (the web pages, an operator) changes it too.
    async with db.owner_transaction() as tx:
        await tx.execute("UPDATE tasks SET description = 'by hand' WHERE id = %s", (task_id,))
    seen.append(await read())
    assert len(set(seen)) == len(seen), seen
    assert "version" not in assert_success(created, 201)  # the version is the ETag only


@pytest.mark.parametrize("name", WRITES)
async def test_a_stale_if_match_is_412_and_changes_nothing(
    client: httpx.AsyncClient, db: Database, alice: User, name: str
) -> None:
    task = await make_task(db, alice.id, "original")
    stale = f'"{task["version"]}"'
    await client.put(alice.tasks_url(task["id"]), json={"title": "moved on"}, headers=alice.auth)
    before = await stored_task(db, task["id"])
    for if_match in (stale, f'"nonsense", {stale}', f'W/"{before and before["version"]}"'):
        response = await write(client, alice, task["id"], name, **{"If-Match": if_match})
        error = assert_error(response, 412, "PRECONDITION_FAILED")
        assert "If-Match" in error["details"]
        assert await stored_task(db, task["id"]) == before


@pytest.mark.parametrize("name", WRITES)
@pytest.mark.parametrize("form", ["current", "listed", "star"])
async def test_a_matching_if_match_lets_the_write_through(
    client: httpx.AsyncClient, db: Database, alice: User, name: str, form: str
) -> None:
    task = await make_task(db, alice.id, "original")
    current = f'"{task["version"]}"'
    if_match = {"current": current, "listed": f'"older", {current}', "star": "*"}[form]
    response = await write(client, alice, task["id"], name, **{"If-Match": if_match})
    assert_success(response, WRITES[name][3])
    after = await stored_task(db, task["id"])
    if name == "delete":
        assert after is None
    else:
        assert after is not None
        assert response.headers["etag"] == f'"{after["version"]}"' != current


@pytest.mark.parametrize("name", WRITES)
async def test_if_match_on_a_missing_or_someone_elses_task_is_still_404(
    client: httpx.AsyncClient, db: Database, alice: User, bob: User, name: str
) -> None:
    theirs = await make_task(db, bob.id, "bob's")
    for task_id, if_match in ((uuid.uuid4(), '"1.2"'), (theirs["id"], f'"{theirs["version"]}"')):
        response = await write(client, alice, task_id, name, **{"If-Match": if_match})
        assert_error(response, 404, "NOT_FOUND")
    assert await stored_task(db, theirs["id"]) == theirs


@pytest.mark.parametrize("if_match", ["1.2", '"open', '"a" "b"', ",", "W/1"])
async def test_a_malformed_if_match_is_an_invalid_parameter(
    client: httpx.AsyncClient, db: Database, alice: User, if_match: str
) -> None:
    task = await make_task(db, alice.id, "original")
    response = await write(client, alice, task["id"], "update", **{"If-Match": if_match})
    error = assert_error(response, 400, "INVALID_PARAMETER")
    assert "If-Match" in error["details"]
    assert await stored_task(db, task["id"]) == task


async def test_if_none_match_answers_304_while_the_task_is_unchanged(
    client: httpx.AsyncClient, db: Database, alice: User
) -> None:
    task = await make_task(db, alice.id, "cached")
    url, tag = alice.tasks_url(task["id"]), f'"{task["version"]}"'
    for if_none_match in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        response = await client.get(url, headers=alice.auth | {"If-None-Match": if_none_match})
        assert response.status_code == 304, if_none_match
        assert response.content == b""
        assert response.headers["etag"] == tag
        assert "x-ratelimit-remaining" in response.headers
    changed = await write(client, alice, task["id"], "toggle")
    response = await client.get(url, headers=alice.auth | {"If-None-Match": tag})
    assert assert_success(response, 200)["completed"] is True
    assert response.headers["etag"] == changed.headers["etag"] != tag
    missing = alice.tasks_url(uuid.uuid4())
    assert_error(
        await client.get(missing, headers=alice.auth | {"If-None-Match": "*"}), 404, "NOT_FOUND"
    )


async def test_two_concurrent_editors_with_the_same_etag_exactly_one_wins(
    client: httpx.AsyncClient, db: Database, alice: User
) -> None:
    # Rate limits on, as by default: both requests reach their UPDATE (the count of the first
    # does not queue the second).
    task = await make_task(db, alice.id, "shared")
    headers = alice.auth | {"If-Match": f'"{task["version"]}"'}

    async def edit(title: str) -> httpx.Response:
        return await client.put(alice.tasks_url(task["id"]), json={"title": title}, headers=headers)

    async with db.owner_transaction() as holder:
        # Both editors read the same version and then meet at the row: hold it until both wait.
        await holder.execute("SELECT 1 FROM tasks WHERE id = %s FOR UPDATE", (task["id"],))
        both = asyncio.gather(edit("Ann's title"), edit("Ben's title"))
        await asyncio.wait_for(until_blocked(db, "UPDATE tasks", count=2), NEVER)
    answers = await asyncio.wait_for(both, NEVER)
    assert sorted(answer.status_code for answer in answers) == [200, 412]
    (winner,) = [answer for answer in answers if answer.status_code == 200]
    (loser,) = [answer for answer in answers if answer.status_code == 412]
    assert_error(loser, 412, "PRECONDITION_FAILED")
    stored = await stored_task(db, task["id"])
    assert stored is not None
    assert stored["title"] == assert_success(winner, 200)["title"]
    assert winner.headers["etag"] == f'"{stored["version"]}"'
