"""Fixtures for the account tests: the app on its own database, a client, an SMTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from todo.app import create_app
from todo.config import Settings

from ..mail import Inbox

SECRET = "test-secret-for-the-account-tests-0123456789"
BASE = "http://testserver"
PASSWORD = "Correct-horse-9"


def make_settings(**overrides: Any) -> Settings:
    """Settings for a test app: a small pool, a fixed secret, no .env file."""
    values: dict[str, Any] = {
        "better_auth_secret": SECRET,
        "better_auth_url": BASE,
        "db_pool_size": 2,
        "db_max_overflow": 2,
        "db_pool_timeout": 10,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


OpenAt = Callable[[str], httpx.AsyncClient]
Site = Callable[..., AbstractAsyncContextManager[OpenAt]]
Serve = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def site(database_url: str) -> Site:
    """`async with site(**settings) as at`: the app (lifespan run); `at(address)` opens a new
    browser-like client whose requests come from that client address.

    A client keeps cookies and sends `Origin: http://testserver` like a browser on the site.
    Each `site` is like one worker process."""

    @asynccontextmanager
    async def running(**overrides: Any) -> AsyncIterator[OpenAt]:
        settings = make_settings(**overrides)
        base = settings.base_url
        app = create_app(settings, database_url=database_url)
        opened: list[httpx.AsyncClient] = []

        def at(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(address, 40000))
            client = httpx.AsyncClient(transport=transport, base_url=base, headers={"origin": base})
            opened.append(client)
            return client

        async with app.router.lifespan_context(app):
            try:
                yield at
            finally:
                for client in opened:
                    await client.aclose()

    return running


@pytest.fixture
def serve(site: Site) -> Serve:
    """`async with serve(**settings) as client`: the app and one browser-like client of it
    (`address=` sets the client address the app sees)."""

    @asynccontextmanager
    async def running(
        address: str = "127.0.0.1", **overrides: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        async with site(**overrides) as at:
            yield at(address)

    return running


@pytest.fixture
async def client(serve: Serve) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app with default settings."""
    async with serve() as running:
        yield running


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, dict[str, Any]]]:
    """A real SMTP server on a free localhost port; its inbox and the settings that use it."""
    inbox = Inbox().start()
    try:
        yield inbox, inbox.settings
    finally:
        inbox.stop()


async def sign_up(
    client: httpx.AsyncClient, email_address: str, password: str = PASSWORD, **extra: Any
) -> httpx.Response:
    """POST /sign-up/email; asserts nothing."""
    body = {"email": email_address, "password": password, "name": "Test", **extra}
    return await client.post("/api/auth/sign-up/email", json=body)


async def sign_in(
    client: httpx.AsyncClient, email_address: str, password: str = PASSWORD, **extra: Any
) -> httpx.Response:
    """POST /sign-in/email; asserts nothing."""
    body = {"email": email_address, "password": password, **extra}
    return await client.post("/api/auth/sign-in/email", json=body)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}
