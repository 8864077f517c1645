"""Without JavaScript the core still works: plain forms and links, one page load per change."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from uuid import UUID

import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from .conftest import signed_in_page
from .live import LiveServer
from .pages import BROWSER, items, stored, text_contents

pytestmark = BROWSER


@pytest_asyncio.fixture(loop_scope="session")
async def plain(browser: Browser, live: LiveServer) -> AsyncIterator[tuple[Page, UUID]]:
    """A page with JavaScript disabled, signed in as alice."""
    context, page, user_id = await signed_in_page(browser, live, scripts=False)
    yield page, user_id
    await context.close()


async def test_the_no_javascript_journey(live: LiveServer, plain: tuple[Page, UUID]) -> None:
    page, alice = plain
    await page.goto("/")
    await expect(page.locator("html")).to_have_class("no-js")
    new_todo = page.get_by_placeholder("What needs to be done?")
    for title in ("one", "two", "three"):
        await new_todo.fill(title)
        await new_todo.press("Enter")  # submits the form; the page comes back
        await expect(items(page).first).to_have_text(title)
    await expect(items(page)).to_have_text(["three", "two", "one"])
    assert await text_contents(page) == ["three", "two", "one"]
    await expect(page.locator(".todo-count")).to_have_text("3 items left")

    # Toggle: a button per item (the checkbox needs JavaScript and is not shown).
    await items(page).nth(1).get_by_role("button", name="Mark done").click()
    await expect(items(page)).to_have_class(["", "completed", ""])
    await expect(page.locator(".todo-count")).to_have_text("2 items left")

    # Edit on a page of its own, with a description.
    await items(page).nth(0).get_by_role("link", name="Details").click()
    await expect(page).to_have_url(re.compile(r"/tasks/[0-9a-f-]+/edit"))
    await page.get_by_label("Title").fill("   ")
    await page.get_by_label("Description").fill("keep\nthis")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Enter a title.")).to_be_visible()
    await expect(page.get_by_label("Description")).to_have_value("keep\nthis")
    await page.get_by_label("Title").fill("three, edited")
    await page.get_by_role("button", name="Save").click()
    await expect(page).to_have_url(re.compile(r"/$"))
    await expect(items(page).first).to_have_text("three, edited")
    await expect(items(page).first.locator(".description")).to_have_attribute(
        "data-text", "keep\nthis"
    )

    # Filters are links.
    await page.get_by_role("link", name="Active").click()
    await expect(page).to_have_url(re.compile(r"/active$"))
    await expect(items(page)).to_have_text(["three, edited", "one"])
    await page.get_by_role("link", name="Completed").click()
    await expect(items(page)).to_have_text(["two"])
    await page.go_back()
    await expect(items(page)).to_have_text(["three, edited", "one"])

    # Delete, mark every task, clear completed: each stays on the current filter.
    await items(page).nth(1).get_by_role("button", name="Delete").click()
    await expect(page).to_have_url(re.compile(r"/active$"))
    await expect(items(page)).to_have_text(["three, edited"])
    await page.get_by_role("button", name="Mark every task done").click()
    await expect(items(page)).to_have_count(0)
    await page.get_by_role("link", name="All").click()
    await expect(items(page)).to_have_class(["completed", "completed"])
    await page.get_by_role("button", name="Mark every task not done").click()
    await expect(items(page)).to_have_class(["", ""])
    await items(page).nth(0).get_by_role("button", name="Mark done").click()
    await page.get_by_role("button", name="Clear completed").click()
    await expect(items(page)).to_have_text(["two"])
    assert await stored(live, alice) == [("two", False)]

    # Sorting is a plain form too.
    await page.get_by_label("Sort by").select_option("title")
    await page.get_by_role("button", name="Sort").click()
    await expect(page).to_have_url(re.compile(r"/\?sort=title&order=desc$"))
