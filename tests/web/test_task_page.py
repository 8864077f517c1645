"""Beyond TodoMVC: order, paging, writes that survive leaving the page, typing never lost."""

from __future__ import annotations

import asyncio
import re
from uuid import UUID

import psycopg
from playwright.async_api import BrowserContext, Page, expect

from todo.db import Database

from .conftest import sign_in_browser
from .live import LiveServer
from .pages import BROWSER, add, eventually, items, seed, stored

pytestmark = BROWSER


async def test_sort_and_order_come_from_the_url_and_are_remembered(
    live: LiveServer, alice: UUID, page: Page, context: BrowserContext
) -> None:
    await seed(live, alice, "banana", "cherry", "apple")
    await page.goto("/")
    await expect(items(page)).to_have_text(["apple", "cherry", "banana"])  # newest first
    await page.goto("/?sort=created_at&order=asc")  # TodoMVC's order
    await expect(items(page)).to_have_text(["banana", "cherry", "apple"])
    # The same choice in the page; it applies in place and lands in the URL.
    await page.get_by_label("Sort by").select_option("title")
    await expect(page).to_have_url(re.compile(r"\?sort=title&order=asc$"))
    await expect(items(page)).to_have_text(["apple", "banana", "cherry"])
    await page.get_by_label("Order").select_option("desc")
    await expect(items(page)).to_have_text(["cherry", "banana", "apple"])
    # Remembered across pages, reloads and devices (another browser signed in as Alice).
    await page.goto("/active")
    await expect(items(page)).to_have_text(["cherry", "banana", "apple"])
    other_device = await context.browser.new_context(base_url=live.url)  # type: ignore[union-attr]
    try:
        await other_device.add_cookies([await live.session_cookie(alice)])  # type: ignore[list-item]
        phone = await other_device.new_page()
        await phone.goto("/")
        await expect(items(phone)).to_have_text(["cherry", "banana", "apple"])
        await expect(phone.get_by_label("Sort by")).to_have_value("title")
    finally:
        await other_device.close()
    # New tasks land where the order puts them.
    await page.goto("/")
    await add(page, "blueberry")
    await expect(items(page)).to_have_text(["cherry", "blueberry", "banana", "apple"])


async def test_ten_thousand_tasks_load_page_by_page(
    live: LiveServer, alice: UUID, page: Page
) -> None:
    async def many(db: Database) -> None:
        async with db.owner_transaction() as tx:
            await tx.execute(
                "INSERT INTO tasks (user_id, title, completed, created_at) "
                "SELECT %s, 'task ' || n, n %% 3 = 0, now() - n * interval '1 second' "
                "FROM generate_series(1, 10000) AS n",
                (alice,),
            )

    await live.call(many)
    await page.goto("/")
    await expect(items(page)).to_have_count(50)
    await expect(items(page).first).to_have_text("task 1")
    await expect(page.locator(".todo-count")).to_have_text("6667 items left")
    await add(page, "fresh")  # newest first: on top, and never loaded again below
    load_more = page.get_by_role("link", name="Load more")
    await load_more.click()
    await expect(items(page)).to_have_count(101)
    await load_more.click()
    await expect(items(page)).to_have_count(151)
    titles = await items(page).all_text_contents()
    assert titles[:3] == ["fresh", "task 1", "task 2"]
    assert titles[-1] == "task 150"
    assert len(set(titles)) == len(titles)
    # Completing items while paging shifts nothing out of sight.
    await page.goto("/active")
    await expect(items(page)).to_have_count(50)
    for _ in range(5):
        await items(page).first.get_by_role("checkbox").click()
    await expect(items(page)).to_have_count(45)
    await load_more.click()
    await expect(items(page)).to_have_count(95)
    active = ["fresh"] + [f"task {n}" for n in range(1, 200) if n % 3 != 0]
    assert await items(page).all_text_contents() == active[5:100]


def lock_writes(database_url: str, user_id: UUID) -> _WriteLock:
    """Hold the user's write lock: the page's batches stall on the server until it is let go."""
    return _WriteLock(database_url, user_id)


class _WriteLock:
    def __init__(self, database_url: str, user_id: UUID) -> None:
        self.url, self.key = database_url, str(user_id)

    async def __aenter__(self) -> None:
        self.conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        await self.conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (self.key,))

    async def __aexit__(self, *_: object) -> None:
        await self.conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (self.key,))
        await self.conn.close()


