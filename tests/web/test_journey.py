"""The whole journey in a real browser, as a user would make it."""

from __future__ import annotations

import re
from uuid import UUID

from playwright.async_api import Page, expect

from .live import LiveServer
from .pages import BROWSER, add, items, stored

pytestmark = BROWSER


async def test_the_whole_journey(live: LiveServer, alice: UUID, page: Page) -> None:
    await page.goto("/")
    await add(page, "Buy groceries", "Call dentist", "Read book")
    await expect(items(page)).to_have_text(["Read book", "Call dentist", "Buy groceries"])

    # Edit one by double-click.
    await items(page).nth(1).dblclick()
    await items(page).nth(1).get_by_role("textbox", name="Edit").fill("Call the dentist")
    await items(page).nth(1).get_by_role("textbox", name="Edit").press("Enter")
    await expect(items(page).nth(1)).to_have_text("Call the dentist")

    # Toggle one, then all, then all back.
    await items(page).nth(0).get_by_role("checkbox").check()
    await expect(page.locator(".todo-count")).to_have_text("2 items left")
    toggle_all = page.get_by_label("Mark all as complete")
    await toggle_all.check()
    await expect(page.locator(".todo-count")).to_have_text("0 items left")
    await toggle_all.uncheck()
    await items(page).nth(0).get_by_role("checkbox").check()

    # Filter by URL, then with links and Back.
    await page.goto("/active")
    await expect(items(page)).to_have_text(["Call the dentist", "Buy groceries"])
    await page.get_by_role("link", name="Completed").click()
    await expect(items(page)).to_have_text(["Read book"])
    await page.go_back()
    await expect(page).to_have_url(re.compile(r"/active$"))
    await expect(items(page)).to_have_text(["Call the dentist", "Buy groceries"])

    # Clear completed, reload: everything is on the server.
    await page.get_by_role("link", name="All").click()
    await page.get_by_role("button", name="Clear completed").click()
    await expect(items(page)).to_have_text(["Call the dentist", "Buy groceries"])
    await page.reload()
    await expect(items(page)).to_have_text(["Call the dentist", "Buy groceries"])
    await expect(page.locator(".todo-count")).to_have_text("2 items left")
    assert await stored(live, alice) == [("Call the dentist", False), ("Buy groceries", False)]
