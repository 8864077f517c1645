"""Fixtures for the task API: an app on the test's own database (lifespan run), an httpx
client over ASGI, two users."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from todo.app import create_app
from todo.config import Settings
from todo.db import Database

from ..helpers import make_user
from .support import User, api_settings


@pytest.fixture
def settings() -> Settings:
    return api_settings()


MakeApp = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def make_client(database_url: str) -> AsyncIterator[MakeApp]:
    """Builds an app on the test's database (settings overridable) and a client for it."""
    stack: list[tuple[Any, httpx.AsyncClient]] = []

    async def make(settings: Settings | None = None, **client_options: Any) -> httpx.AsyncClient:
        app: FastAPI = create_app(settings or api_settings(), database_url=database_url)
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        transport = httpx.ASGITransport(app=app, **client_options)
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        stack.append((lifespan, client))
        return client

    yield make
    for lifespan, client in reversed(stack):
        await client.aclose()
        await lifespan.__aexit__(None, None, None)


@pytest.fixture
async def client(make_client: MakeApp, settings: Settings) -> httpx.AsyncClient:
    return await make_client(settings)


@pytest.fixture
async def alice(db: Database) -> User:
    return User(await make_user(db, "alice@example.com", "Alice"), "alice@example.com")


@pytest.fixture
async def bob(db: Database) -> User:
    return User(await make_user(db, "bob@example.com", "Bob"), "bob@example.com")
