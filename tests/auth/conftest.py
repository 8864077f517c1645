"""Fixtures for the account tests: the app on its own database, a client, an SMTP server."""

from __future__ import annotations

import asyncio
import email
import re
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from email.message import Message
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from todo.app import create_app
from todo.config import Settings

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


Serve = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def serve(database_url: str) -> Serve:
    """`async with serve(**settings) as client`: the app (lifespan run) and a browser-like client.

    The client keeps cookies and sends `Origin: http://testserver` like a browser on the site;
    `address=` sets the client address the app sees. Each `serve` is like one worker process.
    """

    @asynccontextmanager
    async def running(
        address: str = "127.0.0.1", **overrides: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        settings = make_settings(**overrides)
        base = settings.base_url
        app = create_app(settings, database_url=database_url)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=(address, 40000))
            async with httpx.AsyncClient(
                transport=transport, base_url=base, headers={"origin": base}
            ) as client:
                yield client

    return running


@pytest.fixture
async def client(serve: Serve) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app with default settings."""
    async with serve() as running:
        yield running


class Inbox:
    """Messages an SMTP server received (in its own thread), for tests to wait on."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self._arrived:
            self.messages.append(email.message_from_bytes(envelope.content))
            self._arrived.notify_all()
        return "250 Message accepted"

    def _wait(self, count: int) -> bool:
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.messages) >= count, timeout=10)

    async def wait(self, count: int = 1) -> list[Message]:
        """Wait (up to 10 s) until `count` messages have arrived; all of them."""
        assert await asyncio.to_thread(self._wait, count), "the email did not arrive"
        return self.messages

    @staticmethod
    def link(message: Message) -> str:
        """The first http(s) link in a plain-text message."""
        body = message.get_payload(decode=True)
        assert isinstance(body, bytes)
        found = re.search(r"https?://\S+", body.decode())
        assert found, body
        return found.group(0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, dict[str, Any]]]:
    """A real SMTP server on a free localhost port; its inbox and the settings that use it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False}
    finally:
        controller.stop()


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