async def test_changes_reach_the_server_in_order_even_when_leaving_at_once(
    live: LiveServer, alice: UUID, page: Page, database_url: str
) -> None:
    await page.goto("/")
    await add(page, "one", "two")
    await eventually(lambda: stored(live, alice), [("two", False), ("one", False)])
    # Hold the user's write lock: the next request stalls on the server, so the changes after
    # it are still in the page's queue when the page goes away.
    async with lock_writes(database_url, alice):
        await add(page, "three")
        await items(page).nth(2).get_by_role("checkbox").check()
        await items(page).nth(1).dblclick()
        await items(page).nth(1).locator(".edit").fill("two, renamed")
        await items(page).nth(1).locator(".edit").press("Enter")
        await add(page, "four")
        await items(page).nth(0).hover()
        await items(page).nth(0).get_by_role("button", name="Delete").click()
        await page.goto("about:blank")
        await asyncio.sleep(0.3)  # the last changes leave with the page (keepalive)
    expected = [("three", False), ("two, renamed", False), ("one", True)]
    await eventually(lambda: stored(live, alice), expected)


async def test_a_reload_right_after_a_change_shows_the_change(
    live: LiveServer, alice: UUID, page: Page, database_url: str
) -> None:
    await seed(live, alice, "keep", "remove")
    await page.goto("/")
    await expect(items(page)).to_have_text(["remove", "keep"])
    # The delete is still unanswered when the page reloads, so the reloaded page is served
    # before the change lands and first shows the old list.
    async with lock_writes(database_url, alice):
        await items(page).first.hover()
        await items(page).first.get_by_role("button", name="Delete").click()
        await expect(items(page)).to_have_text(["keep"])
        await page.reload()
        await expect(items(page)).to_have_text(["remove", "keep"])
    # Once it lands, the new page shows it by itself; the change sent twice is no error.
    await expect(items(page)).to_have_text(["keep"])
    await expect(page.locator(".flash")).to_be_hidden()
    assert await stored(live, alice) == [("keep", False)]


async def test_unsaved_changes_never_go_to_another_account(
    live: LiveServer, alice: UUID, page: Page, context: BrowserContext, database_url: str
) -> None:
    await page.goto("/")
    async with lock_writes(database_url, alice):
        await add(page, "alice's secret")
        await page.goto("about:blank")  # the change waits in this tab's storage
        await context.clear_cookies()
        bob = await sign_in_browser(live, context, "bob@example.com", "Bob")
        await page.goto("/")
        await expect(page.locator(".new-todo")).to_be_focused()
    await eventually(lambda: stored(live, alice), [("alice's secret", False)])
    await page.reload()
    await expect(items(page)).to_have_count(0)
    assert await stored(live, bob) == []


async def test_typing_survives_everything_the_page_does(signed_in: Page) -> None:
    page = signed_in
    await page.goto("/")
    await add(page, "one", "two")
    new_todo = page.locator(".new-todo")
    await new_todo.fill("half typed")
    await items(page).first.get_by_role("checkbox").check()
    await page.get_by_role("link", name="Completed").click()
    await expect(items(page)).to_have_text(["two"])
    await page.get_by_label("Sort by").select_option("title")
    await expect(page).to_have_url(re.compile(r"/completed\?sort=title"))
    await page.go_back()
    await page.go_back()
    await expect(items(page)).to_have_text(["two", "one"])
    await expect(new_todo).to_have_value("half typed")


async def test_a_second_user_never_sees_the_first_users_tasks(
    live: LiveServer, alice: UUID, page: Page, context: BrowserContext
) -> None:
    bobs = await context.browser.new_context(base_url=live.url)  # type: ignore[union-attr]
    try:
        bob = await sign_in_browser(live, bobs, "bob@example.com", "Bob")
        bob_page = await bobs.new_page()
        await page.goto("/")
        await bob_page.goto("/")
        await add(page, "alice 1", "alice 2")
        await add(bob_page, "bob 1")
        await page.reload()
        await bob_page.reload()
        await expect(items(page)).to_have_text(["alice 2", "alice 1"])
        await expect(items(bob_page)).to_have_text(["bob 1"])
        await expect(bob_page.locator(".todo-count")).to_have_text("1 item left")
        # Alice's task by its address, from Bob's browser: not found, nothing shown.
        alice_task = await items(page).first.get_attribute("data-id")
        response = await bob_page.goto(f"/tasks/{alice_task}/edit")
        assert response is not None
        assert response.status == 404
        await expect(bob_page.get_by_text("alice 2")).to_have_count(0)
        assert await stored(live, bob) == [("bob 1", False)]
    finally:
        await bobs.close()
