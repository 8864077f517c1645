"""Browser-test fixtures: one Chromium for the session, a live server and a context per test.

Browser tests use Playwright's async API on the session's event loop (mark a module with
`pytestmark = BROWSER`): the sync API would leave its loop running in the main thread and
break every async test that comes after it in the run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import UUID

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from ..mail import Inbox
from .live import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}

# Generous waits: they cost nothing when the page is quick, and a busy 2-core machine (CI runs
# PostgreSQL, the server and Chromium side by side) can be slow for a moment.
expect.set_options(timeout=15_000)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "settings(**values): settings of the test's live server")


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """A local SMTP server; mark a test `settings(mail=True)` to have the live server use it."""
    server = Inbox().start()
    yield server
    server.stop()


@pytest.fixture
def live(request: pytest.FixtureRequest, database_url: str) -> Iterator[LiveServer]:
    """The app on a real uvicorn server, with the settings of the test's `settings` marker."""
    marker = request.node.get_closest_marker("settings")
    overrides = dict(marker.kwargs) if marker else {}
    if overrides.pop("mail", False):
        overrides.update(request.getfixturevalue("inbox").settings)
    server = LiveServer(database_url, **overrides).start()
    yield server
    server.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def context(browser: Browser, live: LiveServer) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(base_url=live.url, viewport=DESKTOP)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    yield context
    await context.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(context: BrowserContext) -> Page:
    return await context.new_page()


@pytest_asyncio.fixture(loop_scope="session")
async def alice(live: LiveServer, context: BrowserContext) -> UUID:
    """The id of alice@example.com, signed in in the test's browser context."""
    return await sign_in_browser(live, context, "alice@example.com", "Alice")


@pytest_asyncio.fixture(loop_scope="session")
async def signed_in(alice: UUID, page: Page) -> Page:
    """A page whose browser is signed in as alice@example.com."""
    return page


async def signed_in_page(
    browser: Browser, live: LiveServer, *, scripts: bool = True
) -> tuple[BrowserContext, Page, UUID]:
    """A new desktop context (scripts on or off) signed in as alice, its page and her id."""
    context = await browser.new_context(
        base_url=live.url,
        viewport=DESKTOP,  # type: ignore[arg-type]
        java_script_enabled=scripts,
    )
    context.set_default_timeout(15_000)
    user_id = await sign_in_browser(live, context, "alice@example.com", "Alice")
    return context, await context.new_page(), user_id


async def sign_in_browser(
    live: LiveServer, context: BrowserContext, email: str, name: str | None = None
) -> UUID:
    """Give the browser context a session of a new user (as if they had signed in)."""
    user_id = await live.make_user(email, name)
    await context.add_cookies([await live.session_cookie(user_id)])  # type: ignore[list-item]
    return user_id


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
