"""Deleting the account removes the user, their sessions, credentials and tasks."""

from __future__ import annotations

from uuid import UUID

import httpx

from tests.helpers import make_task
from todo.db import Database

from .conftest import PASSWORD, bearer, sign_in, sign_up


async def _count(db: Database, table: str) -> int:
    async with db.owner_transaction() as tx:
        count: int = await tx.fetch_value(f"SELECT count(*) FROM {table}")
    return count


async def test_delete_user_removes_everything(client: httpx.AsyncClient, db: Database) -> None:
    doomed = (await sign_up(client, "doomed@example.com")).json()
    keeper = (await sign_up(client, "keeper@example.com")).json()
    for owner in (doomed, keeper):
        await make_task(db, UUID(owner["user"]["id"]), "a task")
    client.cookies.clear()
    other = (await sign_in(client, "doomed@example.com")).json()["token"]
    client.cookies.clear()

    wrong = await client.post(
        "/api/auth/delete-user", json={"password": "Wrong-pass-1"}, headers=bearer(doomed["token"])
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "INVALID_PASSWORD"
    response = await client.post(
        "/api/auth/delete-user", json={"password": PASSWORD}, headers=bearer(doomed["token"])
    )

    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "User deleted"}
    assert "better-auth.session_token=; Max-Age=0" in response.headers["set-cookie"]
    assert (await client.get("/api/auth/get-session", headers=bearer(other))).json() is None
    assert (await sign_in(client, "doomed@example.com")).status_code == 401
    async with db.owner_transaction() as tx:
        owners = await tx.fetch_all("SELECT DISTINCT user_id FROM tasks")
    assert [row["user_id"] for row in owners] == [UUID(keeper["user"]["id"])]
    assert await _count(db, "users") == 1
    assert await _count(db, "accounts") == 1
    assert await _count(db, "sessions") == 1  # keeper's


async def test_without_a_password_the_session_must_be_fresh(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_up(client, "fresh@example.com")
    async with db.owner_transaction() as tx:
        await tx.execute("UPDATE sessions SET created_at = now() - interval '2 days'")
    stale = await client.post("/api/auth/delete-user", json={})
    assert stale.status_code == 400
    assert stale.json()["code"] == "SESSION_EXPIRED"

    async with db.owner_transaction() as tx:
        await tx.execute("UPDATE sessions SET created_at = now()")
    assert (await client.post("/api/auth/delete-user", json={})).status_code == 200
    assert await _count(db, "users") == 0


async def test_delete_user_needs_a_session(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/auth/delete-user", json={})).status_code == 401
