"""Small helpers for arranging data in tests."""

from __future__ import annotations

import socket
from uuid import UUID

from todo.auth import repository as users
from todo.db import Database, Row
from todo.seeding.service import SYNTHETIC_PASSWORD
from todo.tags import repository as tags
from todo.tasks import repository as tasks

PASSWORDS: set[str] = {SYNTHETIC_PASSWORD}
"""Passwords the tests use that no literal in a test shows (computed or imported ones); the
log scan looks for them too, beside every literal in a password position (tests/logscan.py)."""


def password(value: str) -> str:
    """`value`, registered as a password the logs must never show."""
    PASSWORDS.add(value)
    return value


async def make_user(db: Database, email: str, name: str | None = None) -> UUID:
    async with db.transaction(None) as tx:
        row = await users.insert_user(tx, email=email, name=name)
    assert row is not None
    user_id: UUID = row["id"]
    return user_id


async def make_task(
    db: Database, user_id: UUID, title: str, *, description: str | None = None, done: bool = False
) -> Row:
    async with db.transaction(user_id) as tx:
        row = await tasks.create_task(tx, user_id=user_id, title=title, description=description)
        if done:
            row = await tasks.toggle_task(tx, user_id=user_id, task_id=row["id"]) or row
    return row


async def make_tag(db: Database, user_id: UUID, name: str) -> UUID:
    async with db.transaction(user_id) as tx:
        row = await tags.create_tag(tx, user_id=user_id, name=name, color=None)
    assert row is not None
    tag_id: UUID = row["id"]
    return tag_id


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
