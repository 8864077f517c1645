"""The edge against a real server: slow clients cannot starve the API, and no failure costs a
client its keep-alive connection."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterator

import httpx
import pytest

from ..api.support import hs256
from ..web.live import SECRET, LiveServer


@pytest.fixture
def server(database_url: str) -> Iterator[LiveServer]:
    # Two connections, no overflow: anything that holds a connection while it waits for a
    # client would starve the API at once.
    live = LiveServer(
        database_url, db_pool_size=2, db_max_overflow=0, db_pool_timeout=3, body_timeout=2
    )

    async def boom() -> None:
        raise RuntimeError("a bug")

    live.app.add_api_route("/boom", boom)
    live.app.add_api_route("/api/{user_id}/boom", boom)
    live.app.add_api_route("/api/auth/boom", boom)
    yield live.start()
    live.stop()


def _port(response: httpx.Response) -> int:
    """The client-side port of the connection the response came on."""
    port: int = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    return port


async def _stall(server: LiveServer, path: str, *, trickle: bool) -> bytes:
    """Start a POST whose body never completes (or arrives a byte every half second); what the
    server answered before it closed the connection."""
    host, port = server.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer garbage\r\n"
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"tit'.encode()
    )
    await writer.drain()
    answer = b""
    try:
        async with asyncio.timeout(30):
            while True:
                try:
                    chunk = await asyncio.wait_for(reader.read(65536), 0.5)
                except TimeoutError:
                    if trickle and not answer:
                        writer.write(b"x")
                    continue
                if not chunk:
                    return answer  # the server closed the connection
                answer += chunk
    finally:
        writer.close()


async def test_slow_bodies_cannot_starve_the_task_api(server: LiveServer) -> None:
    user = await server.make_user("slow@example.com")
    auth = {"Authorization": f"Bearer {hs256(user, secret=SECRET)}"}
    path = f"/api/{uuid.uuid4()}/tasks"
    stalled = [asyncio.create_task(_stall(server, path, trickle=n % 5 == 0)) for n in range(30)]
    await asyncio.sleep(0.5)  # every slow client is connected and has sent its headers
    async with httpx.AsyncClient(base_url=server.url) as client:
        for n in range(5):
            created = await client.post(f"/api/{user}/tasks", json={"title": f"{n}"}, headers=auth)
            assert created.status_code == 201, created.text
    # The slow clients are cut off by the body timeout: 408, and the connection closed.
    for answer in await asyncio.gather(*stalled):
        head = answer.split(b"\r\n\r\n", 1)[0].lower()
        assert head.startswith(b"http/1.1 408"), answer[:200]
        assert b"connection: close" in head
        assert b'"code":"REQUEST_TIMEOUT"' in answer


async def test_an_unexpected_error_keeps_the_connection(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    user = await server.make_user("keep@example.com")
    auth = {"Authorization": f"Bearer {hs256(user, secret=SECRET)}"}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=server.url, limits=limits) as client:
        first = await client.get(f"/api/{user}/tasks", headers=auth)
        assert first.status_code == 200
        with caplog.at_level(logging.ERROR, logger="todo.edge"):
            page = await client.get("/boom", headers={"Accept": "text/html"})
            api = await client.get(f"/api/{user}/boom")
            auth_api = await client.get("/api/auth/boom")
        # Each in its family's shape, nothing of the error in it.
        assert page.status_code == 500
        assert page.headers["content-type"].startswith("text/html")
        assert api.status_code == 500
        assert api.json()["error"]["code"] == "INTERNAL_ERROR"
        assert auth_api.status_code == 500
        assert auth_api.json()["code"] == "INTERNAL_ERROR"
        for response in (page, api, auth_api):
            assert "a bug" not in response.text
            assert "connection" not in response.headers  # no Connection: close
        after = await client.get(f"/api/{user}/tasks", headers=auth)
        assert after.status_code == 200
        # Every request travelled on the one connection the client opened.
        assert {_port(r) for r in (first, page, api, auth_api, after)} == {_port(first)}
    # The error is in the server's log, with the request id the client was given.
    logged = [record for record in caplog.records if record.name == "todo.edge.barrier"]
    assert len(logged) == 3
    assert "a bug" in logged[0].exc_text or "a bug" in str(logged[0].exc_info)
