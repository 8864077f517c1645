"""A real uvicorn server for browser tests, on a free localhost port, in a thread of its own.

Its event loop also runs the tests' database arrangements (`call`), on the app's own pool.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote
from uuid import UUID

import uvicorn

from todo.app import create_app
from todo.auth import repository as users
from todo.auth import tokens
from todo.config import Settings
from todo.db import Database

from ..helpers import free_port

SECRET = "web-tests-secret-0123456789-abcdefghijklmnop"
T = TypeVar("T")


class LiveServer:
    """The app at `url`, serving the database at `database_url`."""

    def __init__(self, database_url: str, **overrides: Any) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        values: dict[str, Any] = {
            "database_url": database_url,
            "better_auth_secret": SECRET,
            "better_auth_url": self.url,
            "db_pool_size": 2,
            "db_max_overflow": 4,
        }
        self.settings = Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]
        self.app = create_app(self.settings, database_url=database_url)
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve())

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.loop.close()

    @property
    def db(self) -> Database:
        db: Database = self.app.state.db
        return db

    async def call(self, work: Callable[[Database], Coroutine[Any, Any, T]]) -> T:
        """Run `work(db)` on the server's loop and pool; its result."""
        future = asyncio.run_coroutine_threadsafe(work(self.db), self.loop)
        return await asyncio.wrap_future(future)

    async def make_user(self, email: str, name: str | None = None) -> UUID:
        async def work(db: Database) -> UUID:
            async with db.transaction(None) as tx:
                row = await users.insert_user(tx, email=email, name=name)
            assert row is not None
            user_id: UUID = row["id"]
            return user_id

        return await self.call(work)

    async def session_cookie(self, user_id: UUID) -> dict[str, str]:
        """A fresh session for the user, as the cookie a browser would hold."""
        token = tokens.new_token()

        async def work(db: Database) -> None:
            async with db.transaction(None) as tx:
                await users.insert_session(
                    tx,
                    user_id=user_id,
                    token_hash=tokens.hash_token(token),
                    expires_at=datetime.now(UTC) + timedelta(days=7),
                    ip_address=None,
                    user_agent="tests",
                )

        await self.call(work)
        return {
            "name": "better-auth.session_token",
            "value": quote(tokens.sign(token, SECRET), safe=""),
            "url": self.url,
        }
