"""The web routes over HTTP: sign-in redirects, headers, forms, CSRF, the batch endpoint."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import pytest

from todo.db import Database

from ..helpers import make_task
from .asgi import BASE, client, running, sign_in


async def titles(db: Database, visitor_id: object) -> list[str]:
    async with db.owner_transaction() as tx:
        rows = await tx.fetch_all(
            "SELECT title FROM tasks WHERE user_id = %s ORDER BY created_at", (visitor_id,)
        )
    return [row["title"] for row in rows]


@pytest.mark.parametrize("path", ["/", "/active", "/completed?sort=title"])
async def test_signed_out_visitors_go_to_sign_in_and_come_back(
    database_url: str, path: str
) -> None:
    async with running(database_url) as app, client(app) as http:
        response = await http.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=")
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["next"] == [path]


async def test_pages_carry_the_security_headers(database_url: str, db: Database) -> None:
    visitor = await sign_in(db, "alice@example.com")
    async with running(database_url) as app, client(app) as http:
        response = await http.get("/", headers=visitor.headers())
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in response.text
    assert " style=" not in response.text


async def test_a_form_post_adds_a_task_and_redirects_back(database_url: str, db: Database) -> None:
    visitor = await sign_in(db, "alice@example.com")
    async with running(database_url) as app, client(app) as http:
        response = await http.post(
            "/tasks",
            data={"title": "  Buy milk  ", "next": "/active", "csrf_token": visitor.csrf},
            headers=visitor.headers(),
        )
    assert response.status_code == 303
    assert response.headers["location"] == "/active"
    assert await titles(db, visitor.user_id) == ["Buy milk"]


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        ({}, None),  # no token at all
        ({}, "forged"),  # a wrong token
        ({"origin": "http://evil.example"}, "valid"),  # right token, another site
        ({"origin": "null"}, "valid"),
        ({"sec-fetch-site": "cross-site"}, "valid"),
    ],
)
async def test_forged_changes_are_refused(
    database_url: str, db: Database, headers: dict[str, str], token: str | None
) -> None:
    visitor = await sign_in(db, "alice@example.com")
    data = {"title": "pwned"}
    if token:
        data["csrf_token"] = visitor.csrf if token == "valid" else token
    async with running(database_url) as app, client(app) as http:
        response = await http.post("/tasks", data=data, headers={**visitor.headers(), **headers})
    assert response.status_code == 403
    assert "another site" in response.text
    assert await titles(db, visitor.user_id) == []


async def test_next_never_leaves_the_site(database_url: str, db: Database) -> None:
    visitor = await sign_in(db, "alice@example.com")
    async with running(database_url) as app, client(app) as http:
        for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
            response = await http.post(
                "/tasks",
                data={"title": "x", "next": target, "csrf_token": visitor.csrf},
                headers=visitor.headers(),
            )
            assert response.headers["location"] == "/"


async def test_the_batch_applies_changes_in_order(database_url: str, db: Database) -> None:
    visitor = await sign_in(db, "alice@example.com")
    first, second = str(uuid4()), str(uuid4())
    ops = [
        {"op": "create", "id": first, "title": "first"},
        {"op": "create", "id": second, "title": "second"},
        {"op": "update", "id": first, "title": "first, renamed"},
        {"op": "update", "id": second, "completed": True},
        {"op": "update", "id": str(uuid4()), "completed": True},  # unknown: reported, skipped
        {"op": "create", "id": first, "title": "taken"},  # an id in use: refused, not created
        {"op": "create", "id": str(uuid4()), "title": "   "},  # blank: refused
    ]
    headers = visitor.headers(**{"x-csrf-token": visitor.csrf, "accept": "application/json"})
    async with running(database_url) as app, client(app) as http:
        response = await http.post("/tasks/batch", json={"ops": ops}, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {"total": 2, "completed": 1, "active": 1}
    codes = [error and error["code"] for error in body["errors"]]
    assert codes == [None, None, None, None, "NOT_FOUND", "CONFLICT", "VALIDATION_ERROR"]
    assert await titles(db, visitor.user_id) == ["first, renamed", "second"]


async def test_a_create_that_reuses_a_tasks_id_is_reported_and_creates_nothing(
    database_url: str, db: Database
) -> None:
    visitor = await sign_in(db, "alice@example.com")
    other = await sign_in(db, "bob@example.com")
    mine = await make_task(db, visitor.user_id, "mine")
    theirs = await make_task(db, other.user_id, "theirs")
    ops = [
        {"op": "create", "change_id": str(uuid4()), "id": str(mine["id"]), "title": "again"},
        {"op": "create", "change_id": str(uuid4()), "id": str(theirs["id"]), "title": "hijack"},
        {"op": "create", "change_id": str(uuid4()), "id": str(uuid4()), "title": "fresh"},
    ]
    headers = visitor.headers(**{"x-csrf-token": visitor.csrf, "accept": "application/json"})
    async with running(database_url) as app, client(app) as http:
        response = await http.post("/tasks/batch", json={"ops": ops}, headers=headers)
    assert response.status_code == 200
    body = response.json()
    first, second, third = body["errors"]
    for error in (first, second):
        assert error["code"] == "CONFLICT"
        assert "already exists" in error["message"]
        assert "nothing was created" in error["message"]
    assert third is None
    assert body["counts"]["total"] == 2
    assert await titles(db, visitor.user_id) == ["mine", "fresh"]
    assert await titles(db, other.user_id) == ["theirs"]


async def test_a_change_is_applied_once_however_often_it_arrives(
    database_url: str, db: Database
) -> None:
    visitor = await sign_in(db, "alice@example.com")
    task = str(uuid4())

    def change(**fields: object) -> dict[str, object]:
        return {"change_id": str(uuid4()), "id": task, **fields}

    create = change(op="create", title="draft")
    rename = change(op="update", title="final")
    toggle = change(op="update", completed=True)
    delete = change(op="delete")
    headers = visitor.headers(**{"x-csrf-token": visitor.csrf, "accept": "application/json"})
    async with running(database_url) as app, client(app) as http:

        async def send(*ops: dict[str, object]) -> list[object]:
            response = await http.post("/tasks/batch", json={"ops": list(ops)}, headers=headers)
            assert response.status_code == 200
            errors: list[object] = response.json()["errors"]
            return errors

        assert await send(create, rename) == [None, None]
        # A late copy of the first batch (a page's resend) must not undo the rename.
        assert await send(create, rename, toggle) == [None, None, None]
        assert await titles(db, visitor.user_id) == ["final"]
        await send(change(op="update", title="edited elsewhere"))
        assert await send(rename, toggle) == [None, None]
        assert await titles(db, visitor.user_id) == ["edited elsewhere"]
        # The same change twice in one batch counts once; a deleted task is not recreated.
        assert await send(delete, delete) == [None, None]
        assert await send(create, delete) == [None, None]
        assert await titles(db, visitor.user_id) == []
    async with db.owner_transaction() as tx:
        kept = await tx.fetch_value(
            "SELECT count(*) FROM applied_changes WHERE user_id = %s", (visitor.user_id,)
        )
    assert kept == 5


async def test_the_batch_needs_the_token(database_url: str, db: Database) -> None:
    visitor = await sign_in(db, "alice@example.com")
    ops = [{"op": "create", "id": str(uuid4()), "title": "pwned"}]
    async with running(database_url) as app, client(app) as http:
        response = await http.post(
            "/tasks/batch",
            json={"ops": ops},
            headers=visitor.headers(accept="application/json"),
        )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
    assert await titles(db, visitor.user_id) == []


async def test_another_users_task_is_not_found(database_url: str, db: Database) -> None:
    alice = await sign_in(db, "alice@example.com")
    bob = await sign_in(db, "bob@example.com")
    task = await make_task(db, bob.user_id, "bob's secret")
    async with running(database_url) as app, client(app) as http:
        page = await http.get(f"/tasks/{task['id']}/edit", headers=alice.headers())
        change = await http.post(
            f"/tasks/{task['id']}",
            data={"title": "mine now", "csrf_token": alice.csrf},
            headers=alice.headers(),
        )
        gone = await http.post(
            f"/tasks/{task['id']}/delete", data={"csrf_token": alice.csrf}, headers=alice.headers()
        )
    assert page.status_code == change.status_code == gone.status_code == 404
    assert "bob&#39;s secret" not in page.text
    assert "bob's secret" not in page.text
    assert await titles(db, bob.user_id) == ["bob's secret"]


async def test_the_chosen_order_is_remembered_across_devices(
    database_url: str, db: Database
) -> None:
    visitor = await sign_in(db, "alice@example.com")
    for title in ("b", "c", "a"):
        await make_task(db, visitor.user_id, title)
    async with running(database_url) as app, client(app) as http:
        chosen = await http.get("/?sort=title&order=asc", headers=visitor.headers())
        later = await http.get("/completed", headers=visitor.headers())
        # A link from another site shows its order but does not change the saved one.
        lured = await http.get(
            "/?sort=created_at&order=asc",
            headers=visitor.headers(**{"sec-fetch-site": "cross-site"}),
        )
        again = await http.get("/", headers=visitor.headers())
    assert 'data-sort="title" data-order="asc"' in chosen.text
    assert 'data-sort="title" data-order="asc"' in later.text
    assert 'data-sort="created_at" data-order="asc"' in lured.text
    assert 'data-sort="title" data-order="asc"' in again.text
    positions = [again.text.index(f">{title}</label>") for title in ("a", "b", "c")]
    assert positions == sorted(positions)


async def test_the_edit_page_keeps_what_was_typed_when_refused(
    database_url: str, db: Database
) -> None:
    visitor = await sign_in(db, "alice@example.com")
    task = await make_task(db, visitor.user_id, "old title")
    async with running(database_url) as app, client(app) as http:
        response = await http.post(
            f"/tasks/{task['id']}",
            data={
                "title": "   ",
                "description": "typed <b>text</b>\nline two",
                "csrf_token": visitor.csrf,
                "next": "/",
            },
            headers=visitor.headers(),
        )
    assert response.status_code == 400
    assert 'id="title-error"' in response.text
    assert "Enter a title." in response.text
    assert "typed &lt;b&gt;text&lt;/b&gt;\nline two</textarea>" in response.text
    assert await titles(db, visitor.user_id) == ["old title"]


async def test_an_expired_or_forged_cookie_is_signed_out(database_url: str, db: Database) -> None:
    visitor = await sign_in(db, "alice@example.com")
    async with running(database_url) as app, client(app) as http:
        forged = visitor.cookie[:-6] + "AAAA%3D"
        response = await http.get("/", headers={"cookie": f"better-auth.session_token={forged}"})
    assert response.status_code == 303
    assert BASE not in response.headers["location"]


async def test_a_mistyped_address_gets_a_page_and_the_api_keeps_json(database_url: str) -> None:
    async with running(database_url) as app, client(app) as http:
        page = await http.get("/no-such-page", headers={"Accept": "text/html"})
        api = await http.get("/api/no-such-route", headers={"Accept": "text/html"})
        script = await http.get("/no-such-page", headers={"Accept": "application/json"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "There is no such page." in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert api.status_code == script.status_code == 404
    assert api.headers["content-type"] == script.headers["content-type"] == "application/json"


def _cursor(value: object, row_id: object) -> str:
    raw = json.dumps([value, str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "value"),
    [
        ("created_at", "0001-01-01T00:00:00+14:00"),
        ("created_at", "9999-12-31T23:59:59-14:00"),
        ("updated_at", "not a time"),
        ("title", "nul\u0000byte"),
        ("title", "lone \ud800 surrogate"),
        ("title", ["not", "text"]),
    ],
)
async def test_a_forged_after_cursor_starts_the_list_at_the_top(
    database_url: str, db: Database, sort: str, value: object
) -> None:
    visitor = await sign_in(db, "alice@example.com")
    await make_task(db, visitor.user_id, "first")
    after = _cursor(value, uuid4())
    async with running(database_url) as app, client(app) as http:
        response = await http.get(f"/?sort={sort}&after={after}", headers=visitor.headers())
    assert response.status_code == 200
    assert "first" in response.text
