"""The planning routes over HTTP: the time zone form (CSRF, refusals), the quick-add preview
and the redirect that says what a quick add understood, and other users' tasks kept out."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit
from uuid import UUID

from todo.db import Database
from todo.web import planning

from ..helpers import make_task
from .asgi import client, running, sign_in


async def zone_of(db: Database, user_id: UUID) -> str:
    return await planning.time_zone_of(db, user_id=user_id)


async def test_the_time_zone_form_checks_origin_token_and_name(
    database_url: str, db: Database
) -> None:
    visitor = await sign_in(db, "alice@example.com")
    async with running(database_url) as app, client(app) as http:
        forged = await http.post(
            "/account/time-zone",
            data={"time_zone": "Asia/Tokyo", "csrf_token": visitor.csrf},
            headers=visitor.headers(origin="https://evil.example"),
        )
        tokenless = await http.post(
            "/account/time-zone", data={"time_zone": "Asia/Tokyo"}, headers=visitor.headers()
        )
        unknown = await http.post(
            "/account/time-zone",
            data={"time_zone": "Mars/Olympus_Mons", "csrf_token": visitor.csrf},
            headers=visitor.headers(),
        )
        assert (forged.status_code, tokenless.status_code, unknown.status_code) == (403, 403, 400)
        assert 'id="time_zone-error"' in unknown.text
        assert await zone_of(db, visitor.user_id) == "UTC"
        saved = await http.post(
            "/account/time-zone",
            data={"time_zone": "Asia/Tokyo", "csrf_token": visitor.csrf},
            headers=visitor.headers(),
        )
    assert (saved.status_code, saved.headers["location"]) == (303, "/account?done=time-zone")
    assert await zone_of(db, visitor.user_id) == "Asia/Tokyo"


async def test_the_quick_add_preview_reads_in_the_users_zone(
    database_url: str, db: Database
) -> None:
    visitor = await sign_in(db, "alice@example.com")
    await planning.set_time_zone(db, user_id=visitor.user_id, time_zone="Pacific/Kiritimati")
    async with running(database_url) as app, client(app) as http:
        signed_out = await http.get("/tasks/quick-add", params={"text": "a today"})
        answer = await http.get(
            "/tasks/quick-add",
            params={"text": "Pay rent 2030-01-05 9am !3 #home #Home"},
            headers=visitor.headers(accept="application/json"),
        )
    assert signed_out.status_code in (303, 401)
    assert answer.status_code == 200
    assert answer.json() == {
        "title": "Pay rent",
        "understood": ["Due Sat 5 Jan 2030 09:00", "Low priority", "#home"],
        "due_at": "2030-01-05T09:00:00",
        "priority": "low",
        "tags": ["home"],
    }
    assert await make_task(db, visitor.user_id, "untouched")  # the preview saved nothing
    async with db.transaction(visitor.user_id) as tx:
        assert [row["title"] for row in await tx.fetch_all("SELECT title FROM tasks")] == [
            "untouched"
        ]


async def test_a_quick_add_form_post_says_what_it_understood(
    database_url: str, db: Database
) -> None:
    visitor = await sign_in(db, "alice@example.com")
    async with running(database_url) as app, client(app) as http:
        plain = await http.post(
            "/tasks",
            data={"title": "Buy milk", "next": "/active", "csrf_token": visitor.csrf},
            headers=visitor.headers(),
        )
        parsed = await http.post(
            "/tasks",
            data={"title": "Run 2030-01-05 #health", "next": "/active", "csrf_token": visitor.csrf},
            headers=visitor.headers(),
        )
        target = parsed.headers["location"]
        page = await http.get(target, headers=visitor.headers())
        later = await http.get("/active", headers=visitor.headers())
    assert (plain.status_code, plain.headers["location"]) == (303, "/active")
    assert parsed.status_code == 303
    assert urlsplit(target).path == "/active"
    (task_id,) = parse_qs(urlsplit(target).query)["added"]
    UUID(task_id)
    assert "Added “Run”: Due Sat 5 Jan 2030 · #health." in page.text
    assert "Added" not in later.text
    # The page's own links do not carry the notice on.
    assert "added=" not in page.text


async def test_other_users_tasks_stay_out_of_every_view(database_url: str, db: Database) -> None:
    alice = await sign_in(db, "alice@example.com")
    bob = await sign_in(db, "bob@example.com")
    async with running(database_url) as app, client(app) as http:
        for visitor, line in ((bob, "Bob secret today #shared"), (alice, "Alice task today")):
            await http.post(
                "/tasks",
                data={"title": line, "csrf_token": visitor.csrf},
                headers=visitor.headers(),
            )
        pages = [
            await http.get(path, headers=alice.headers())
            for path in ("/", "/today", "/upcoming", "/tags/shared", "/search?q=secret")
        ]
        # Another user's quick-add notice shows nothing either.
        bobs = await http.get("/", headers=bob.headers())
    assert all(page.status_code == 200 for page in pages)
    assert all("Bob secret" not in page.text for page in pages)
    assert 'href="/tags/shared"' not in pages[0].text  # nor his tags in the menu
    assert "Alice task" in pages[1].text
    assert "Bob secret" in bobs.text


async def test_a_quick_add_refused_says_why_and_saves_nothing(
    database_url: str, db: Database
) -> None:
    visitor = await sign_in(db, "alice@example.com")
    too_long = "x" * 51
    async with running(database_url) as app, client(app) as http:
        page = await http.post(
            "/tasks",
            data={"title": f"Plan #{too_long}", "csrf_token": visitor.csrf},
            headers=visitor.headers(),
        )
        answer = await http.post(
            "/tasks",
            data={"title": f"Plan #{too_long}", "csrf_token": visitor.csrf},
            headers=visitor.headers(accept="application/json"),
        )
    assert page.status_code == answer.status_code == 400
    assert 'id="new-todo-error"' in page.text
    assert "Tags: String should have at most 50 characters" in page.text
    assert f'value="Plan #{too_long}"' in page.text  # the line comes back to be corrected
    assert answer.json()["error"]["details"] == {
        "tags": ["Tags: String should have at most 50 characters"]
    }
    async with db.transaction(visitor.user_id) as tx:
        assert await tx.fetch_all("SELECT id FROM tasks") == []
