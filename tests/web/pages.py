"""Small helpers for driving the task page in a browser."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

import pytest
from playwright.async_api import Locator, Page, expect

from todo.db import Database
from todo.tasks import repository as tasks
from todo.tasks import service as task_service
from todo.tasks.models import TaskCreate
from todo.web import planning

from .live import LiveServer

BROWSER = pytest.mark.asyncio(loop_scope="session")
T = TypeVar("T")


def items(page: Page) -> Locator:
    return page.get_by_test_id("todo-item")


async def add(page: Page, *titles: str) -> None:
    """Type each title into .new-todo and press Enter."""
    new_todo = page.locator(".new-todo")
    for title in titles:
        await new_todo.fill(title)
        await new_todo.press("Enter")
        await expect(new_todo).to_have_value("")


async def seed(
    live: LiveServer, user_id: UUID, *titles: str, description: str | None = None
) -> None:
    """Add tasks straight to the database, oldest first."""

    async def work(db: Database) -> None:
        for title in titles:  # a transaction each: now() differs, so does created_at
            async with db.transaction(user_id) as tx:
                await tasks.create_task(tx, user_id=user_id, title=title, description=description)

    await live.call(work)


async def stored(live: LiveServer, user_id: UUID) -> list[tuple[str, bool]]:
    """The user's tasks as the database has them, newest first: (title, completed)."""

    async def work(db: Database) -> list[tuple[str, bool]]:
        async with db.transaction(user_id) as tx:
            rows = await tx.fetch_all(
                "SELECT title, completed FROM tasks ORDER BY created_at DESC, id DESC"
            )
        return [(row["title"], row["completed"]) for row in rows]

    return await live.call(work)


async def make(
    live: LiveServer,
    user_id: UUID,
    title: str,
    *,
    due_at: date | datetime | None = None,
    priority: str = "none",
    tags: tuple[str, ...] = (),
) -> None:
    """A task made through the task service, as the API would."""

    async def work(db: Database) -> None:
        async with db.transaction(user_id) as tx:
            new = TaskCreate(title=title, due_at=due_at, priority=priority, tags=list(tags))
            await task_service.create_task(tx, user_id=user_id, new=new)

    await live.call(work)


async def saved(live: LiveServer, user_id: UUID) -> dict[str, dict[str, Any]]:
    """The user's tasks by title: due_at, due_date, priority and tag names as stored."""

    async def work(db: Database) -> dict[str, dict[str, Any]]:
        async with db.transaction(user_id) as tx:
            rows = await tx.fetch_all(
                "SELECT t.title, t.due_at, t.due_date, t.priority, t.completed,"
                " coalesce(array_agg(g.name ORDER BY g.name) FILTER (WHERE g.id IS NOT NULL),"
                " '{}') AS tags FROM tasks t LEFT JOIN task_tags tt ON tt.task_id = t.id"
                " LEFT JOIN tags g ON g.id = tt.tag_id GROUP BY t.id"
            )
        return {row["title"]: dict(row) for row in rows}

    return await live.call(work)


async def set_zone(live: LiveServer, user_id: UUID, zone: str) -> None:
    async def work(db: Database) -> None:
        await planning.set_time_zone(db, user_id=user_id, time_zone=zone)

    await live.call(work)


async def eventually(check: Callable[[], Awaitable[T]], expected: T, seconds: float = 5) -> None:
    """Wait until `check()` returns `expected` (for state outside the page, like the database)."""
    deadline = time.monotonic() + seconds
    while (actual := await check()) != expected:
        assert time.monotonic() < deadline, f"still {actual!r}, expected {expected!r}"
        await asyncio.sleep(0.05)


async def text_contents(page: Page) -> list[str]:
    """Each li's exact text content (no whitespace normalisation, unlike to_have_text)."""
    result: list[str] = await items(page).evaluate_all("els => els.map(el => el.textContent)")
    return result


async def classes(page: Page) -> list[str]:
    result: list[str] = await items(page).evaluate_all("els => els.map(el => el.className)")
    return result


PASSWORD = "Correct-horse-9"


async def sign_up(page: Page, email: str, name: str = "Alice", password: str = PASSWORD) -> None:
    """Fill in and send the sign-up form (the page must show it)."""
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_role("button", name="Create account").click()


async def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill in and send the sign-in form (the page must show it)."""
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_role("button", name="Sign in").click()
