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


async def test_a_name_too_long_is_said_next_to_the_field(database_url: str, db: Database) -> None:
    too_long = "n" * 256
    visitor = await sign_in(db, "bob@example.com")
    async with running(database_url) as app, client(app, headers={"origin": BASE}) as http:
        signing_up = await http.post("/sign-up", data={**FORM, "name": too_long})
        renaming = await http.post(
            "/account/profile",
            data={"name": too_long, "csrf_token": visitor.csrf},
            headers=visitor.headers(),
        )
    message = "Keep your name to 255 characters or fewer."
    for refused in (signing_up, renaming):
        assert refused.status_code == 400
        assert message in refused.text
        assert 'id="name-error"' in refused.text
    async with db.owner_transaction() as tx:
        assert await tx.fetch_value("SELECT count(*) FROM users") == 1
        assert await tx.fetch_value("SELECT name FROM users") == "bob"


async def test_a_throttled_sign_in_says_how_long_to_wait(database_url: str) -> None:
    # A ten-minute window makes the first wait 10 s: no slow moment can end it early.
    slow = {"sign_in_failure_window": 600}
    async with running(database_url, **slow) as app, client(app, headers={"origin": BASE}) as http:
        await http.post("/sign-up", data=FORM)
        http.cookies.clear()
        wrong = {"email": FORM["email"], "password": "Wrong-guess-1"}
        refused = [await http.post("/sign-in", data=wrong) for _ in range(3)]
    assert [response.status_code for response in refused] == [401, 401, 429]
    assert "The email or the password is not right." in refused[0].text
    assert "Too many attempts. Wait 10 seconds and try again." in refused[2].text
    assert "set-cookie" not in refused[2].headers


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


async def test_importing_a_file_from_the_account_page(database_url: str, db: Database) -> None:
    visitor = await sign_in(db, "alice@example.com")
    csv_file = {"tasks_file": ("mine.csv", b"title,completed\nfirst,false\nsecond,true\n", "")}
    token = {"csrf_token": visitor.csrf}

    async def titles() -> list[str]:
        async with db.transaction(visitor.user_id) as tx:
            rows = await tx.fetch_all("SELECT title FROM tasks ORDER BY title")
        return [row["title"] for row in rows]

    async with running(database_url) as app, client(app) as http:
        # Without the CSRF token: refused, nothing imported.
        response = await http.post("/account/import", files=csv_file, headers=visitor.headers())
        assert response.status_code == 403
        assert await titles() == []
        # No file chosen: said next to the field.
        response = await http.post(
            "/account/import",
            data=token,
            files={"tasks_file": ("", b"", "")},
            headers=visitor.headers(),
        )
        assert response.status_code == 400
        assert "Choose a file" in response.text
        # A CSV (known by its name): imported, then the page says how many.
        response = await http.post(
            "/account/import", data=token, files=csv_file, headers=visitor.headers()
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/account?done=imported&created=2&archived=0"
        assert await titles() == ["first", "second"]
        page = await http.get(response.headers["location"], headers=visitor.headers())
        assert "Imported 2 tasks." in page.text
        forged = await http.get(
            "/account?done=imported&created=<b>&archived=0", headers=visitor.headers()
        )
        assert "Imported" not in forged.text
