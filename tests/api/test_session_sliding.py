"""A session used on the task API slides forward like one used on /api/auth: at most once per
SESSION_UPDATE_AGE, and never for a browser that signed in with rememberMe=false."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx

from todo.auth import tokens
from todo.db import Database

from .support import SECRET, User, assert_success, new_session

WEEK = 7 * 86400


async def _expires_at(db: Database, token: str) -> datetime:
    async with db.owner_transaction() as tx:
        value = await tx.fetch_value(
            "SELECT expires_at FROM sessions WHERE token_hash = %s", (tokens.hash_token(token),)
        )
    assert isinstance(value, datetime)
    return value


async def test_a_session_due_for_refresh_is_slid_a_full_lifetime(
    client: httpx.AsyncClient, db: Database, alice: User
) -> None:
    token = await new_session(db, alice.id, expires_in=3600)  # last slid six days ago
    before = await _expires_at(db, token)
    response = await client.get(alice.tasks_url(), headers={"Authorization": f"Bearer {token}"})
    assert_success(response, 200)
    after = await _expires_at(db, token)
    assert after - before > timedelta(days=6)
    assert abs(after - (datetime.now(UTC) + timedelta(seconds=WEEK))) < timedelta(minutes=1)


async def test_a_recently_slid_session_is_left_alone(
    client: httpx.AsyncClient, db: Database, alice: User
) -> None:
    token = await new_session(db, alice.id, expires_in=WEEK - 600)  # slid ten minutes ago
    before = await _expires_at(db, token)
    response = await client.get(alice.tasks_url(), headers={"Authorization": f"Bearer {token}"})
    assert_success(response, 200)
    assert await _expires_at(db, token) == before


async def test_a_remember_me_false_browser_session_is_not_slid(
    client: httpx.AsyncClient, db: Database, alice: User
) -> None:
    token = await new_session(db, alice.id, expires_in=3600)
    before = await _expires_at(db, token)
    cookie = (
        f"better-auth.session_token={quote(tokens.sign(token, SECRET))}; "
        f"better-auth.dont_remember={quote(tokens.sign('true', SECRET))}"
    )
    response = await client.get(alice.tasks_url(), headers={"Cookie": cookie})
    assert_success(response, 200)
    assert await _expires_at(db, token) == before


async def test_an_expired_session_is_not_revived(
    client: httpx.AsyncClient, db: Database, alice: User
) -> None:
    token = await new_session(db, alice.id, expires_in=-1)
    before = await _expires_at(db, token)
    response = await client.get(alice.tasks_url(), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert await _expires_at(db, token) == before
