"""JWTs issued by /api/auth name their session (`sid`) and die with it on the task API: after
sign-out, a revoked session, a password change or reset. HS256 JWTs without `sid` (a front end
that shares the secret) keep working until they expire."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest

from todo.api import repository as api_repository
from todo.db import Database

from ..api.support import hs256
from .conftest import PASSWORD, SECRET, OpenAt, Site, bearer, sign_in, sign_up


async def _session(client: httpx.AsyncClient, email: str) -> dict[str, Any]:
    """A new session (signed up, or signed in if the account exists): token, user id, JWT."""
    response = await sign_up(client, email)
    if response.status_code != 200:
        response = await sign_in(client, email)
    assert response.status_code == 200, response.text
    client.cookies.clear()
    token = response.json()["token"]
    issued = await client.get("/api/auth/token", headers=bearer(token))
    return {"token": token, "user": response.json()["user"]["id"], "jwt": issued.json()["token"]}


async def _tasks(client: httpx.AsyncClient, user_id: str, credential: str) -> int:
    return (await client.get(f"/api/{user_id}/tasks", headers=bearer(credential))).status_code


@pytest.fixture
async def at(site: Site) -> AsyncIterator[OpenAt]:
    async with site() as opener:
        yield opener


async def test_the_jwt_names_its_session(at: OpenAt) -> None:
    client = at("127.0.0.1")
    me = await _session(client, "sid@example.com")
    claims = jwt.decode(me["jwt"], options={"verify_signature": False})
    session = (await client.get("/api/auth/get-session", headers=bearer(me["token"]))).json()
    assert claims["sid"] == session["session"]["id"]


async def test_sign_out_ends_the_jwt_at_once_and_a_fresh_one_works(at: OpenAt) -> None:
    client = at("127.0.0.1")
    me = await _session(client, "out@example.com")
    header_jwt = (await client.get("/api/auth/get-session", headers=bearer(me["token"]))).headers[
        "set-auth-jwt"
    ]
    assert await _tasks(client, me["user"], me["jwt"]) == 200

    await client.post("/api/auth/sign-out", headers=bearer(me["token"]))
    again = await _session(client, "out@example.com")

    assert await _tasks(client, me["user"], me["jwt"]) == 401
    assert await _tasks(client, me["user"], header_jwt) == 401
    assert await _tasks(client, me["user"], again["jwt"]) == 200


async def test_revoking_a_session_ends_its_jwt(at: OpenAt) -> None:
    client = at("127.0.0.1")
    phone = await _session(client, "two@example.com")
    laptop = await _session(client, "two@example.com")
    phone_id = jwt.decode(phone["jwt"], options={"verify_signature": False})["sid"]

    revoked = await client.post(
        "/api/auth/revoke-session", json={"token": phone_id}, headers=bearer(laptop["token"])
    )

    assert revoked.status_code == 200
    assert await _tasks(client, phone["user"], phone["jwt"]) == 401
    assert await _tasks(client, laptop["user"], laptop["jwt"]) == 200
    await client.post("/api/auth/revoke-sessions", headers=bearer(laptop["token"]))
    assert await _tasks(client, laptop["user"], laptop["jwt"]) == 401


async def test_a_password_change_ends_the_jwts_of_the_sessions_it_ends(at: OpenAt) -> None:
    client = at("127.0.0.1")
    other = await _session(client, "pw@example.com")
    this = await _session(client, "pw@example.com")

    kept = await client.post(
        "/api/auth/change-password",
        json={"currentPassword": PASSWORD, "newPassword": "Second-pass-2"},
        headers=bearer(this["token"]),
    )
    assert kept.status_code == 200
    assert await _tasks(client, other["user"], other["jwt"]) == 401
    assert await _tasks(client, this["user"], this["jwt"]) == 200  # this session was kept

    replaced = await client.post(
        "/api/auth/change-password",
        json={
            "currentPassword": "Second-pass-2",
            "newPassword": "Third-pass-3",
            "revokeOtherSessions": True,
        },
        headers=bearer(this["token"]),
    )
    assert replaced.status_code == 200
    assert await _tasks(client, this["user"], this["jwt"]) == 401
    fresh = await client.get("/api/auth/token", headers=bearer(replaced.json()["token"]))
    assert await _tasks(client, this["user"], fresh.json()["token"]) == 200


async def test_an_hs256_jwt_without_sid_keeps_working(at: OpenAt) -> None:
    client = at("127.0.0.1")
    me = await _session(client, "front@example.com")
    await client.post("/api/auth/revoke-sessions", headers=bearer(me["token"]))

    assert await _tasks(client, me["user"], hs256(me["user"], secret=SECRET)) == 200


async def test_a_sid_that_is_not_a_live_session_of_the_subject_is_refused(at: OpenAt) -> None:
    client = at("127.0.0.1")
    me = await _session(client, "me@example.com")
    them = await _session(client, "them@example.com")
    theirs = jwt.decode(them["jwt"], options={"verify_signature": False})["sid"]
    mine = jwt.decode(me["jwt"], options={"verify_signature": False})["sid"]

    def signed(sid: object) -> str:
        return hs256(me["user"], secret=SECRET, sid=sid)

    assert await _tasks(client, me["user"], signed(mine)) == 200
    assert await _tasks(client, me["user"], signed(theirs)) == 401
    assert await _tasks(client, me["user"], signed(str(uuid.uuid4()))) == 401
    assert await _tasks(client, me["user"], signed("not-a-uuid")) == 401
    assert await _tasks(client, me["user"], signed(42)) == 401


async def test_the_session_check_is_one_lookup_by_primary_key(db: Database) -> None:
    statement, params = api_repository.caller_check(
        user_id=uuid.uuid4(),
        session_token_hash=None,
        windows=[("m", 60, 100)],
        path_user_id=None,
        session_id=uuid.uuid4(),
    )
    async with db.owner_transaction() as tx:
        # Thousands of users with one session each: statistics that make the index on user_id
        # look as good as the primary key (the planner took it, before the statement said no).
        await tx.execute(
            "INSERT INTO users (email) SELECT 'u' || n || '@example.com' "
            "FROM generate_series(1, 5000) AS n"
        )
        await tx.execute(
            "INSERT INTO sessions (user_id, token_hash, expires_at) "
            "SELECT id, sha256(convert_to(id::text, 'UTF8')), now() + interval '1 day' FROM users"
        )
        await tx.execute("ANALYZE users, sessions")
    async with db.transaction(None) as tx:
        plan = await tx.fetch_value("EXPLAIN (FORMAT JSON) " + statement, params)

    def nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
        return [node, *(child for sub in node.get("Plans", []) for child in nodes(sub))]

    scans = [node for node in nodes(plan[0]["Plan"]) if node.get("Relation Name") == "sessions"]
    assert [(node["Node Type"], node.get("Index Name")) for node in scans] == [
        ("Index Scan", "pk_sessions")
    ]
