"""Helpers for the task API tests: settings, credentials, users."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from todo.auth import repository as auth_repository
from todo.auth import tokens
from todo.config import Settings
from todo.db import Database
from todo.tasks import repository as task_sql

SECRET = "test-secret-" + "x" * 40
ORIGIN = "https://app.example.com"


def api_settings(**overrides: Any) -> Settings:
    """Settings for a test app: a known secret and CORS origin, nothing from the environment."""
    values: dict[str, Any] = {
        "better_auth_secret": SECRET,
        "cors_origins": ORIGIN,
        "db_pool_size": 2,
        "db_max_overflow": 4,
        "db_pool_timeout": 10,
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]


def hs256(user_id: uuid.UUID | str, *, secret: str = SECRET, **claims: Any) -> str:
    """An HS256 JWT for `user_id`, valid for a minute unless `claims` say otherwise."""
    now = int(time.time())
    payload = {"sub": str(user_id), "iat": now, "exp": now + 60} | claims
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, "HS256")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class User:
    """A user of the test database and a credential for them."""

    id: uuid.UUID
    email: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(hs256(self.id))

    def tasks_url(self, task_id: object | None = None) -> str:
        base = f"/api/{self.id}/tasks"
        return base if task_id is None else f"{base}/{task_id}"


async def new_session(db: Database, user_id: uuid.UUID, *, expires_in: float = 3600) -> str:
    """A session row for the user; the raw token."""
    token = tokens.new_token()
    async with db.transaction(None) as tx:
        await auth_repository.insert_session(
            tx,
            user_id=user_id,
            token_hash=tokens.hash_token(token),
            expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
            ip_address=None,
            user_agent=None,
        )
    return token


TASK_KEYS = {
    *("id", "user_id", "title", "description", "completed", "created_at", "updated_at"),
    *("due_at", "all_day", "priority", "tags"),  # issue 11, additive
}
DUE_AT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z)?")


def is_utc_timestamp(value: object) -> bool:
    """An ISO-8601 timestamp in UTC (`Z` or `+00:00`)."""
    if not isinstance(value, str):
        return False
    parsed = datetime.fromisoformat(value)
    return parsed.utcoffset() == timedelta(0)


def assert_task(task: dict[str, Any], *, user_id: uuid.UUID) -> None:
    """`task` is a task object of the API, owned by `user_id`."""
    assert set(task) == TASK_KEYS
    assert task["user_id"] == str(user_id)
    assert uuid.UUID(task["id"])
    assert is_utc_timestamp(task["created_at"])
    assert is_utc_timestamp(task["updated_at"])
    # A date (all day) or a UTC instant, or null; a priority by name; tags by name.
    due = task["due_at"]
    assert due is None or (DUE_AT.fullmatch(due) and task["all_day"] == ("T" not in due))
    assert task["all_day"] is (due is not None and "T" not in due)
    assert task["priority"] in ("none", "low", "medium", "high")
    names = [tag["name"] for tag in task["tags"]]
    assert names == sorted(names, key=str.lower)
    assert all(set(tag) == {"id", "name", "color"} for tag in task["tags"])


def assert_success(response: httpx.Response, status: int) -> Any:
    """A success envelope with `status`; its data."""
    assert response.status_code == status, response.text
    if status == 204:
        assert response.content == b""
        return None
    body = response.json()
    assert set(body) == {"data", "meta"}
    assert is_utc_timestamp(body["meta"]["timestamp"])
    return body["data"]


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """An error envelope with `status` and `code`; its `error` object."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "meta"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert set(body["error"]) <= {"code", "message", "details"}
    assert is_utc_timestamp(body["meta"]["timestamp"])
    error: dict[str, Any] = body["error"]
    return error


async def stored_task(db: Database, task_id: object) -> dict[str, Any] | None:
    """The task row as the database has it, with its version and its tags as task_tags links
    them (read as the owner, past row-level security); checks that the row's own tag_ids
    agree with those links."""
    async with db.owner_transaction() as tx:
        row = await tx.fetch_one(
            f"SELECT {task_sql.FIELDS}, {task_sql.TAG_IDS}::text[] AS linked, "
            "(SELECT coalesce(json_agg(json_build_object('id', tg.id, 'name', tg.name, "
            "'color', tg.color) ORDER BY lower(tg.name)), '[]') FROM task_tags tt "
            "JOIN tags tg ON tg.id = tt.tag_id WHERE tt.task_id = tasks.id) AS tags, "
            f"{task_sql.VERSION} AS version FROM tasks WHERE id = %s",
            (task_id,),
        )
    if row is not None:
        assert row.pop("tag_ids") == row.pop("linked"), "tasks.tag_ids disagrees with task_tags"
    return row


@dataclass
class SigningKey:
    """An Ed25519 key registered in `jwks`, as /api/auth/token's key would be."""

    kid: str
    private_key: Ed25519PrivateKey

    def sign(self, user_id: uuid.UUID | str, *, kid: str | None = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {"sub": str(user_id), "iat": now, "exp": now + 60} | claims
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, self.private_key, "EdDSA", headers={"kid": kid or self.kid})

    def public_jwk(self) -> dict[str, str]:
        jwk: dict[str, str] = json.loads(
            jwt.algorithms.OKPAlgorithm.to_jwk(self.private_key.public_key())
        )
        return jwk


async def eddsa_key(db: Database, *, expires_at: datetime | None = None) -> SigningKey:
    """A new signing key in `jwks` (its private half is not needed by the API: a placeholder)."""
    private_key = Ed25519PrivateKey.generate()
    public = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(private_key.public_key()))
    async with db.owner_transaction() as tx:
        kid = await tx.fetch_value(
            "INSERT INTO jwks (public_key, private_key, expires_at) VALUES (%s, %s, %s) "
            "RETURNING id::text",
            (json.dumps(public), "not used by the API", expires_at),
        )
    return SigningKey(kid, private_key)


async def until_blocked(db: Database, statement_prefix: str, *, count: int = 1) -> None:
    """Return once `count` sessions of this database wait on a lock while running a statement
    that starts with `statement_prefix` (polls the server; the caller holds that lock)."""
    while True:
        async with db.owner_transaction() as tx:
            waiting = await tx.fetch_value(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE %s",
                (statement_prefix + "%",),
            )
        if waiting >= count:
            return
        await asyncio.sleep(0.01)
