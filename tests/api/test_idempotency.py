"""Idempotency-Key on create and import: replays, mismatches, requests in flight, scoping,
refused first attempts and how long keys last."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest

from todo.db import Database
from todo.idempotency.service import KEEP_SECONDS

from .support import User, assert_error, assert_success, until_blocked

KEY = "Idempotency-Key"
REPLAYED = "idempotent-replayed"
# Hang guard only: a request that should answer at once and instead waits for the lock the
# test holds would otherwise wait forever.
NEVER = 60


def keyed(user: User, key: str | bytes) -> dict[str, Any]:
    return user.auth | {KEY: key}


async def titles(db: Database, user: User) -> list[str]:
    async with db.owner_transaction() as tx:
        rows = await tx.fetch_all(
            "SELECT title FROM tasks WHERE user_id = %s ORDER BY created_at, title", (user.id,)
        )
    return [row["title"] for row in rows]


async def stored_keys(db: Database, user: User) -> list[str]:
    async with db.owner_transaction() as tx:
        rows = await tx.fetch_all(
            "SELECT key FROM idempotency_keys WHERE user_id = %s ORDER BY key", (user.id,)
        )
    return [row["key"] for row in rows]


async def age_key(db: Database, user: User, key: str, seconds: int) -> None:
    async with db.owner_transaction() as tx:
        changed = await tx.execute(
            "UPDATE idempotency_keys SET created_at = now() - make_interval(secs => %s) "
            "WHERE user_id = %s AND key = %s",
            (seconds, user.id, key),
        )
    assert changed == 1


async def test_a_retry_replays_the_first_answer_and_creates_once(
    client: httpx.AsyncClient, db: Database, alice: User
) -> None:
    body = {"title": "Pay rent", "description": "by the 3rd"}
    first = await client.post(alice.tasks_url(), json=body, headers=keyed(alice, "rent-1"))
    task = assert_success(first, 201)
    assert REPLAYED not in first.headers
    again = await client.post(alice.tasks_url(), json=body, headers=keyed(alice, "rent-1"))
    assert again.status_code == 201
    assert again.content == first.content  # meta.timestamp included
    assert again.headers[REPLAYED] == "true"
    assert again.headers["content-type"] == "application/json"
    assert again.headers["etag"] == first.headers["etag"]
    # The rate-limit headers are the retry's own: it was counted like any request.
    remaining = int(first.headers["x-ratelimit-remaining"])
    assert int(again.headers["x-ratelimit-remaining"]) == remaining - 1
    assert await titles(db, alice) == ["Pay rent"]
    listed = assert_success(await client.get(alice.tasks_url(), headers=alice.auth), 200)
    assert [t["id"] for t in listed] == [task["id"]]


async def test_the_same_key_with_another_request_is_unprocessable(
    client: httpx.AsyncClient, db: Database, alice: User
) -> None:
    url = alice.tasks_url()
    assert_success(await client.post(url, json={"title": "A"}, headers=keyed(alice, "k")), 201)
    other = await client.post(url, json={"title": "B"}, headers=keyed(alice, "k"))
    error = assert_error(other, 422, "UNPROCESSABLE_CONTENT")
    assert KEY in error["details"]
    # The same key on the other route is another request too.
    imported = await client.post(
        f"/api/{alice.id}/import", json=[{"title": "A"}], headers=keyed(alice, "k")
    )
    assert_error(imported, 422, "UNPROCESSABLE_CONTENT")
    assert await titles(db, alice) == ["A"]


async def test_a_duplicate_while_the_first_is_in_flight_is_a_conflict_at_once(
    client: httpx.AsyncClient, db: Database, alice: User
) -> None:
    # Rate limits on, as by default: the first request's count must not hold up the second.
    body, headers = {"title": "Once"}, keyed(alice, "in-flight")
    async with db.owner_transaction() as holder:
        # Hold the first request inside its write (its key claimed), deterministically.
        await holder.execute("LOCK TABLE tasks IN SHARE MODE")
        first = asyncio.create_task(client.post(alice.tasks_url(), json=body, headers=headers))
        await asyncio.wait_for(until_blocked(db, "INSERT INTO tasks"), NEVER)
        duplicate = await asyncio.wait_for(
            client.post(alice.tasks_url(), json=body, headers=headers), NEVER
        )
        error = assert_error(duplicate, 409, "CONFLICT")
        assert KEY in error["details"]
        assert not first.done()
    created = await first
    assert_success(created, 201)
    replay = await client.post(alice.tasks_url(), json=body, headers=headers)
    assert replay.headers[REPLAYED] == "true"
    assert replay.content == created.content
    assert await titles(db, alice) == ["Once"]


async def test_keys_are_per_user(
    client: httpx.AsyncClient, db: Database, alice: User, bob: User
) -> None:
    body = {"title": "Same key, two users"}
    mine = await client.post(alice.tasks_url(), json=body, headers=keyed(alice, "shared"))
    theirs = await client.post(bob.tasks_url(), json=body, headers=keyed(bob, "shared"))
    assert assert_success(mine, 201)["user_id"] == str(alice.id)
    assert assert_success(theirs, 201)["user_id"] == str(bob.id)
    assert REPLAYED not in theirs.headers
    assert await titles(db, alice) == await titles(db, bob) == ["Same key, two users"]


async def test_a_refused_request_leaves_its_key_unused(
    client: httpx.AsyncClient, db: Database, alice: User
) -> None:
    url, headers = alice.tasks_url(), keyed(alice, "retry-me")
    refused = await client.post(url, json={"title": "   "}, headers=headers)
    assert_error(refused, 400, "VALIDATION_ERROR")
    assert await stored_keys(db, alice) == []
    fixed = await client.post(url, json={"title": "Fixed"}, headers=headers)
    assert_success(fixed, 201)
    assert REPLAYED not in fixed.headers
    assert await stored_keys(db, alice) == ["retry-me"]
    assert await titles(db, alice) == ["Fixed"]


async def test_an_import_with_a_key_happens_once(
    client: httpx.AsyncClient, db: Database, alice: User
) -> None:
    url = f"/api/{alice.id}/import"
    document = json.dumps([{"title": "one"}, {"title": "two"}]).encode()
    headers = keyed(alice, "import-1") | {"Content-Type": "application/json"}
    first = await client.post(url, content=document, headers=headers)
    assert assert_success(first, 201) == {"created": 2, "archived": 0}
    again = await client.post(url, content=document, headers=headers)
    assert (again.status_code, again.content) == (201, first.content)
    assert again.headers[REPLAYED] == "true"
    as_csv = await client.post(
        url, content=b"title\none\ntwo\n", headers=headers | {"Content-Type": "text/csv"}
    )
    assert_error(as_csv, 422, "UNPROCESSABLE_CONTENT")
    assert await titles(db, alice) == ["one", "two"]


async def test_keys_last_a_day_and_expired_ones_go(
    client: httpx.AsyncClient, db: Database, alice: User
) -> None:
    url, body = alice.tasks_url(), {"title": "Daily"}
    first = await client.post(url, json=body, headers=keyed(alice, "day"))
    assert_success(first, 201)
    await age_key(db, alice, "day", KEEP_SECONDS - 60)
    kept = await client.post(url, json=body, headers=keyed(alice, "day"))
    assert (kept.headers.get(REPLAYED), kept.content) == ("true", first.content)
    await age_key(db, alice, "day", KEEP_SECONDS + 60)
    fresh = await client.post(url, json=body, headers=keyed(alice, "day"))
    assert REPLAYED not in fresh.headers
    assert assert_success(fresh, 201)["id"] != assert_success(first, 201)["id"]
    assert await titles(db, alice) == ["Daily", "Daily"]
    # Another expired key goes when its owner stores the answer to a new key.
    assert_success(await client.post(url, json=body, headers=keyed(alice, "old")), 201)
    await age_key(db, alice, "old", KEEP_SECONDS + 60)
    assert await stored_keys(db, alice) == ["day", "old"]
    assert_success(await client.post(url, json=body, headers=keyed(alice, "new")), 201)
    assert await stored_keys(db, alice) == ["day", "new"]


@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, "caf\xe9".encode("latin-1"), b"tab\there", b"bell\x07", b" padded"],
    ids=["empty", "too-long", "not-ascii", "tab", "control", "leading-space"],
)
async def test_malformed_keys_are_invalid_parameters(
    client: httpx.AsyncClient, db: Database, alice: User, key: str | bytes
) -> None:
    response = await client.post(alice.tasks_url(), json={"title": "x"}, headers=keyed(alice, key))
    error = assert_error(response, 400, "INVALID_PARAMETER")
    assert KEY in error["details"]
    assert await titles(db, alice) == []


async def test_the_longest_key_and_no_key_at_all(
    client: httpx.AsyncClient, db: Database, alice: User
) -> None:
    longest = "~" + " k" * 127  # 255 printable characters, spaces included
    response = await client.post(
        alice.tasks_url(), json={"title": "long"}, headers=keyed(alice, longest)
    )
    assert_success(response, 201)
    plain = await client.post(alice.tasks_url(), json={"title": "plain"}, headers=alice.auth)
    assert_success(plain, 201)
    again = await client.post(alice.tasks_url(), json={"title": "plain"}, headers=alice.auth)
    assert_success(again, 201)  # without a key, every request is a new one
    assert await stored_keys(db, alice) == [longest]
    assert sorted(await titles(db, alice)) == ["long", "plain", "plain"]


async def test_unused_header_on_other_routes_changes_nothing(
    client: httpx.AsyncClient, alice: User
) -> None:
    listed = await client.get(alice.tasks_url(), headers=keyed(alice, str(uuid.uuid4())))
    assert_success(listed, 200)
