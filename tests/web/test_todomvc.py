"""The task page keeps TodoMVC's markup and behaviour, so TodoMVC's own tests could drive it."""

from __future__ import annotations

import re
from uuid import UUID

from playwright.async_api import Page, expect

from .live import LiveServer
from .pages import BROWSER, add, classes, eventually, items, seed, stored, text_contents

pytestmark = BROWSER


async def test_new_todo_is_focused_trims_ignores_blanks_and_clears(signed_in: Page) -> None:
    page = signed_in
    await page.goto("/")
    new_todo = page.get_by_placeholder("What needs to be done?")
    await expect(new_todo).to_be_focused()
    await new_todo.fill("   Buy milk   ")
    await new_todo.press("Enter")
    await expect(new_todo).to_have_value("")
    await new_todo.fill("   ")
    await new_todo.press("Enter")
    await expect(items(page)).to_have_count(1)
    assert await text_contents(page) == ["Buy milk"]


async def test_main_and_footer_are_hidden_without_tasks(signed_in: Page) -> None:
    page = signed_in
    await page.goto("/")
    await expect(page.locator(".main")).to_be_hidden()
    await expect(page.locator(".footer")).to_be_hidden()
    await add(page, "only one")
    await expect(page.locator(".main")).to_be_visible()
    await expect(page.locator(".footer")).to_be_visible()
    await items(page).hover()
    await items(page).get_by_role("button", name="Delete").click()
    await expect(page.locator(".main")).to_be_hidden()
    await expect(page.locator(".footer")).to_be_hidden()


async def test_an_item_is_exactly_its_title(live: LiveServer, alice: UUID, page: Page) -> None:
    await seed(live, alice, "Plain")
    await seed(live, alice, "Has details", description="first line\nsecond line")
    await page.goto("/")
    assert await text_contents(page) == ["Has details", "Plain"]
    assert await classes(page) == ["", ""]
    with_details = items(page).first
    description = with_details.locator(".description")
    await expect(description).to_be_visible()
    drawn = await description.evaluate("el => getComputedStyle(el, '::before').content")
    assert drawn == '"first line\\a second line"'
    await expect(items(page).nth(1).locator(".description")).to_have_count(0)
    # Every control in an item is named without adding text to it.
    for control in ("checkbox", "button", "link", "textbox"):
        for element in await with_details.get_by_role(control, include_hidden=True).all():
            assert await element.get_attribute("aria-label")


async def test_toggling_sets_the_completed_class(signed_in: Page) -> None:
    page = signed_in
    await page.goto("/")
    await add(page, "one", "two")
    await items(page).nth(0).get_by_role("checkbox").check()
    await expect(items(page)).to_have_class(["completed", ""])
    assert await classes(page) == ["completed", ""]
    await items(page).nth(0).get_by_role("checkbox").uncheck()
    await expect(items(page)).to_have_class(["", ""])


async def test_the_counter_pluralises(signed_in: Page) -> None:
    page = signed_in
    await page.goto("/")
    count = page.locator(".todo-count")
    await add(page, "one")
    await expect(count).to_have_text("1 item left")
    await expect(count.locator("strong")).to_have_text("1")
    await add(page, "two")
    await expect(count).to_have_text("2 items left")
    await page.get_by_label("Mark all as complete").check()
    await expect(count).to_have_text("0 items left")


async def test_mark_all_follows_the_items(signed_in: Page) -> None:
    page = signed_in
    await page.goto("/")
    await add(page, "one", "two", "three")
    toggle_all = page.get_by_label("Mark all as complete")
    await toggle_all.check()
    await expect(items(page)).to_have_class(["completed"] * 3)
    await toggle_all.uncheck()
    await expect(items(page)).to_have_class([""] * 3)
    for item in await items(page).all():
        await item.get_by_role("checkbox").check()
    await expect(toggle_all).to_be_checked()
    await items(page).first.get_by_role("checkbox").uncheck()
    await expect(toggle_all).not_to_be_checked()
    await toggle_all.check()
    clear = page.get_by_role("button", name="Clear completed")
    await clear.click()
    await expect(items(page)).to_have_count(0)
    await expect(toggle_all).not_to_be_checked()
    await expect(clear).to_be_hidden()


async def test_clear_completed_shows_only_when_something_is_done(signed_in: Page) -> None:
    page = signed_in
    await page.goto("/")
    await add(page, "one", "two")
    clear = page.get_by_role("button", name="Clear completed")
    await expect(clear).to_be_hidden()
    await items(page).first.get_by_role("checkbox").check()
    await expect(clear).to_be_visible()
    await clear.click()
    await expect(items(page)).to_have_text(["one"])
    await expect(clear).to_be_hidden()


