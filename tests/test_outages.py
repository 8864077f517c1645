"""The database down, frozen, slow or exhausted: every request answers 503 in its family's shape
with Retry-After, soon and never past a configured bound, the client's connection survives, and
the service recovers by itself when the database does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import psycopg
import pytest
import pytest_asyncio

from todo import migrate
from todo.db import Database
from todo.errors import OutcomeUnknown, ServiceUnavailable

from .api.support import hs256
from .cluster import Cluster, throwaway_cluster
from .helpers import make_task, make_user
from .web.live import SECRET, LiveServer

STATEMENT = 1.0  # DB_STATEMENT_TIMEOUT in these tests: a round trip waits at most 3 s
BOUND = STATEMENT + 2 + 3  # the client-side deadline, and slack for a busy machine


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with throwaway_cluster() as server:
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE todo")
        migrate.upgrade(server.url("todo"))
        yield server


@pytest_asyncio.fixture
async def live(cluster: Cluster) -> AsyncIterator[LiveServer]:
    server = LiveServer(
        cluster.url("todo"),
        db_pool_size=2,
        db_max_overflow=2,
        db_pool_timeout=5,
        db_connect_timeout=2,
        db_statement_timeout=STATEMENT,
    ).start()
    yield server
    server.stop()


class Client:
    """One keep-alive connection to the server, signed in, that remembers its socket."""

    def __init__(self, live: LiveServer, http: httpx.AsyncClient, user: Any) -> None:
        self.http = http
        self.tasks = f"/api/{user}/tasks"
        self.auth = {"Authorization": f"Bearer {hs256(user, secret=SECRET)}"}
        self.ports: set[int] = set()

    async def call(self, method: str, path: str, **options: Any) -> httpx.Response:
        # Bounded: a request that hangs fails the test instead of hanging it.
        response = await asyncio.wait_for(self.http.request(method, path, **options), BOUND)
        self.ports.add(response.extensions["network_stream"].get_extra_info("client_addr")[1])
        return response

    async def list(self) -> httpx.Response:
        return await self.call("GET", self.tasks, headers=self.auth)


@pytest_asyncio.fixture
async def client(live: LiveServer) -> AsyncIterator[Client]:
    user = await live.make_user(f"outage-{id(live)}@example.com")
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=live.url, limits=limits) as http:
        yield Client(live, http, user)


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert int(response.headers["Retry-After"]) >= 1
    assert "connection" not in response.headers  # the connection stays open


async def wait_until_ready(client: Client) -> None:
    for _ in range(100):
        if (await client.call("GET", "/readyz")).status_code == 200:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("/readyz never said ready")


async def test_a_stopped_database_answers_503_and_the_service_recovers_at_once(
    cluster: Cluster, client: Client, live: LiveServer
) -> None:
    cookie = await live.session_cookie(await live.make_user("pages@example.com"))
    page_headers = {"Cookie": f"{cookie['name']}={cookie['value']}", "Accept": "text/html"}
    assert (await client.list()).status_code == 200
    cluster.stop("fast")
    try:
        for _ in range(3):
            assert_unavailable(await client.list())
        created = await client.call("POST", client.tasks, json={"title": "x"}, headers=client.auth)
        assert_unavailable(created)
        page = await client.call("GET", "/", headers=page_headers)
        assert page.status_code == 503
        assert page.headers["content-type"].startswith("text/html")
        assert "try again" in page.text
        assert int(page.headers["Retry-After"]) >= 1
        assert (await client.call("GET", "/readyz")).status_code == 503
    finally:
        cluster.start()
    # As soon as /readyz says ready, requests succeed: stale pooled connections are replaced
    # without a failure reaching the client.
    await wait_until_ready(client)
    for _ in range(10):
        assert (await client.list()).status_code == 200
    assert len(client.ports) == 1  # one connection, through the outage and back


async def test_a_restart_between_requests_costs_no_request(
    cluster: Cluster, client: Client
) -> None:
    assert (await client.list()).status_code == 200
    cluster.stop("fast")  # every pooled connection dies with the server
    cluster.start()
    for _ in range(5):
        assert (await client.list()).status_code == 200


async def test_a_frozen_database_cannot_hang_a_request(cluster: Cluster, client: Client) -> None:
    assert (await client.list()).status_code == 200
    cluster.freeze()
    try:
        assert_unavailable(await client.list())  # within the client-side deadline
        # Once the outage is known, each request gives the database only a moment.
        assert_unavailable(await client.list())
        assert (await client.call("GET", "/readyz")).status_code == 503
    finally:
        cluster.thaw()
    await wait_until_ready(client)
    assert (await client.list()).status_code == 200
    assert len(client.ports) == 1


async def test_an_exhausted_pool_answers_503_within_the_pool_timeout(database_url: str) -> None:
    server = LiveServer(database_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout=1).start()
    try:
        user = await server.make_user("busy@example.com")
        held = await server.call(lambda db: db.pool.getconn())  # the pool's only connection
        async with httpx.AsyncClient(base_url=server.url) as http:
            auth = {"Authorization": f"Bearer {hs256(user, secret=SECRET)}"}
            busy = await asyncio.wait_for(http.get(f"/api/{user}/tasks", headers=auth), BOUND)
            assert_unavailable(busy)
            assert busy.json()["error"]["message"] == "The service is busy; try again shortly."
            await server.call(lambda db: db.pool.putconn(held))
            assert (await http.get(f"/api/{user}/tasks", headers=auth)).status_code == 200
    finally:
        server.stop()


async def test_a_locked_row_answers_503_after_the_lock_timeout(database_url: str) -> None:
    server = LiveServer(database_url, db_lock_timeout=0.5).start()
    try:
        user = await server.make_user("locked@example.com")
        task = await server.call(lambda db: make_task(db, user, "held"))
        auth = {"Authorization": f"Bearer {hs256(user, secret=SECRET)}"}
        url = f"/api/{user}/tasks/{task['id']}"
        async with (
            await psycopg.AsyncConnection.connect(database_url) as holder,
            httpx.AsyncClient(base_url=server.url) as http,
        ):
            await holder.execute("SELECT 1 FROM tasks WHERE id = %s FOR UPDATE", (task["id"],))
            blocked = await asyncio.wait_for(http.put(url, json={"title": "y"}, headers=auth), 10)
            assert_unavailable(blocked)
            await holder.rollback()
            assert (await http.put(url, json={"title": "y"}, headers=auth)).status_code == 200
    finally:
        server.stop()


async def test_statement_and_idle_timeouts_hold_for_the_runtime_role(database_url: str) -> None:
    db = Database.from_settings(
        _settings(db_statement_timeout=0.5, db_idle_in_transaction_timeout=0.5), database_url
    )
    await db.open()
    try:
        with pytest.raises(ServiceUnavailable) as slow:
            async with db.transaction(None) as tx:
                await tx.fetch_value("SELECT pg_sleep(5)")
        assert isinstance(slow.value.__cause__, psycopg.errors.QueryCanceled)
        async with AsyncExitStack() as stack:
            tx = await stack.enter_async_context(db.transaction(None))
            await tx.fetch_value("SELECT 1")  # the first round trip (a pipeline)
            # PostgreSQL arms the idle timer after a statement sent outside a pipeline.
            await tx.fetch_value("SELECT 2")
            await asyncio.sleep(1.5)  # idle in transaction: the server ends the session
            with pytest.raises(ServiceUnavailable):
                await stack.aclose()  # the next statement (here COMMIT) finds it gone
        async with db.transaction(None) as tx:  # and the pool carries on
            assert await tx.fetch_value("SELECT 1") == 1
    finally:
        await db.close()


async def test_a_connection_lost_at_commit_reports_an_unknown_outcome(
    database_url: str, db: Database
) -> None:
    user = await make_user(db, "commit@example.com")
    async with AsyncExitStack() as stack:
        tx = await stack.enter_async_context(db.transaction(user))
        await tx.execute("INSERT INTO tasks (user_id, title) VALUES (%s, 'maybe')", (user,))
        backend = await tx.fetch_value("SELECT pg_backend_pid()")
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
        with pytest.raises(OutcomeUnknown):
            await stack.aclose()  # COMMIT, on a connection that is gone
    async with db.transaction(user) as tx:  # the pool replaced the connection
        assert await tx.fetch_value("SELECT count(*) FROM tasks") == 0


def _settings(**overrides: Any) -> Any:
    from .api.support import api_settings

    return api_settings(**overrides)
