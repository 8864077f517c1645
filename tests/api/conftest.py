"""Fixtures for the task API: an app on a database of the test's own (lifespan run), an httpx
client over ASGI, two users. `shared` serves a whole module from one database, for tests that
only read or that never look past their own rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from todo.app import create_app
from todo.config import Settings
from todo.db import Database, with_database

from ..conftest import create_database, drop_database
from ..helpers import make_user
from .support import User, api_settings


@asynccontextmanager
async def serving(
    settings: Settings, database_url: str, **transport_options: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The app on `database_url`, lifespan entered, and a client talking to it."""
    app = create_app(settings, database_url=database_url)
    transport = httpx.ASGITransport(app=app, **transport_options)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield client


@pytest.fixture
def settings() -> Settings:
    return api_settings()


MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def make_client(database_url: str) -> AsyncIterator[MakeClient]:
    """Serves the test's database with the given settings (several apps may share it)."""
    async with AsyncExitStack() as stack:

        async def make(settings: Settings | None = None, **options: Any) -> httpx.AsyncClient:
            return await stack.enter_async_context(
                serving(settings or api_settings(), database_url, **options)
            )

        yield make


@pytest.fixture
async def client(make_client: MakeClient, settings: Settings) -> httpx.AsyncClient:
    return await make_client(settings)


async def _user(db: Database, name: str) -> User:
    email = f"{name.lower()}@example.com"
    return User(await make_user(db, email, name), email)


@pytest.fixture
async def alice(db: Database) -> User:
    return await _user(db, "Alice")


@pytest.fixture
async def bob(db: Database) -> User:
    return await _user(db, "Bob")


@dataclass(frozen=True)
class Shared:
    client: httpx.AsyncClient
    db: Database
    alice: User
    bob: User


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(server_url: str, template_db: str) -> AsyncIterator[Shared]:
    """One database, app (rate limits off) and pair of users for a whole module."""
    name = create_database(server_url, template=template_db)
    url = with_database(server_url, name)
    db = Database(url, pool_size=1, max_overflow=1, pool_timeout=10)
    try:
        await db.open()
        off = api_settings(api_rate_limit_per_minute=0, api_rate_limit_per_hour=0)
        async with serving(off, url) as client:
            yield Shared(client, db, await _user(db, "Alice"), await _user(db, "Bob"))
    finally:
        await db.close()
        drop_database(server_url, name)
