"""Requests whose work is one batch send COMMIT with it, beside the guard: what the guard
refuses must have been confined to nothing already (see `todo.api.caller`)."""

from __future__ import annotations

import httpx
import pytest

from todo.db import Database

from ..helpers import make_task, make_user
from .support import User, bearer, hs256


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/tasks"),
        ("PUT", "/tasks/{task}"),
        ("PATCH", "/tasks/{task}/complete"),
        ("DELETE", "/tasks/{task}"),
    ],
)
async def test_a_refused_write_in_one_round_trip_changes_nothing(
    client: httpx.AsyncClient, db: Database, alice: User, bob: User, method: str, path: str
) -> None:
    """A plain write sends its statement and COMMIT beside the guard: whether the guard refuses
    the credential (401) or the path (403), nothing is written."""
    task = await make_task(db, alice.id, "hers")
    target = f"/api/{alice.id}" + path.format(task=task["id"])
    body = {"title": "changed"} if method in ("POST", "PUT") else None
    deleted = await make_user(db, "gone@example.com")
    async with db.owner_transaction() as tx:
        await tx.execute("DELETE FROM users WHERE id = %s", (deleted,))
    for headers, status in ((bearer(hs256(deleted)), 401), (bob.auth, 403)):
        response = await client.request(method, target, json=body, headers=headers)
        assert response.status_code == status, response.text
    async with db.owner_transaction() as tx:
        rows = await tx.fetch_all("SELECT title, completed FROM tasks")
    assert rows == [{"title": "hers", "completed": False}]
