"""Bad input on every route gets a 4xx in the shape of the route's family, never a 500.

The routes are enumerated from the application itself (the OpenAPI document for the APIs, the
router for the pages), so a route added later is covered without touching this file. Each is
called with a real credential, so what answers is the edge, not a missing sign-in.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from todo.app import create_app
from todo.auth import tokens
from todo.db import Database, with_database
from todo.web.http import WebRoute

from ..api.support import SECRET, api_settings, hs256, new_session
from ..conftest import create_database, drop_database
from ..helpers import make_task, make_user

DEEP = b"[" * 10_000 + b"]" * 10_000


def _routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            yield method.upper(), path

    def walk(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)
            else:
                yield route

    for route in walk(app.routes):
        if isinstance(route, WebRoute):
            for method in route.methods:
                yield method, route.path


class World:
    def __init__(self, app: FastAPI, client: httpx.AsyncClient, params: dict[str, str]) -> None:
        self.app = app
        self.client = client
        self.params = params
        self.headers: dict[str, str] = {}

    def url(self, path: str) -> str:
        return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: self.params.get(m.group(1), "x"), path)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(server_url: str, template_db: str) -> AsyncIterator[World]:
    name = create_database(server_url, template=template_db)
    url = with_database(server_url, name)
    db = Database(url, pool_size=1, max_overflow=1, pool_timeout=10)
    try:
        await db.open()
        user = await make_user(db, "edge@example.com", "Edge")
        task = await make_task(db, user, "a task")
        session = await new_session(db, user)
        app = create_app(
            api_settings(api_rate_limit_per_minute=0, api_rate_limit_per_hour=0), database_url=url
        )
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
        ):
            params = {"user_id": str(user), "task_id": str(task["id"]), "token": "x"}
            world = World(app, client, params)
            world.headers = {
                "Authorization": f"Bearer {hs256(user)}",
                "Cookie": "better-auth.session_token=" + quote(tokens.sign(session, SECRET)),
                "Origin": "http://testserver",
                "Accept": "text/html",
            }
            yield world
    finally:
        await db.close()
        drop_database(server_url, name)


def assert_family_shape(path: str, response: httpx.Response) -> None:
    """The error is shaped as the route's family promises."""
    assert "x-request-id" in response.headers
    content_type = response.headers.get("content-type", "")
    if path.startswith("/api/auth"):
        body = response.json()
        assert isinstance(body["message"], str)
        assert body["message"]
    elif path.startswith("/api/"):
        body = response.json()
        assert set(body) == {"error", "meta"}
        assert body["error"]["code"]
        assert body["error"]["message"]
    else:
        assert content_type.startswith("text/html"), (path, content_type, response.text[:200])
        assert "Traceback" not in response.text


QUERIES = {
    "a NUL character": "q=%00",
    "invalid UTF-8": "q=%FF%FE",
    "an encoded surrogate": "q=%ED%A0%80",
    "a NUL in a name": "%00=1",
}
JSON_BODIES = {
    "a lone surrogate": b'{"title": "\\ud800", "email": "\\udfff@example.com", "name": "\\ud800"}',
    "a NUL character": b'{"title": "a\\u0000b", "email": "a\\u0000@x.org", "password": "\\u0000"}',
    "a NUL in a key": b'{"ti\\u0000tle": "x"}',
    "10,000-deep nesting": DEEP,
    "33-deep nesting": b"[" * 33 + b"]" * 33,
    "a duplicate key": b'{"title": "a", "title": "b"}',
    "invalid UTF-8": b'{"title": "\xff\xfe"}',
    "a NUL deep inside": b'{"ops": [{"op": "create", "title": "\\u0000"}]}',
}
FORM_BODIES = {
    "a NUL character": b"title=%00&name=a%00&email=a%00%40example.com&password=x%00",
    "invalid UTF-8": b"title=%FF&name=%C3",
    "raw non-ASCII bytes": b"title=\xff",
}


def cases() -> Iterator[tuple[str, str]]:
    app = create_app(api_settings(), database_url="postgresql://unused@127.0.0.1/unused")
    yield from sorted(set(_routes(app)))


ROUTES = list(cases())
WITH_BODY = [(method, path) for method, path in ROUTES if method in {"POST", "PUT", "PATCH"}]


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("query", QUERIES.values(), ids=list(QUERIES))
async def test_bad_query_strings_are_refused(
    world: World, method: str, path: str, query: str
) -> None:
    response = await world.client.request(
        method, f"{world.url(path)}?{query}", headers=world.headers
    )
    assert response.status_code == 400, response.text
    assert_family_shape(path, response)


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_huge_query_strings_are_refused(world: World, method: str, path: str) -> None:
    response = await world.client.request(
        method, f"{world.url(path)}?q={'x' * 10_000}", headers=world.headers
    )
    assert response.status_code == 414, response.text
    assert_family_shape(path, response)


BAD_BODIES = {
    **{f"JSON with {name}": (body, "application/json") for name, body in JSON_BODIES.items()},
    **{
        f"a form with {name}": (body, "application/x-www-form-urlencoded")
        for name, body in FORM_BODIES.items()
    },
}


@pytest.mark.parametrize(("method", "path"), WITH_BODY)
@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=list(BAD_BODIES))
async def test_bad_bodies_are_refused(
    world: World, method: str, path: str, body: tuple[bytes, str]
) -> None:
    content, content_type = body
    headers = world.headers | {"Content-Type": content_type}
    response = await world.client.request(method, world.url(path), content=content, headers=headers)
    assert response.status_code == 400, response.text
    assert_family_shape(path, response)


OTHER_BODIES = {
    "XML": (b"<task><title>x</title></task>", "application/xml"),
    "binary": (bytes(range(256)), "application/octet-stream"),
    "JSON sent as text": (b'{"title": "x"}', "text/plain"),
    "a multipart NUL": (
        b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\na\x00b\r\n--b--\r\n',
        "multipart/form-data; boundary=b",
    ),
    "no content type": (b'{"title": "x"}', None),
}


@pytest.mark.parametrize(("method", "path"), WITH_BODY)
@pytest.mark.parametrize("body", OTHER_BODIES.values(), ids=list(OTHER_BODIES))
async def test_unexpected_content_types_never_fail_the_server(
    world: World, method: str, path: str, body: tuple[bytes, str | None]
) -> None:
    content, content_type = body
    headers = world.headers | ({"Content-Type": content_type} if content_type else {})
    response = await world.client.request(method, world.url(path), content=content, headers=headers)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert_family_shape(path, response)
