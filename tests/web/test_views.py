"""The planning views in Chromium, with JavaScript and without: quick add and what it shows
before saving, Today (overdue marked, in the user's time zone), Upcoming by day, tag pages,
search, the edit form's date, priority and tag controls, and the time zone setting."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from .conftest import sign_in_browser, signed_in_page
from .live import LiveServer
from .pages import BROWSER, eventually, items, make, saved, set_zone

pytestmark = BROWSER


@pytest_asyncio.fixture(loop_scope="session", params=["js", "no-js"])
async def browsing(
    request: pytest.FixtureRequest, browser: Browser, live: LiveServer
) -> AsyncIterator[tuple[Page, UUID, bool]]:
    """A signed-in page (alice), with JavaScript and without; and whether it runs scripts."""
    scripts = request.param == "js"
    context, page, user_id = await signed_in_page(browser, live, scripts=scripts)
    yield page, user_id, scripts
    await context.close()


def today_in(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()


async def add_line(page: Page, line: str) -> None:
    new_todo = page.get_by_placeholder("What needs to be done?")
    await new_todo.fill(line)
    await new_todo.press("Enter")
    await expect(new_todo).to_have_value("")


async def test_quick_add_shows_what_it_understood_and_saves_it(
    live: LiveServer, browsing: tuple[Page, UUID, bool]
) -> None:
    page, alice, scripts = browsing
    await page.goto("/")
    line = "Call dentist tomorrow 3pm !high #health"
    said = "“Call dentist”: Due Tomorrow 15:00 · High priority · #health."
    if scripts:  # before saving: a live preview under the input
        await page.get_by_placeholder("What needs to be done?").fill(line)
        await expect(page.locator("#quick-add-preview")).to_have_text(f"Will add {said}")
        await page.get_by_placeholder("What needs to be done?").press("Enter")
        await expect(page.locator("#quick-add-preview")).to_have_text(f"Added {said}")
    else:  # no script to preview with: the saved result says what was understood
        await add_line(page, line)
        await expect(page.get_by_role("status")).to_have_text(f"Added {said}")
    item = items(page).first
    await expect(item.locator("label")).to_have_text("Call dentist")
    await expect(item.locator(".meta")).to_have_text("Tomorrow 15:00 High priority #health")
    stored = (await saved(live, alice))["Call dentist"]
    tomorrow = datetime.now(ZoneInfo("UTC")).date() + timedelta(days=1)
    assert stored["due_at"] == datetime.combine(tomorrow, time(15), ZoneInfo("UTC"))
    assert stored["due_date"] is None
    assert (stored["priority"], stored["tags"]) == (3, ["health"])
    # A plain line is a plain task, with nothing to say about it.
    await add_line(page, "Buy milk")
    await expect(items(page).first.locator("label")).to_have_text("Buy milk")
    await expect(items(page).first.locator(".meta")).to_have_count(0)

    async def plain() -> tuple[Any, ...] | None:
        row = (await saved(live, alice)).get("Buy milk")
        return row and (row["due_at"], row["priority"], row["tags"])

    await eventually(plain, (None, 0, []), seconds=15)


async def test_today_shows_due_and_overdue_tasks_in_the_users_zone(
    live: LiveServer, browsing: tuple[Page, UUID, bool]
) -> None:
    page, alice, _ = browsing
    await set_zone(live, alice, "Pacific/Kiritimati")  # UTC+14
    today = today_in("Pacific/Kiritimati")
    await make(live, alice, "Overdue report", due_at=today - timedelta(days=2), priority="high")
    await make(live, alice, "Pay rent", due_at=today)
    await make(live, alice, "Later", due_at=today + timedelta(days=1))
    await make(live, alice, "Whenever")
    await page.goto("/today")
    await expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    await expect(items(page).locator("label")).to_have_text(["Overdue report", "Pay rent"])
    await expect(items(page).nth(0)).to_have_class(re.compile(r"\boverdue\b"))
    await expect(items(page).nth(0).locator(".overdue-mark")).to_have_text("Overdue")
    await expect(items(page).nth(1).locator(".overdue-mark")).to_have_count(0)
    await expect(items(page).nth(1).locator(".due")).to_have_text("Today")
    # Done from the view: a form post and back to Today, with or without scripts.
    await items(page).nth(1).get_by_role("button", name="Mark done").click()
    await expect(page).to_have_url(re.compile(r"/today$"))
    await expect(items(page).locator("label")).to_have_text(["Overdue report"])
    assert (await saved(live, alice))["Pay rent"]["completed"] is True


async def test_today_is_each_users_own_day(live: LiveServer, browser: Browser) -> None:
    # The same instant is a different calendar day east and west of the date line.
    for email, zone in (
        ("east@example.com", "Pacific/Kiritimati"),
        ("west@example.com", "Pacific/Honolulu"),
    ):
        context = await browser.new_context(base_url=live.url)
        user_id = await sign_in_browser(live, context, email)
        await set_zone(live, user_id, zone)
        today = today_in(zone)
        await make(live, user_id, f"{zone} today", due_at=today)
        await make(live, user_id, f"{zone} tomorrow", due_at=today + timedelta(days=1))
        page = await context.new_page()
        await page.goto("/today")
        await expect(items(page).locator("label")).to_have_text([f"{zone} today"])
        await page.goto("/upcoming")
        day = page.get_by_role("region", name=re.compile("^Tomorrow"))
        await expect(day.locator("label")).to_have_text([f"{zone} tomorrow"])
        await context.close()


async def test_upcoming_groups_the_next_seven_days(
    live: LiveServer, browsing: tuple[Page, UUID, bool]
) -> None:
    page, alice, _ = browsing
    today = today_in("UTC")
    await make(live, alice, "In three days", due_at=today + timedelta(days=3))
    await make(
        live,
        alice,
        "Tomorrow night",
        due_at=datetime.combine(today + timedelta(days=1), time(21, 30), ZoneInfo("UTC")),
    )
    await make(
        live,
        alice,
        "Tomorrow morning",
        due_at=datetime.combine(today + timedelta(days=1), time(8), ZoneInfo("UTC")),
    )
    await make(live, alice, "Next month", due_at=today + timedelta(days=30))
    await page.goto("/upcoming")
    days = page.locator("section.day h2")
    await expect(days).to_have_count(7)
    await expect(days.first).to_have_text(re.compile(r"^Today · "))
    tomorrow = page.get_by_role("region", name=re.compile("^Tomorrow"))
    await expect(tomorrow.locator("label")).to_have_text(["Tomorrow morning", "Tomorrow night"])
    await expect(tomorrow.locator(".due")).to_have_text(["Tomorrow 08:00", "Tomorrow 21:30"])
    third = page.locator("section.day").nth(3)
    await expect(third.locator("label")).to_have_text(["In three days"])
    await expect(page.get_by_text("Next month")).to_have_count(0)


async def test_a_tag_has_its_page(live: LiveServer, browsing: tuple[Page, UUID, bool]) -> None:
    page, alice, _ = browsing
    await make(live, alice, "Run", tags=("Health",))
    await make(live, alice, "Report", tags=("work",))
    await make(live, alice, "Walk to work", tags=("health", "work"))
    await page.goto("/")
    await items(page).filter(has_text="Run").get_by_role("link", name="#Health").click()
    await expect(page).to_have_url(re.compile(r"/tags/Health$"))
    await expect(page.get_by_role("heading", name="#Health")).to_be_visible()
    await expect(items(page).locator("label")).to_have_text(["Walk to work", "Run"])
    # The menu lists every tag; the one shown is the current page.
    tags = page.get_by_role("list", name="Tags")
    await expect(tags.get_by_role("link")).to_have_text(["#Health", "#work"])
    await tags.get_by_role("link", name="#work").click()
    await expect(items(page).locator("label")).to_have_text(["Walk to work", "Report"])
    await expect(tags.get_by_role("link", name="#work")).to_have_attribute("aria-current", "page")


async def test_search_finds_by_word_prefix_and_only_ones_own(
    live: LiveServer, browsing: tuple[Page, UUID, bool], browser: Browser
) -> None:
    page, alice, _ = browsing
    other = await browser.new_context(base_url=live.url)
    bob = await sign_in_browser(live, other, "bob@example.com")
    await other.close()
    await make(live, bob, "Bob's dentist visit")
    await make(live, alice, "Call the dentist")
    await make(live, alice, "Café order")
    await make(live, alice, "Buy milk")
    await page.goto("/")
    search = page.get_by_role("searchbox", name="Search tasks")
    await search.fill("DENT")
    await search.press("Enter")
    await expect(page).to_have_url(re.compile(r"/search\?q=DENT$"))
    await expect(items(page).locator("label")).to_have_text(["Call the dentist"])
    await expect(page.get_by_role("searchbox", name="Search tasks")).to_have_value("DENT")
    await page.goto("/search?q=cafe")
    await expect(items(page).locator("label")).to_have_text(["Café order"])
    await page.goto("/search?q=nothing+like+this")
    await expect(page.get_by_text("No task matches.")).to_be_visible()


async def test_the_edit_form_sets_the_date_priority_and_tags(
    live: LiveServer, browsing: tuple[Page, UUID, bool]
) -> None:
    page, alice, _ = browsing
    await make(live, alice, "Plan trip", tags=("home",))
    await make(live, alice, "Other", tags=("travel",))
    await page.goto("/")
    await items(page).filter(has_text="Plan trip").get_by_role("link", name="Details").click()
    await expect(page.get_by_label("Day")).to_have_value("")
    await page.get_by_label("Day").fill("2027-03-04")
    await page.get_by_label("Time").fill("09:30")
    await page.get_by_label("Priority").select_option("medium")
    await page.get_by_label("#home").uncheck()
    await page.get_by_label("#travel").check()
    await page.get_by_label("New tags").fill("#Summer, family ")
    await page.get_by_role("button", name="Save").click()
    await expect(page).to_have_url(re.compile(r"/$"))
    meta = items(page).filter(has_text="Plan trip").locator(".meta")
    await expect(meta).to_have_text("Thu 4 Mar 2027 09:30 Medium priority #family #Summer #travel")
    stored = (await saved(live, alice))["Plan trip"]
    assert stored["due_at"] == datetime(2027, 3, 4, 9, 30, tzinfo=ZoneInfo("UTC"))
    assert stored["priority"] == 2
    assert sorted(stored["tags"], key=str.lower) == ["family", "Summer", "travel"]
    # All day, then no date at all; a bad date is refused next to its field.
    await items(page).filter(has_text="Plan trip").get_by_role("link", name="Details").click()
    await expect(page.get_by_label("Time")).to_have_value("09:30")
    await page.get_by_label("Time").fill("")
    await page.get_by_role("button", name="Save").click()
    stored = (await saved(live, alice))["Plan trip"]
    assert (stored["due_date"], stored["priority"]) == (date(2027, 3, 4), 2)
    await items(page).filter(has_text="Plan trip").get_by_role("link", name="Details").click()
    await page.get_by_label("Day").fill("")
    await page.get_by_label("Time").fill("10:00")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Choose a day for the time.")).to_be_visible()
    assert (await saved(live, alice))["Plan trip"]["due_date"] == date(2027, 3, 4)
    await page.get_by_label("Time").fill("")
    await page.get_by_role("button", name="Save").click()
    await expect(page).to_have_url(re.compile(r"/$"))
    assert (await saved(live, alice))["Plan trip"]["due_at"] is None


async def test_the_time_zone_is_a_setting(
    live: LiveServer, browsing: tuple[Page, UUID, bool]
) -> None:
    page, alice, _ = browsing
    await make(live, alice, "Dinner", due_at=datetime(2030, 6, 1, 18, tzinfo=ZoneInfo("UTC")))
    await page.goto("/account")
    zone = page.get_by_label("Your time zone")
    await expect(zone).to_have_value("UTC")
    await zone.select_option("Asia/Tokyo")
    await page.get_by_role("button", name="Save time zone").click()
    await expect(page.get_by_role("status")).to_have_text("Your time zone has been saved.")
    await expect(page.get_by_label("Your time zone")).to_have_value("Asia/Tokyo")
    await page.goto("/")
    await expect(items(page).first.locator(".due")).to_have_text("Sun 2 Jun 2030 03:00")
