"""A real SMTP server on a free localhost port that keeps what it receives (emailed links)."""

from __future__ import annotations

import asyncio
import email
import re
import threading
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from .helpers import free_port


class Inbox:
    """Messages the server received (in its own thread), for tests to wait on."""

    def __init__(self, **options: Any) -> None:
        """`options` go to aiosmtpd's Controller (TLS, authentication)."""
        self.messages: list[Message] = []
        self.sessions: list[dict[str, bool]] = []  # per message: over TLS, authenticated
        self._arrived = threading.Condition()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)

    @property
    def settings(self) -> dict[str, Any]:
        """The settings that send mail here."""
        return {"smtp_host": "127.0.0.1", "smtp_port": self.port, "smtp_starttls": False}

    def start(self) -> Inbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self._arrived:
            self.sessions.append(
                {"tls": session.ssl is not None, "authenticated": bool(session.authenticated)}
            )
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

    async def link(self, number: int = 1, *, to: str | None = None) -> str:
        """The first link of the `number`th message (waiting up to 10 s for it)."""
        message = (await self.wait(number))[number - 1]
        if to is not None:
            assert message["To"] == to
        return link_in(message)


def link_in(message: Message) -> str:
    """The first http(s) link in a plain-text message."""
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(r"https?://\S+", body.decode())
    assert found, body
    return found.group(0)
