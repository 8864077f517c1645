"""The app in-process for HTTP tests: httpx through the ASGI transport, lifespan run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from uuid import UUID

import httpx
from fastapi import FastAPI

from todo.app import create_app
from todo.auth import repository as users
from todo.auth import tokens
from todo.config import Settings
from todo.db import Database
from todo.web import security

from .live import SECRET

BASE = "http://todo.test"


def settings_for(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "better_auth_secret": SECRET,
        "better_auth_url": BASE,
        "db_pool_size": 2,
        "db_max_overflow": 2,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type, call-arg]


@asynccontextmanager
async def running(database_url: str, **overrides: object) -> AsyncIterator[FastAPI]:
    app = create_app(settings_for(database_url, **overrides), database_url=database_url)
    async with app.router.lifespan_context(app):
        yield app


def client(app: FastAPI, **kwargs: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=BASE,
        follow_redirects=False,
        **kwargs,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class Visitor:
    """A signed-in user as a browser on our own pages would be."""

    user_id: UUID
    session_id: UUID
    cookie: str

    @property
    def csrf(self) -> str:
        return security.csrf_token(settings_for("postgresql://x/y"), self.session_id)

    def headers(self, **extra: str) -> dict[str, str]:
        return {"cookie": f"better-auth.session_token={self.cookie}", "origin": BASE, **extra}


async def sign_in(db: Database, email: str) -> Visitor:
    async with db.transaction(None) as tx:
        user = await users.insert_user(tx, email=email, name=email.split("@")[0])
        assert user is not None
        token = tokens.new_token()
        session = await users.insert_session(
            tx,
            user_id=user["id"],
            token_hash=tokens.hash_token(token),
            expires_at=datetime.now(UTC) + timedelta(days=1),
            ip_address=None,
            user_agent="tests",
        )
    return Visitor(user["id"], session["id"], quote(tokens.sign(token, SECRET), safe=""))
