"""Sessions: sliding expiry, rememberMe, listing and revoking; profile and password changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from todo.db import Database

from .conftest import PASSWORD, bearer, sign_in, sign_up


def _expires_in(session: dict[str, str]) -> timedelta:
    expires = datetime.fromisoformat(session["expiresAt"].replace("Z", "+00:00"))
    return expires - datetime.now(UTC)


async def _age_session(db: Database, *, expires_in: str, created_ago: str = "0 s") -> None:
    async with db.owner_transaction() as tx:
        await tx.execute(
            "UPDATE sessions SET expires_at = now() + %s::interval, "
            "created_at = now() - %s::interval",
            (expires_in, created_ago),
        )


async def test_get_session_without_credentials_is_null(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/auth/get-session")
    assert response.status_code == 200
    assert response.json() is None
    assert response.headers["cache-control"] == "no-store"


async def test_sessions_last_seven_days_and_slide_at_most_daily(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_up(client, "slide@example.com")
    fresh = await client.get("/api/auth/get-session")
    assert timedelta(days=6, hours=23) < _expires_in(fresh.json()["session"]) <= timedelta(days=7)
    assert "set-cookie" not in fresh.headers  # slid less than a day ago: left alone

    await _age_session(db, expires_in="5 days")
    slid = await client.get("/api/auth/get-session")

    assert _expires_in(slid.json()["session"]) > timedelta(days=6, hours=23)
    assert "Max-Age=604800" in slid.headers["set-cookie"]
    assert "set-cookie" not in (await client.get("/api/auth/get-session")).headers


async def test_disable_refresh_leaves_the_expiry_alone(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_up(client, "still@example.com")
    await _age_session(db, expires_in="5 days")
    response = await client.get("/api/auth/get-session", params={"disableRefresh": "true"})
    assert _expires_in(response.json()["session"]) < timedelta(days=5)
    assert "set-cookie" not in response.headers


async def test_an_expired_session_is_gone(client: httpx.AsyncClient, db: Database) -> None:
    await sign_up(client, "expired@example.com")
    await _age_session(db, expires_in="-1 s")

    response = await client.get("/api/auth/get-session")

    assert response.json() is None
    assert "better-auth.session_token=; Max-Age=0" in response.headers["set-cookie"]
    async with db.owner_transaction() as tx:
        assert await tx.fetch_value("SELECT count(*) FROM sessions") == 0


async def test_remember_me_false_gives_a_one_day_browser_session(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_up(client, "brief@example.com")
    client.cookies.clear()
    response = await sign_in(client, "brief@example.com", rememberMe=False)

    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("better-auth.session_token="))
    assert "Max-Age" not in session_cookie
    assert any(c.startswith("better-auth.dont_remember=true.") for c in cookies)
    session = (await client.get("/api/auth/get-session")).json()["session"]
    assert timedelta(hours=23) < _expires_in(session) <= timedelta(days=1)
    await _age_session(db, expires_in="1 hour")
    again = await client.get("/api/auth/get-session")
    assert _expires_in(again.json()["session"]) < timedelta(hours=2)  # never slid
    assert "set-cookie" not in again.headers


async def test_update_user_changes_name_and_image_only(client: httpx.AsyncClient) -> None:
    await sign_up(client, "update@example.com")

    response = await client.post(
        "/api/auth/update-user", json={"name": "New Name", "image": None, "id": "x"}
    )

    assert response.status_code == 200
    assert response.json() == {"status": True}
    assert "set-auth-token" in response.headers
    user = (await client.get("/api/auth/get-session")).json()["user"]
    assert (user["name"], user["image"], user["email"]) == ("New Name", None, "update@example.com")
    email = await client.post("/api/auth/update-user", json={"email": "other@example.com"})
    assert email.status_code == 400
    assert email.json()["code"] == "EMAIL_CAN_NOT_BE_UPDATED"
    empty = await client.post("/api/auth/update-user", json={})
    assert empty.status_code == 400
    assert empty.json() == {"message": "No fields to update"}


async def test_update_user_needs_a_session(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/update-user", json={"name": "x"})
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized", "code": "UNAUTHORIZED"}


async def test_changing_the_password_ends_the_other_sessions(client: httpx.AsyncClient) -> None:
    other = (await sign_up(client, "change@example.com")).json()["token"]
    client.cookies.clear()
    current = (await sign_in(client, "change@example.com")).json()["token"]
    client.cookies.clear()

    wrong = await client.post(
        "/api/auth/change-password",
        json={"currentPassword": "Not-it-123", "newPassword": "Brand-new-42"},
        headers=bearer(current),
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "INVALID_PASSWORD"
    response = await client.post(
        "/api/auth/change-password",
        json={"currentPassword": PASSWORD, "newPassword": "Brand-new-42"},
        headers=bearer(current),
    )

    assert response.status_code == 200
    assert response.json()["token"] is None
    assert response.json()["user"]["email"] == "change@example.com"
    assert (await client.get("/api/auth/get-session", headers=bearer(other))).json() is None
    assert (await client.get("/api/auth/get-session", headers=bearer(current))).json()
    assert (await sign_in(client, "change@example.com")).status_code == 401
    assert (await sign_in(client, "change@example.com", "Brand-new-42")).status_code == 200


async def test_revoke_other_sessions_on_change_replaces_the_current_one(
    client: httpx.AsyncClient,
) -> None:
    old = (await sign_up(client, "replace@example.com")).json()["token"]

    response = await client.post(
        "/api/auth/change-password",
        json={
            "currentPassword": PASSWORD,
            "newPassword": "Brand-new-42",
            "revokeOtherSessions": True,
        },
    )

    new = response.json()["token"]
    assert new
    assert new != old
    client.cookies.clear()
    assert (await client.get("/api/auth/get-session", headers=bearer(old))).json() is None
    assert (await client.get("/api/auth/get-session", headers=bearer(new))).json()


async def test_sessions_can_be_listed_and_revoked(client: httpx.AsyncClient) -> None:
    await sign_up(client, "many@example.com")
    client.cookies.clear()
    tokens = [(await sign_in(client, "many@example.com")).json()["token"] for _ in range(3)]
    client.cookies.clear()
    me = bearer(tokens[0])

    listed = (await client.get("/api/auth/list-sessions", headers=me)).json()

    assert len(listed) == 4
    assert all(entry["token"] == entry["id"] for entry in listed)
    assert not {entry["token"] for entry in listed} & set(tokens)
    spared = {await _session_id(client, tokens[0]), await _session_id(client, tokens[1])}
    by_id = next(entry["id"] for entry in listed if entry["id"] not in spared)
    revoked = await client.post("/api/auth/revoke-session", json={"token": by_id}, headers=me)
    assert revoked.json() == {"status": True}
    by_token = await client.post("/api/auth/revoke-session", json={"token": tokens[1]}, headers=me)
    assert by_token.json() == {"status": True}
    assert (await client.get("/api/auth/get-session", headers=bearer(tokens[1]))).json() is None
    assert len((await client.get("/api/auth/list-sessions", headers=me)).json()) == 2

    others = await client.post("/api/auth/revoke-other-sessions", headers=me)
    assert others.json() == {"status": True}
    assert len((await client.get("/api/auth/list-sessions", headers=me)).json()) == 1
    everything = await client.post("/api/auth/revoke-sessions", headers=me)
    assert everything.json() == {"status": True}
    assert (await client.get("/api/auth/get-session", headers=me)).json() is None


async def _session_id(client: httpx.AsyncClient, token: str) -> str:
    session = (await client.get("/api/auth/get-session", headers=bearer(token))).json()
    return str(session["session"]["id"])


async def test_someone_elses_session_cannot_be_revoked(client: httpx.AsyncClient) -> None:
    victim = (await sign_up(client, "victim@example.com")).json()["token"]
    client.cookies.clear()
    attacker = (await sign_up(client, "attacker@example.com")).json()["token"]
    client.cookies.clear()
    for target in (await _session_id(client, victim), victim):
        response = await client.post(
            "/api/auth/revoke-session", json={"token": target}, headers=bearer(attacker)
        )
        assert response.json() == {"status": True}
    assert (await client.get("/api/auth/get-session", headers=bearer(victim))).json()


async def test_listing_sessions_needs_a_fresh_session(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_up(client, "stale@example.com")
    await _age_session(db, expires_in="6 days", created_ago="2 days")
    response = await client.get("/api/auth/list-sessions")
    assert response.status_code == 403
    assert response.json()["code"] == "SESSION_NOT_FRESH"
