"""The whole journey in a real browser, as a new user would make it."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from .pages import BROWSER, add, items, sign_in, sign_up

pytestmark = BROWSER


async def test_the_whole_journey(page: Page) -> None:
    # A stranger is sent to sign in, and finds the way to sign up.
    await page.goto("/")
    await expect(page).to_have_url(re.compile(r"/sign-in\?next=/$"))
    await page.get_by_role("link", name="Create an account").first.click()
    await sign_up(page, "new.user@example.com", name="New User")
    await expect(page).to_have_url(re.compile(r"/$"))
    await expect(page.locator(".new-todo")).to_be_focused()
    await expect(page.locator(".who")).to_have_text("New User")

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

    # Sign out; the tasks are out of reach, and back after signing in again.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_text("You have signed out.")).to_be_visible()
    await page.goto("/active")
    await expect(page).to_have_url(re.compile(r"/sign-in\?next=/active$"))
    await sign_in(page, "new.user@example.com")
    await expect(page).to_have_url(re.compile(r"/active$"))
    await expect(items(page)).to_have_text(["Call the dentist", "Buy groceries"])
    await expect(page.locator(".todo-count")).to_have_text("2 items left")
