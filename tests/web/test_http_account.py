"""The account routes over HTTP: cookies, CSRF, redirects and every page rendering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from todo.db import Database

from .asgi import BASE, client, running, sign_in
from .pages import PASSWORD

FORM = {"name": "Alice", "email": "alice@example.com", "password": PASSWORD}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/sign-in", 200),
        ("/sign-up", 200),
        ("/forgot-password", 200),
        ("/reset-password", 400),
        ("/reset-password?token=unknown", 400),
        ("/verify-email", 200),
        ("/email-verified", 200),
        ("/email-verified?error=INVALID_TOKEN", 400),
    ],
)
async def test_every_account_page_renders(database_url: str, path: str, status: int) -> None:
    async with running(database_url) as app, client(app) as http:
        response = await http.get(path)
    assert response.status_code == status
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert "<h1>" in response.text


async def test_account_settings_need_a_session(database_url: str) -> None:
    async with running(database_url) as app, client(app) as http:
        response = await http.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/account"


async def test_sign_up_signs_in_and_goes_on_but_never_off_site(database_url: str) -> None:
    async with running(database_url) as app, client(app, headers={"origin": BASE}) as http:
        response = await http.post("/sign-up", data={**FORM, "next": "//evil.example/"})
        assert response.status_code == 303
        assert response.headers["location"] == "/"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("better-auth.session_token=")
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert (await http.get("/")).status_code == 200


async def test_sign_in_from_another_site_is_refused(database_url: str) -> None:
    async with running(database_url) as app, client(app, headers={"origin": BASE}) as http:
        await http.post("/sign-up", data=FORM)
        http.cookies.clear()
        forged = await http.post(
            "/sign-in",
            data={"email": FORM["email"], "password": PASSWORD},
            headers={"origin": "http://evil.example", "sec-fetch-site": "cross-site"},
        )
        genuine = await http.post(
            "/sign-in", data={"email": FORM["email"], "password": PASSWORD, "next": "/active"}
        )
    assert forged.status_code == 403
    assert "set-cookie" not in forged.headers
    assert genuine.status_code == 303
    assert genuine.headers["location"] == "/active"


async def test_sign_out_needs_the_token(database_url: str, db: Database) -> None:
    visitor = await sign_in(db, "alice@example.com")
    async with running(database_url) as app, client(app) as http:
        refused = await http.post("/sign-out", headers=visitor.headers())
        still_in = await http.get("/", headers=visitor.headers())
        done = await http.post(
            "/sign-out", data={"csrf_token": visitor.csrf}, headers=visitor.headers()
        )
        after = await http.get("/", headers=visitor.headers())
    assert refused.status_code == 403
    assert still_in.status_code == 200
    assert done.status_code == 303
    assert "better-auth.session_token=; Max-Age=0" in done.headers["set-cookie"]
    assert after.status_code == 303


async def test_the_cookie_follows_the_session(database_url: str, db: Database) -> None:
    visitor = await sign_in(db, "alice@example.com")
    async with running(database_url) as app, client(app) as http:
        # Expiring within a day, the session is slid forward and its cookie set again.
        slid = await http.get("/", headers=visitor.headers())
        again = await http.get("/", headers=visitor.headers())
        async with db.owner_transaction() as tx:
            await tx.execute(
                "UPDATE sessions SET expires_at = %s", (datetime.now(UTC) - timedelta(seconds=1),)
            )
        expired = await http.get("/", headers=visitor.headers())
    assert "Max-Age=604800" in slid.headers["set-cookie"]
    assert "set-cookie" not in again.headers
    assert expired.status_code == 303
    assert "better-auth.session_token=; Max-Age=0" in expired.headers["set-cookie"]
