"""The contract matrix: two users x every endpoint x (own task, other's task, missing task,
wrong path user, no credentials), each with its status, its body shape, and nothing changed
that should not be."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from todo.db import Database

from ..helpers import make_task
from .support import (
    User,
    assert_error,
    assert_success,
    assert_task,
    bearer,
    eddsa_key,
    new_session,
    stored_task,
)

# name: (method, path after /api/{user}/tasks, body, success status)
ENDPOINTS: dict[str, tuple[str, str, dict[str, Any] | None, int]] = {
    "list": ("GET", "", None, 200),
    "create": ("POST", "", {"title": "Written by the test"}, 201),
    "get": ("GET", "/{task}", None, 200),
    "update": ("PUT", "/{task}", {"title": "Changed", "completed": True}, 200),
    "delete": ("DELETE", "/{task}", None, 204),
    "toggle": ("PATCH", "/{task}/complete", None, 200),
}
WITH_TASK = [name for name, (_, path, _, _) in ENDPOINTS.items() if "{task}" in path]


@dataclass(frozen=True)
class Matrix:
    """The two users, a task of each (bob has a second, so lists tell them apart), a client."""

    client: httpx.AsyncClient
    db: Database
    alice: User
    bob: User
    tasks: dict[uuid.UUID, dict[str, Any]]  # user id -> that user's first task

    def pairs(self) -> list[tuple[User, User]]:
        """Both users take both roles: (actor, other)."""
        return [(self.alice, self.bob), (self.bob, self.alice)]

    async def call(
        self, endpoint: str, *, path_user: uuid.UUID, task: object, headers: dict[str, str]
    ) -> httpx.Response:
        method, path, body, _ = ENDPOINTS[endpoint]
        url = f"/api/{path_user}/tasks" + path.format(task=task)
        return await self.client.request(method, url, json=body, headers=headers)

    async def unchanged(self, task: dict[str, Any]) -> bool:
        return await stored_task(self.db, task["id"]) == task


@pytest.fixture
async def m(client: httpx.AsyncClient, db: Database, alice: User, bob: User) -> Matrix:
    await make_task(db, bob.id, "bob's other")
    tasks = {
        alice.id: await make_task(db, alice.id, "alice's", description="hers"),
        bob.id: await make_task(db, bob.id, "bob's", description="his"),
    }
    return Matrix(client, db, alice, bob, tasks)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_own_task(m: Matrix, endpoint: str) -> None:
    for actor, _ in m.pairs():
        mine = m.tasks[actor.id]
        response = await m.call(endpoint, path_user=actor.id, task=mine["id"], headers=actor.auth)
        data = assert_success(response, ENDPOINTS[endpoint][3])
        assert "x-ratelimit-remaining" in response.headers
        if endpoint == "list":
            assert {task["title"] for task in data} <= {"alice's", "bob's", "bob's other"}
            for task in data:
                assert_task(task, user_id=actor.id)
            assert response.json()["meta"]["total"] == len(data) == (1 if actor is m.alice else 2)
        elif endpoint == "delete":
            assert await stored_task(m.db, mine["id"]) is None
        else:
            assert_task(data, user_id=actor.id)
            if endpoint != "create":
                assert data["id"] == str(mine["id"])
    if endpoint == "toggle":
        assert (await stored_task(m.db, m.tasks[m.alice.id]["id"]) or {})["completed"] is True


@pytest.mark.parametrize("endpoint", WITH_TASK)
async def test_other_users_task_is_not_found(m: Matrix, endpoint: str) -> None:
    for actor, other in m.pairs():
        theirs = m.tasks[other.id]
        response = await m.call(endpoint, path_user=actor.id, task=theirs["id"], headers=actor.auth)
        error = assert_error(response, 404, "NOT_FOUND")
        assert error["message"] == "Task not found"
        assert await m.unchanged(theirs)


@pytest.mark.parametrize("endpoint", WITH_TASK)
async def test_missing_task_is_not_found_the_same_way(m: Matrix, endpoint: str) -> None:
    for actor, other in m.pairs():
        missing = await m.call(endpoint, path_user=actor.id, task=uuid.uuid4(), headers=actor.auth)
        theirs = await m.call(
            endpoint, path_user=actor.id, task=m.tasks[other.id]["id"], headers=actor.auth
        )
        assert_error(missing, 404, "NOT_FOUND")
        # Never reveal which: the two answers differ only in their timestamps.
        assert missing.json()["error"] == theirs.json()["error"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_another_users_path_is_forbidden(m: Matrix, endpoint: str) -> None:
    for actor, other in m.pairs():
        theirs = m.tasks[other.id]
        response = await m.call(endpoint, path_user=other.id, task=theirs["id"], headers=actor.auth)
        assert_error(response, 403, "FORBIDDEN")
        assert await m.unchanged(theirs)
    async with m.db.owner_transaction() as tx:
        assert await tx.fetch_value("SELECT count(*) FROM tasks") == 3


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_no_credentials_is_unauthorized(m: Matrix, endpoint: str) -> None:
    for user in (m.alice, m.bob):
        task = m.tasks[user.id]
        response = await m.call(endpoint, path_user=user.id, task=task["id"], headers={})
        assert_error(response, 401, "UNAUTHORIZED")
        assert "x-ratelimit-limit" not in response.headers
        assert await m.unchanged(task)


async def test_forbidden_and_not_found_hold_for_sessions_and_eddsa_jwts(m: Matrix) -> None:
    """The matrix's refusals with the other two kinds of credential. With a session the
    caller is only known in the database, so this is where its identity check shows."""
    alice, bob = m.alice, m.bob
    key = await eddsa_key(m.db)
    credentials = {
        "session": bearer(await new_session(m.db, alice.id)),
        "eddsa": bearer(key.sign(alice.id)),
    }
    bobs = m.tasks[bob.id]
    for kind, headers in credentials.items():
        for endpoint in ENDPOINTS:
            wrong_path = await m.call(endpoint, path_user=bob.id, task=bobs["id"], headers=headers)
            assert_error(wrong_path, 403, "FORBIDDEN")
            if endpoint in WITH_TASK:
                other = await m.call(endpoint, path_user=alice.id, task=bobs["id"], headers=headers)
                assert_error(other, 404, "NOT_FOUND")
        assert await m.unchanged(bobs), kind
        mine = await m.call(
            "get", path_user=alice.id, task=m.tasks[alice.id]["id"], headers=headers
        )
        assert_task(assert_success(mine, 200), user_id=alice.id)
    async with m.db.owner_transaction() as tx:
        assert await tx.fetch_value("SELECT count(*) FROM tasks WHERE user_id = %s", (bob.id,)) == 2
