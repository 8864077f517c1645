"""Every page passes axe-core (no serious or critical violation) at desktop and phone widths,
works from the keyboard with a visible focus, fits 360 px; screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, expect

from ..mail import Inbox
from .conftest import DESKTOP, PHONE, sign_in_browser
from .live import LiveServer
from .pages import BROWSER, add, items, make, seed, sign_up

pytestmark = BROWSER

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.add_script_tag(path=AXE)  # the test context bypasses the CSP for this
    result: dict[str, Any] = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


async def check_page(page: Page, artifacts: Path, name: str) -> None:
    """axe, no sideways scrolling and a screenshot, at each width, of the page as it is."""
    for width, size in WIDTHS.items():
        await page.set_viewport_size(size)  # type: ignore[arg-type]
        assert await axe_violations(page) == [], f"{name} at {width}"
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways at {width}"
        await page.screenshot(path=artifacts / f"{name}-{width}.png", full_page=True)


@pytest_asyncio.fixture(loop_scope="session")
async def audit_context(browser: Browser, live: LiveServer) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(base_url=live.url, bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context
    await context.close()


async def _task_page_states(page: Page) -> AsyncIterator[str]:
    await page.goto("/")
    yield "tasks-empty"
    await add(page, "Buy groceries", "Finish homework", "Call dentist")
    await items(page).nth(2).get_by_role("checkbox").check()
    yield "tasks"
    await items(page).nth(0).dblclick()
    yield "tasks-editing"
    await page.keyboard.press("Escape")
    await page.goto("/completed")
    yield "tasks-completed"


async def test_the_task_pages_pass_axe(
    live: LiveServer, audit_context: BrowserContext, artifacts: Path
) -> None:
    user_id = await sign_in_browser(live, audit_context, "alice@example.com", "Alice")
    await seed(live, user_id, "Read book", description="Chapter 3 and 4.\nTake notes.")
    page = await audit_context.new_page()
    async for name in _task_page_states(page):
        await check_page(page, artifacts, name)
    await page.goto("/")
    await items(page).nth(1).get_by_role("link", name="Details").click()
    await check_page(page, artifacts, "task-edit")
    await page.get_by_label("Title").fill(" ")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Enter a title.")).to_be_visible()
    await check_page(page, artifacts, "task-edit-error")
    await page.goto(f"/tasks/{UUID(int=0)}/edit")
    await check_page(page, artifacts, "not-found")


async def test_the_planning_pages_pass_axe(
    live: LiveServer, audit_context: BrowserContext, artifacts: Path
) -> None:
    user_id = await sign_in_browser(live, audit_context, "alice@example.com", "Alice")
    today = datetime.now(UTC).date()
    await make(live, user_id, "File taxes", due_at=today - timedelta(days=3), priority="high")
    await make(live, user_id, "Call dentist", due_at=today, tags=("health",))
    await make(
        live,
        user_id,
        "Team lunch",
        due_at=today + timedelta(days=2),
        priority="low",
        tags=("work", "food"),
    )
    await make(live, user_id, "Plan trip", priority="medium")
    page = await audit_context.new_page()
    await page.goto("/")
    await page.get_by_placeholder("What needs to be done?").fill("Book flights friday !2 #travel")
    await expect(page.locator("#quick-add-preview")).to_be_visible()
    await check_page(page, artifacts, "tasks-planned")
    for path, name in [
        ("/today", "today"),
        ("/upcoming", "upcoming"),
        ("/tags/work", "tag"),
        ("/search", "search-empty"),
        ("/search?q=dent", "search"),
        ("/search?q=zzz", "search-nothing"),
    ]:
        await page.goto(path)
        await check_page(page, artifacts, name)
    await page.goto("/today")
    await items(page).first.get_by_role("link", name="Details").click()
    await check_page(page, artifacts, "task-edit-planned")
    await page.get_by_label("Day").fill("")
    await page.get_by_label("Time").fill("10:00")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Choose a day for the time.")).to_be_visible()
    await check_page(page, artifacts, "task-edit-planned-error")


@pytest.mark.settings(mail=True)
async def test_the_account_pages_pass_axe(
    inbox: Inbox, audit_context: BrowserContext, artifacts: Path
) -> None:
    page = await audit_context.new_page()
    await page.goto("/sign-in")
    await check_page(page, artifacts, "sign-in")
    await page.get_by_role("button", name="Sign in").click()
    await check_page(page, artifacts, "sign-in-refused")
    await page.goto("/sign-up")
    await check_page(page, artifacts, "sign-up")
    await sign_up(page, "alice@example.com", password="short")
    await check_page(page, artifacts, "sign-up-refused")
    await sign_up(page, "alice@example.com")
    await expect(page).to_have_url(re.compile(r"/$"))
    await page.goto("/account")
    await check_page(page, artifacts, "account")
    await page.get_by_role("button", name="Change password").click()
    await check_page(page, artifacts, "account-refused")
    await page.goto("/verify-email")
    await check_page(page, artifacts, "verify-email")
    await page.goto("/email-verified")
    await check_page(page, artifacts, "email-verified")
    await page.goto("/account")
    await page.get_by_role("button", name="Sign out everywhere").click()
    await page.goto("/forgot-password")
    await check_page(page, artifacts, "forgot-password")
    await page.get_by_label("Email").fill("alice@example.com")
    await page.get_by_role("button", name="Email me a link").click()
    await check_page(page, artifacts, "forgot-password-sent")
    await page.goto(await inbox.link(2))
    await check_page(page, artifacts, "reset-password")
    await page.goto("/reset-password?error=INVALID_TOKEN")
    await check_page(page, artifacts, "reset-password-refused")


async def focus_ring(page: Page) -> str:
    style: str = await page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle === 'none' ? '' : s.outlineStyle + ' ' + s.outlineWidth; })()"
    )
    return style


async def test_the_task_page_works_from_the_keyboard(signed_in: Page) -> None:
    page = signed_in
    await page.goto("/")
    # The new-todo field takes focus on load (autofocus lands at Chromium's next frame,
    # which may come after the load event), so typing at once reaches it.
    await expect(page.get_by_placeholder("What needs to be done?")).to_be_focused()
    await page.keyboard.type("Write report")
    await page.keyboard.press("Enter")
    await page.keyboard.type("Plan trip")
    await page.keyboard.press("Enter")
    await expect(items(page)).to_have_text(["Plan trip", "Write report"])
    # Tab: mark-all, then the first item's checkbox; Space ticks it.
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Mark all as complete")).to_be_focused()
    await page.keyboard.press("Tab")
    toggle = items(page).first.get_by_role("checkbox")
    await expect(toggle).to_be_focused()
    assert await focus_ring(page)
    await page.keyboard.press("Space")
    await expect(items(page).first).to_have_class("completed")
    # Then its details link and delete button, both visible while focused.
    await page.keyboard.press("Tab")
    details = items(page).first.get_by_role("link", name="Details")
    await expect(details).to_be_focused()
    assert await details.evaluate("el => getComputedStyle(el).opacity") == "1"
    assert await focus_ring(page)
    await page.keyboard.press("Tab")
    delete = items(page).first.get_by_role("button", name="Delete")
    await expect(delete).to_be_focused()
    assert await focus_ring(page)
    await page.keyboard.press("Enter")
    await expect(items(page)).to_have_text(["Write report"])
    # The second item's details page: edit with the keyboard alone.
    await items(page).first.get_by_role("link", name="Details").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("Title")).to_be_visible()
    await page.get_by_label("Title").focus()
    await page.keyboard.press("End")
    await page.keyboard.type(" by Friday")
    await page.keyboard.press("Enter")
    await expect(items(page)).to_have_text(["Write report by Friday"])
    # Filters are links in the tab order, each with a visible focus.
    await page.get_by_role("link", name="Active").focus()
    assert await focus_ring(page)


async def test_the_views_work_from_the_keyboard(live: LiveServer, alice: UUID, page: Page) -> None:
    await make(live, alice, "Call dentist", due_at=datetime.now(UTC).date(), tags=("health",))
    await page.goto("/")
    # The menu comes first: Tab from the top reaches its links, each with a visible focus.
    await page.get_by_role("link", name="Skip to content").focus()
    today = page.get_by_role("link", name="Today")
    for _ in range(6):  # past the account links and Inbox
        await page.keyboard.press("Tab")
        if await today.evaluate("el => el === document.activeElement"):
            break
    await expect(today).to_be_focused()
    assert await focus_ring(page)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/today$"))
    await expect(items(page)).to_have_count(1)
    # Search from the keyboard alone; the result's done button is a plain button.
    await page.get_by_role("searchbox", name="Search tasks").focus()
    assert await focus_ring(page)
    await page.keyboard.type("dent")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/search\?q=dent$"))
    done = items(page).first.get_by_role("button", name="Mark done")
    await done.focus()
    assert await focus_ring(page)
    await page.keyboard.press("Enter")
    await expect(items(page).first).to_have_class("completed")