async def test_editing_saves_on_enter_and_blur_and_cancels_on_escape(
    live: LiveServer, alice: UUID, page: Page
) -> None:
    await page.goto("/")
    await add(page, "first", "second", "third")
    # Enter saves, trimmed; every other control of the item is hidden meanwhile.
    item = items(page).nth(1)
    await item.dblclick()
    await expect(item).to_have_class("editing")
    edit = item.get_by_role("textbox", name="Edit")
    await expect(edit).to_be_focused()
    await expect(edit).to_have_value("second")
    await expect(item.get_by_role("checkbox")).to_be_hidden()
    await expect(item.get_by_role("button", name="Delete")).to_be_hidden()
    await edit.fill("   second, renamed   ")
    await edit.press("Enter")
    await expect(items(page)).to_have_text(["third", "second, renamed", "first"])
    await expect(item).to_have_class("")
    # Blur saves.
    await items(page).nth(0).dblclick()
    await items(page).nth(0).locator(".edit").fill("third, blurred")
    await page.locator(".new-todo").click()
    await expect(items(page)).to_have_text(["third, blurred", "second, renamed", "first"])
    # Escape cancels, and the blur that follows saves nothing.
    await items(page).nth(2).dblclick()
    await items(page).nth(2).locator(".edit").fill("never saved")
    await items(page).nth(2).locator(".edit").press("Escape")
    await page.locator(".new-todo").click()
    await expect(items(page)).to_have_text(["third, blurred", "second, renamed", "first"])
    # An empty title deletes the task.
    await items(page).nth(2).dblclick()
    await items(page).nth(2).locator(".edit").fill("   ")
    await items(page).nth(2).locator(".edit").press("Enter")
    await expect(items(page)).to_have_text(["third, blurred", "second, renamed"])
    await page.reload()
    await expect(items(page)).to_have_text(["third, blurred", "second, renamed"])
    assert await stored(live, alice) == [("third, blurred", False), ("second, renamed", False)]


async def test_a_blur_event_from_a_script_saves_the_edit(
    live: LiveServer, alice: UUID, page: Page
) -> None:
    # TodoMVC's own tests end an edit with `dispatchEvent(new Event('blur'))`: focus never
    # moves, so only a listener for the event itself (not focusout) sees it.
    await page.goto("/")
    await add(page, "first")
    item = items(page).first
    await item.dblclick()
    edit = item.locator(".edit")
    await edit.fill("  renamed by a script  ")
    await edit.dispatch_event("blur")
    await expect(item).to_have_class("")
    await expect(items(page)).to_have_text(["renamed by a script"])
    await eventually(lambda: stored(live, alice), [("renamed by a script", False)], seconds=15)
    # Escape, then a scripted blur: still nothing saved.
    await item.dblclick()
    await edit.fill("never saved")
    await edit.press("Escape")
    await edit.evaluate("el => el.dispatchEvent(new Event('blur'))")
    await expect(items(page)).to_have_text(["renamed by a script"])
    await page.reload()
    await expect(items(page)).to_have_text(["renamed by a script"])


async def test_filters_have_urls_the_selected_class_and_the_back_button(signed_in: Page) -> None:
    page = signed_in
    await page.goto("/")
    await add(page, "one", "two", "three")
    await items(page).nth(1).get_by_role("checkbox").check()
    filters = page.locator(".filters a")
    await page.get_by_role("link", name="All").click()
    await expect(items(page)).to_have_count(3)
    await page.get_by_role("link", name="Active").click()
    await expect(page).to_have_url(re.compile(r"/active$"))
    await expect(items(page)).to_have_text(["three", "one"])
    assert await filters.evaluate_all("els => els.map(el => el.className)") == [
        "",
        "selected",
        "",
    ]
    await page.get_by_role("link", name="Completed").click()
    await expect(page).to_have_url(re.compile(r"/completed$"))
    await expect(items(page)).to_have_text(["two"])
    await expect(page.locator(".filters a.selected")).to_have_text("Completed")
    await page.go_back()
    await expect(items(page)).to_have_text(["three", "one"])
    await expect(page.locator(".filters a.selected")).to_have_text("Active")
    # An item changed while filtered out of view leaves the view.
    await items(page).first.get_by_role("checkbox").click()
    await expect(items(page)).to_have_text(["one"])
    await page.go_back()
    await expect(items(page)).to_have_count(3)
    await expect(page.locator(".filters a.selected")).to_have_text("All")
    # The filter survives a reload: it is the URL.
    await page.goto("/completed")
    await expect(items(page)).to_have_text(["three", "two"])


async def test_todomvc_hash_routes_lead_to_the_filter_urls(signed_in: Page) -> None:
    page = signed_in
    await page.goto("/#/active")
    await expect(page).to_have_url(re.compile(r"/active$"))
    await expect(page.locator(".filters a.selected")).to_have_text("Active")


async def test_only_the_filters_and_clear_are_named_all_active_or_completed(
    signed_in: Page,
) -> None:
    page = signed_in
    await page.goto("/")
    # Titles full of the words must not leak into any control's name.
    await add(page, "Call all active members", "Completed forms", "ALL CAPS")
    await items(page).first.get_by_role("checkbox").check()
    for name in ("All", "Active", "Completed"):
        await expect(page.get_by_role("link", name=name)).to_have_count(1)
        await expect(page.get_by_role("button", name=name)).to_have_count(
            1 if name == "Completed" else 0
        )
    await expect(page.get_by_role("button", name="Clear completed")).to_have_count(1)
    await expect(page.get_by_label("Mark all as complete")).to_have_count(1)
