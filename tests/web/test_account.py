"""The account pages in a browser: refusals next to their field, settings, sessions, deletion,
a forgotten password and email verification through a real SMTP server."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Download, Page, expect

from todo.db import Database

from ..mail import Inbox
from .live import LiveServer
from .pages import BROWSER, PASSWORD, add, items, sign_in, sign_up

pytestmark = BROWSER
NEW_PASSWORD = "Battery-staple-7"


@pytest_asyncio.fixture(loop_scope="session")
async def other_device(browser: Browser, live: LiveServer) -> AsyncIterator[Page]:
    """A second browser (another device) on the same server."""
    context = await browser.new_context(
        base_url=live.url, user_agent="Mozilla/5.0 (Android) Firefox/130.0"
    )
    context.set_default_timeout(15_000)
    yield await context.new_page()
    await context.close()


async def error_of(page: Page, label: str) -> str | None:
    """The message shown next to a field (via its aria-describedby), or None."""
    field = page.get_by_label(label, exact=True)
    if await field.get_attribute("aria-invalid") != "true":
        return None
    ids = (await field.get_attribute("aria-describedby") or "").split()
    error_id = next(i for i in ids if i.endswith("-error"))
    return await page.locator(f"#{error_id}").text_content()


async def test_refusals_are_explained_next_to_the_field(page: Page, other_device: Page) -> None:
    await page.goto("/sign-up")
    await page.get_by_role("button", name="Create account").click()
    assert await error_of(page, "Name") == "Enter your name."
    assert await error_of(page, "Email") == "Enter your email address."
    assert await error_of(page, "Password") == "Choose a password."
    await expect(page.get_by_label("Name")).to_be_focused()

    await sign_up(page, "alice@example.com", name="Alice", password="weakpassword")
    assert await error_of(page, "Password") == (
        "Include an upper-case letter, a lower-case letter and a digit."
    )
    assert await error_of(page, "Email") is None
    await expect(page.get_by_label("Name")).to_have_value("Alice")
    await expect(page.get_by_label("Email")).to_have_value("alice@example.com")
    await expect(page.get_by_label("Password", exact=True)).to_have_value("")
    await sign_up(page, "not an email", name="Alice")
    assert await error_of(page, "Email") == "Enter an email address like name@example.com."

    await sign_up(page, "alice@example.com", name="Alice")
    await expect(page).to_have_url(re.compile(r"/$"))
    await other_device.goto("/sign-up")
    await sign_up(other_device, "ALICE@example.com", name="Mallory")
    assert await error_of(other_device, "Email") == (
        "An account with this email already exists. Sign in, or use another email."
    )
    await expect(other_device.get_by_label("Name")).to_have_value("Mallory")

    await other_device.goto("/sign-in")
    await sign_in(other_device, "alice@example.com", password="Wrong-password-1")
    await expect(other_device.get_by_role("alert")).to_have_text(
        "The email or the password is not right."
    )
    await expect(other_device.get_by_label("Email")).to_have_value("alice@example.com")
    await expect(other_device.get_by_label("Password", exact=True)).to_have_value("")


async def test_account_settings_name_password_and_devices(page: Page, other_device: Page) -> None:
    await page.goto("/sign-up")
    await sign_up(page, "alice@example.com", name="Alice")
    await other_device.goto("/sign-in")
    await sign_in(other_device, "alice@example.com")
    await expect(other_device).to_have_url(re.compile(r"/$"))

    await page.get_by_role("link", name="Account").click()
    await page.get_by_label("Name", exact=True).fill("Alice Liddell")
    await page.get_by_role("button", name="Save name").click()
    await expect(page.get_by_role("status")).to_have_text("Your name has been saved.")
    await expect(page.locator(".who")).to_have_text("Alice Liddell")

    devices = page.locator(".devices li")
    await expect(devices).to_have_count(2)
    await expect(devices.filter(has_text="this device")).to_have_count(1)
    await expect(devices.filter(has_text="Firefox on Android")).to_have_count(1)

    # Password: each refusal next to its field, then the change signs the other device out.
    await page.get_by_label("Current password").fill("Wrong-password-1")
    await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("New password, again").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Change password").click()
    assert await error_of(page, "Current password") == "That is not your current password."
    await page.get_by_label("Current password").fill(PASSWORD)
    await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("New password, again").fill(NEW_PASSWORD + "x")
    await page.get_by_role("button", name="Change password").click()
    assert await error_of(page, "New password, again") == "The two new passwords are not the same."
    await page.get_by_label("Current password").fill(PASSWORD)
    await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("New password, again").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("status")).to_contain_text("Your password has been changed")
    await expect(devices).to_have_count(1)
    await other_device.reload()
    await expect(other_device).to_have_url(re.compile(r"/sign-in\?next=/$"))

    # Sign in again elsewhere, then sign out everywhere from here.
    await sign_in(other_device, "alice@example.com", password=NEW_PASSWORD)
    await expect(other_device).to_have_url(re.compile(r"/$"))
    await page.reload()
    await expect(devices).to_have_count(2)
    await page.get_by_role("button", name="Sign out everywhere").click()
    await expect(page.get_by_role("status")).to_have_text(
        "You have been signed out on every device."
    )
    for browser_page in (page, other_device):
        await browser_page.goto("/")
        await expect(browser_page).to_have_url(re.compile(r"/sign-in"))


async def test_deleting_the_account_takes_its_tasks(live: LiveServer, page: Page) -> None:
    await page.goto("/sign-up")
    await sign_up(page, "alice@example.com", name="Alice")
    await add(page, "a task")
    await page.get_by_role("link", name="Account").click()
    await page.get_by_label("Your password, to confirm").fill("Wrong-password-1")
    await page.get_by_role("button", name="Delete my account").click()
    assert await error_of(page, "Your password, to confirm") == (
        "That is not your current password."
    )
    await page.get_by_label("Your password, to confirm").fill(PASSWORD)
    await page.get_by_role("button", name="Delete my account").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Your account and all its tasks have been deleted."
    )

    async def left(db: Database) -> tuple[int, int]:
        async with db.owner_transaction() as tx:
            users = await tx.fetch_value("SELECT count(*) FROM users")
            tasks = await tx.fetch_value("SELECT count(*) FROM tasks")
        return users, tasks

    assert await live.call(left) == (0, 0)
    await sign_in(page, "alice@example.com")
    await expect(page.get_by_role("alert")).to_have_text("The email or the password is not right.")


@pytest.mark.settings(mail=True)
async def test_a_forgotten_password_is_reset_by_email(
    live: LiveServer, inbox: Inbox, page: Page
) -> None:
    await page.goto("/sign-up")
    await sign_up(page, "alice@example.com", name="Alice")
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("link", name="Forgotten your password?").click()
    await page.get_by_label("Email").fill("alice@example.com")
    await page.get_by_role("button", name="Email me a link").click()
    await expect(page.get_by_role("status")).to_contain_text("we have emailed it a link")

    link = await inbox.link(2, to="alice@example.com")  # the first was the verification email
    assert link.startswith(f"{live.url}/api/auth/reset-password/")
    await page.goto(link)
    await expect(page).to_have_url(re.compile(r"/reset-password\?token="))
    await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("New password, again").fill("Something-else-1")
    await page.get_by_role("button", name="Save the new password").click()
    assert await error_of(page, "New password, again") == "The two passwords are not the same."
    await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("New password, again").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Save the new password").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Your password has been changed. Sign in with the new one."
    )
    await sign_in(page, "alice@example.com", password=NEW_PASSWORD)
    await expect(page).to_have_url(re.compile(r"/$"))
    # The link worked once.
    await page.goto(link)
    await expect(page.get_by_role("alert")).to_have_text(
        "This link is not valid any more. Ask for a new one."
    )


@pytest.mark.settings(mail=True, require_email_verification=True)
async def test_email_verification_when_the_setting_requires_it(
    inbox: Inbox, page: Page, context: BrowserContext
) -> None:
    await page.goto("/sign-up")
    await sign_up(page, "alice@example.com", name="Alice")
    await expect(page).to_have_url(re.compile(r"/verify-email\?email="))
    await expect(page.get_by_role("heading", name="Verify your email")).to_be_visible()
    await page.goto("/sign-in")
    await sign_in(page, "alice@example.com")
    await expect(page.get_by_role("alert")).to_contain_text("Verify your email address first")

    await page.goto(await inbox.link(1, to="alice@example.com"))
    await expect(page).to_have_url(re.compile(r"/email-verified$"))
    await expect(page.get_by_role("status")).to_have_text(
        "Thank you: your email address is verified."
    )
    await page.get_by_role("link", name="Sign in").last.click()
    await sign_in(page, "alice@example.com")
    await expect(page).to_have_url(re.compile(r"/$"))
    await page.get_by_role("link", name="Account").click()
    await expect(page.get_by_text("alice@example.com — verified")).to_be_visible()
    await page.goto("/email-verified?error=TOKEN_EXPIRED")
    await expect(page.get_by_role("alert")).to_have_text(
        "This link has expired. Ask for a new one."
    )
    assert await items(page).count() == 0


async def _downloaded(download: Download) -> str:
    return await asyncio.to_thread(Path(await download.path()).read_text)


async def test_the_account_page_exports_every_task(page: Page) -> None:
    await page.goto("/sign-up")
    await sign_up(page, "alice@example.com", name="Alice")
    await add(page, "first task")
    await add(page, "second, with a comma")
    await page.get_by_role("link", name="Account").click()
    async with page.expect_download() as json_download:
        await page.get_by_role("link", name="Export as JSON").click()
    document = json.loads(await _downloaded(await json_download.value))
    assert sorted(task["title"] for task in document["tasks"]) == [
        "first task",
        "second, with a comma",
    ]
    async with page.expect_download() as csv_download:
        await page.get_by_role("link", name="Export as CSV").click()
    rows = list(csv.DictReader(io.StringIO(await _downloaded(await csv_download.value))))
    assert sorted(row["title"] for row in rows) == ["first task", "second, with a comma"]


async def test_an_export_imports_into_another_account_from_the_account_page(
    page: Page, browser: Browser, live: LiveServer
) -> None:
    await page.goto("/sign-up")
    await sign_up(page, "alice@example.com", name="Alice")
    await add(page, "first task")
    await add(page, "second task")
    await items(page).first.get_by_role("checkbox").check()
    await page.get_by_role("link", name="Account").click()
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Export as JSON").click()
    exported = (await _downloaded(await download.value)).encode()

    bobs = await browser.new_context(base_url=live.url)
    try:
        bob = await bobs.new_page()
        await bob.goto("/sign-up")
        await sign_up(bob, "bob@example.com", name="Bob")
        await expect(bob.locator(".new-todo")).to_be_visible()
        await bob.goto("/account")
        chooser = bob.get_by_label("File to import")
        # A file that is not an export: the reason next to the field, and nothing imported.
        bad = {"name": "tasks.csv", "mimeType": "text/csv", "buffer": b"title\n   \n"}
        await chooser.set_input_files(files=[bad])  # type: ignore[list-item]
        await bob.get_by_role("button", name="Import tasks").click()
        error = bob.locator("#tasks_file-error")
        await expect(error).to_contain_text("Row 1, field title")
        await expect(error).to_contain_text("nothing was imported")
        await expect(chooser).to_have_attribute("aria-invalid", "true")
        # Alice's export: every task arrives, done or not.
        good = {"name": "tasks.json", "mimeType": "application/json", "buffer": exported}
        await chooser.set_input_files(files=[good])  # type: ignore[list-item]
        await bob.get_by_role("button", name="Import tasks").click()
        await expect(bob.get_by_role("status")).to_have_text("Imported 2 tasks.")
        await bob.goto("/")
        await expect(items(bob)).to_have_text(["second task", "first task"])
        await expect(items(bob)).to_have_class(["completed", ""])
    finally:
        await bobs.close()
