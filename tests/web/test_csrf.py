"""A page on another origin cannot make a signed-in browser change anything."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from uuid import UUID

import pytest
from playwright.async_api import Page, expect

from .live import LiveServer
from .pages import BROWSER, add, eventually, items, stored

pytestmark = BROWSER

# 127.0.0.1 on another port is another origin but the same site, so the browser does send
# the SameSite=Lax session cookie: only the token and the origin check stand in the way.
ATTACK = """<!doctype html><html><body>
<form id="add" method="post" action="{target}/tasks">
  <input name="title" value="planted by a form"><input name="next" value="/">
</form>
<form id="clear" method="post" action="{target}/tasks/toggle-all" target="sink">
  <input name="completed" value="true">
</form>
<iframe name="sink"></iframe>
<script>
  fetch("{target}/tasks/batch", {{
    method: "POST", credentials: "include", mode: "no-cors",
    headers: {{"Content-Type": "text/plain"}},
    body: JSON.stringify({{ops: [{{op: "clear_completed"}}, {{op: "set_all", completed: true}}]}})
  }}).finally(() => {{
    document.getElementById("clear").submit();
    setTimeout(() => document.getElementById("add").submit(), 300);
  }});
</script>
</body></html>"""


@pytest.fixture
def attacker(live: LiveServer) -> Iterator[str]:
    page = ATTACK.format(target=live.url).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


async def test_another_origin_changes_nothing(
    live: LiveServer, alice: UUID, page: Page, attacker: str
) -> None:
    await page.goto("/")
    await add(page, "mine")
    await eventually(lambda: stored(live, alice), [("mine", False)])
    await page.wait_for_load_state("networkidle")  # the page's own request has its answer
    refused = []
    page.on(
        "response",
        lambda response: refused.append(response.status) if "/tasks" in response.url else None,
    )
    await page.goto(attacker)
    await expect(page.get_by_text("sent from another site")).to_be_visible()
    assert refused
    assert set(refused) == {403}
    assert await stored(live, alice) == [("mine", False)]
    await page.goto(f"{live.url}/")
    await expect(items(page)).to_have_text(["mine"])
