"""Requests whose work is one batch send COMMIT with it, beside the guard: what the guard
refuses must have been confined to nothing already (see `todo.api.caller`)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from todo.db import Database, Transaction

from ..helpers import make_task, make_user
from .support import User, bearer, hs256


@pytest.mark.parametrize(
    ("method", "path", "tagged"),
    [
        ("POST", "/tasks", False),
        ("POST", "/tasks", True),
        ("PUT", "/tasks/{task}", False),
        ("PUT", "/tasks/{task}", True),
        ("PATCH", "/tasks/{task}/complete", False),
        ("DELETE", "/tasks/{task}", False),
    ],
)
async def test_a_refused_write_in_one_round_trip_changes_nothing(
    client: httpx.AsyncClient,
    db: Database,
    alice: User,
    bob: User,
    method: str,
    path: str,
    tagged: bool,
) -> None:
    """A plain write sends its statement and COMMIT beside the guard: whether the guard refuses
    the credential (401) or the path (403), nothing is written. A write with tags and a due
    date sends its few statements in that same round trip: nor are they written."""
    task = await make_task(db, alice.id, "hers")
    target = f"/api/{alice.id}" + path.format(task=task["id"])
    body: dict[str, object] | None = {"title": "changed"} if method in ("POST", "PUT") else None
    if tagged:
        body = {"title": "changed", "tags": ["new"], "due_at": "2026-12-05", "priority": "high"}
    deleted = await make_user(db, "gone@example.com")
    async with db.owner_transaction() as tx:
        await tx.execute("DELETE FROM users WHERE id = %s", (deleted,))
    for headers, status in ((bearer(hs256(deleted)), 401), (bob.auth, 403)):
        response = await client.request(method, target, json=body, headers=headers)
        assert response.status_code == status, response.text
    async with db.owner_transaction() as tx:
        rows = await tx.fetch_all("SELECT title, completed, due_at, priority FROM tasks")
        assert await tx.fetch_value("SELECT count(*) FROM tags") == 0
    assert rows == [{"title": "hers", "completed": False, "due_at": None, "priority": 0}]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/tasks", None),
        ("GET", "/tasks?q=hers&tag=home&sort=due_at&overdue=false&due_before=2999-01-01", None),
        ("GET", "/tasks/{task}", None),
        ("POST", "/tasks", {"title": "plain"}),
        ("POST", "/tasks", {"title": "t", "tags": ["home", "new"], "due_at": "2026-12-05"}),
        ("PUT", "/tasks/{task}", {"title": "changed"}),
        ("PUT", "/tasks/{task}", {"tags": ["work"], "tag_ids": [], "priority": "low"}),
        ("PATCH", "/tasks/{task}/complete", None),
        ("DELETE", "/tasks/{task}", None),
    ],
)
async def test_task_requests_take_one_round_trip(
    client: httpx.AsyncClient,
    db: Database,
    alice: User,
    method: str,
    path: str,
    body: dict[str, object] | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reads and writes of tasks, with the new fields, tags and filters, cost one round trip to
    the database each (counted where the unit of work sends a batch)."""
    task = await make_task(db, alice.id, "hers")
    await client.put(alice.tasks_url(task["id"]), json={"tags": ["home"]}, headers=alice.auth)
    sent = 0
    execute = Transaction._execute

    async def counted(self: Transaction, cursors: Any, queries: Any) -> None:
        nonlocal sent
        sent += 1
        await execute(self, cursors, queries)

    commit = Transaction._commit

    async def counted_commit(self: Transaction) -> None:  # a COMMIT of its own
        nonlocal sent
        sent += 1
        await commit(self)

    monkeypatch.setattr(Transaction, "_execute", counted)
    monkeypatch.setattr(Transaction, "_commit", counted_commit)
    target = f"/api/{alice.id}" + path.format(task=task["id"])
    response = await client.request(method, target, json=body, headers=alice.auth)
    assert response.status_code < 300, response.text
    assert sent == 1
