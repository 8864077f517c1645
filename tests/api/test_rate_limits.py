"""Per-user rate limits: headers on every answer, 429 with Retry-After past a limit, counters
shared through the database by every worker, idle counters swept."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from todo.db import Database

from ..helpers import make_task
from .conftest import MakeClient
from .support import User, api_settings, assert_error, assert_success, until_blocked


def _limits(response: httpx.Response) -> tuple[int, int, int]:
    headers = response.headers
    return (
        int(headers["x-ratelimit-limit"]),
        int(headers["x-ratelimit-remaining"]),
        int(headers["x-ratelimit-reset"]),
    )


async def test_headers_count_down_the_tightest_window(make_client: MakeClient, alice: User) -> None:
    client = await make_client(api_settings(api_rate_limit_per_minute=5))
    seen = []
    for _ in range(3):
        response = await client.get(alice.tasks_url(), headers=alice.auth)
        assert_success(response, 200)
        seen.append(_limits(response))
    assert [(limit, remaining) for limit, remaining, _ in seen] == [(5, 4), (5, 3), (5, 2)]
    reset = seen[0][2]
    assert reset % 60 == 0
    assert time.time() < reset <= time.time() + 60


async def test_the_hour_window_shows_when_it_is_tighter(
    make_client: MakeClient, alice: User
) -> None:
    client = await make_client(
        api_settings(api_rate_limit_per_minute=10, api_rate_limit_per_hour=3)
    )
    response = await client.get(alice.tasks_url(), headers=alice.auth)
    limit, remaining, reset = _limits(response)
    assert (limit, remaining) == (3, 2)
    assert reset % 3600 == 0
    assert reset > time.time()


async def test_past_the_limit_429_with_retry_after(
    make_client: MakeClient, db: Database, alice: User, bob: User
) -> None:
    client = await make_client(api_settings(api_rate_limit_per_minute=2))
    for _ in range(2):
        assert_success(
            await client.post(alice.tasks_url(), json={"title": "t"}, headers=alice.auth), 201
        )
    refused = await client.post(
        alice.tasks_url(), json={"title": "one too many"}, headers=alice.auth
    )
    assert_error(refused, 429, "RATE_LIMITED")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert _limits(refused)[:2] == (2, 0)
    assert int(refused.headers["retry-after"]) <= _limits(refused)[2] - int(time.time()) + 1
    async with db.owner_transaction() as tx:  # the refused write was not applied
        assert await tx.fetch_value("SELECT count(*) FROM tasks") == 2
    assert_error(await client.get(alice.tasks_url(), headers=alice.auth), 429, "RATE_LIMITED")
    # Limits are per user.
    assert_success(await client.get(bob.tasks_url(), headers=bob.auth), 200)


async def test_failed_requests_count_and_carry_the_headers(
    make_client: MakeClient, db: Database, alice: User, bob: User
) -> None:
    client = await make_client(api_settings(api_rate_limit_per_minute=4))
    bobs = await make_task(db, bob.id, "bob's")
    answers = [
        await client.get(alice.tasks_url(uuid.uuid4()), headers=alice.auth),  # 404
        await client.get(alice.tasks_url(bobs["id"]), headers=alice.auth),  # 404
        await client.get(f"{alice.tasks_url()}?limit=0", headers=alice.auth),  # 400
        await client.post(alice.tasks_url(), json={"title": ""}, headers=alice.auth),  # 400
    ]
    assert [answer.status_code for answer in answers] == [404, 404, 400, 400]
    assert [_limits(answer)[1] for answer in answers] == [3, 2, 1, 0]
    assert_error(await client.get(alice.tasks_url(), headers=alice.auth), 429, "RATE_LIMITED")


async def test_forbidden_requests_count_for_the_caller(
    make_client: MakeClient, alice: User, bob: User
) -> None:
    client = await make_client(api_settings(api_rate_limit_per_minute=2))
    for _ in range(2):
        assert_error(await client.get(bob.tasks_url(), headers=alice.auth), 403, "FORBIDDEN")
    assert_error(await client.get(alice.tasks_url(), headers=alice.auth), 429, "RATE_LIMITED")
    assert_success(await client.get(bob.tasks_url(), headers=bob.auth), 200)


async def test_unauthenticated_requests_neither_count_nor_get_headers(
    make_client: MakeClient, alice: User
) -> None:
    client = await make_client(api_settings(api_rate_limit_per_minute=1))
    for _ in range(3):
        response = await client.get(alice.tasks_url())
        assert_error(response, 401, "UNAUTHORIZED")
        assert "x-ratelimit-limit" not in response.headers
    assert_success(await client.get(alice.tasks_url(), headers=alice.auth), 200)


async def test_workers_share_the_counters(make_client: MakeClient, alice: User) -> None:
    settings = api_settings(api_rate_limit_per_minute=3)
    one, two = await make_client(settings), await make_client(settings)
    for client in (one, two, one):
        assert_success(await client.get(alice.tasks_url(), headers=alice.auth), 200)
    assert_error(await two.get(alice.tasks_url(), headers=alice.auth), 429, "RATE_LIMITED")


async def test_a_new_window_starts_the_count_again(
    make_client: MakeClient, db: Database, alice: User
) -> None:
    client = await make_client(api_settings(api_rate_limit_per_minute=1))
    assert_success(await client.get(alice.tasks_url(), headers=alice.auth), 200)
    assert_error(await client.get(alice.tasks_url(), headers=alice.auth), 429, "RATE_LIMITED")
    async with db.owner_transaction() as tx:  # as if that minute had passed
        await tx.execute(
            "UPDATE rate_limits SET window_started_at = window_started_at - interval '1 minute' "
            "WHERE key LIKE '%%:m'"
        )
    response = await client.get(alice.tasks_url(), headers=alice.auth)
    assert_success(response, 200)
    assert _limits(response)[1] == 0
    async with db.owner_transaction() as tx:
        rows = await tx.fetch_all("SELECT key, hits FROM rate_limits ORDER BY key")
    # The refused request did not count: the counter stays at the limit rather than past it.
    assert rows == [
        {"key": f"api:{alice.id}:h", "hits": 2},
        {"key": f"api:{alice.id}:m", "hits": 1},
    ]


async def test_limits_set_to_zero_are_off(make_client: MakeClient, alice: User) -> None:
    client = await make_client(api_settings(api_rate_limit_per_minute=0, api_rate_limit_per_hour=0))
    for _ in range(3):
        response = await client.get(alice.tasks_url(), headers=alice.auth)
        assert_success(response, 200)
        assert "x-ratelimit-limit" not in response.headers


async def test_idle_counters_are_swept(make_client: MakeClient, db: Database, alice: User) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    async with db.owner_transaction() as tx:
        for key in (f"api:{uuid.uuid4()}:m", f"api:{uuid.uuid4()}:h", "sign-in:someone"):
            await tx.execute(
                "INSERT INTO rate_limits (key, window_started_at, hits) VALUES (%s, %s, 5)",
                (key, long_ago),
            )
    client = await make_client()
    assert_success(await client.get(alice.tasks_url(), headers=alice.auth), 200)
    async with db.owner_transaction() as tx:
        keys = await tx.fetch_all("SELECT key FROM rate_limits ORDER BY key")
    # Only the live counters and other features' rows remain.
    assert [row["key"] for row in keys] == [
        f"api:{alice.id}:h",
        f"api:{alice.id}:m",
        "sign-in:someone",
    ]


async def test_a_users_requests_do_not_queue_behind_each_other(
    client: httpx.AsyncClient, db: Database, alice: User
) -> None:
    """The count is added at COMMIT: a request in flight holds no lock the caller's next
    request needs (with limits on, as by default)."""
    async with db.owner_transaction() as holder:
        await holder.execute("LOCK TABLE tasks IN SHARE MODE")  # holds every create
        create = asyncio.create_task(
            client.post(alice.tasks_url(), json={"title": "held"}, headers=alice.auth)
        )
        await asyncio.wait_for(until_blocked(db, "INSERT INTO tasks"), 60)
        listed = await asyncio.wait_for(client.get(alice.tasks_url(), headers=alice.auth), 60)
        assert assert_success(listed, 200) == []
        assert listed.headers["X-RateLimit-Remaining"] == "99"  # the held one counts at commit
        assert not create.done()
    assert_success(await create, 201)
    after = await client.get(alice.tasks_url(), headers=alice.auth)
    assert after.headers["X-RateLimit-Remaining"] == "97"
