"""Brute-force lockout per account and request limits per client address."""

from __future__ import annotations

import asyncio

from .conftest import PASSWORD, Serve, sign_in, sign_up

TOO_MANY = {"message": "Too many requests. Please try again later.", "code": "TOO_MANY_REQUESTS"}


async def test_the_sixth_failed_sign_in_is_refused_until_the_window_ends(serve: Serve) -> None:
    # The window opens at the first failure; 3 s leave room for six argon2 checks on a busy
    # machine, and the wait below is what the server says, not a guess.
    async with serve(sign_in_failure_window=3) as client:
        await sign_up(client, "target@example.com")
        client.cookies.clear()
        for _ in range(5):
            failed = await sign_in(client, "target@example.com", "Wrong-guess-1")
            assert failed.status_code == 401

        locked = await sign_in(client, "target@example.com")  # even the right password

        assert locked.status_code == 429
        assert locked.json() == TOO_MANY
        assert locked.headers["retry-after"] == locked.headers["x-retry-after"]
        wait = int(locked.headers["retry-after"])
        assert 1 <= wait <= 3
        await asyncio.sleep(wait + 0.1)
        assert (await sign_in(client, "target@example.com")).status_code == 200


async def test_the_lockout_does_not_reveal_whether_the_account_exists(serve: Serve) -> None:
    async with serve(sign_in_failure_window=30) as client:
        for _ in range(5):
            assert (await sign_in(client, "ghost@example.com")).status_code == 401
        assert (await sign_in(client, "ghost@example.com")).status_code == 429


async def test_a_success_clears_the_failures(serve: Serve) -> None:
    async with serve() as client:
        await sign_up(client, "forgetful@example.com")
        client.cookies.clear()
        for _ in range(4):
            await sign_in(client, "forgetful@example.com", "Wrong-guess-1")
        assert (await sign_in(client, "forgetful@example.com")).status_code == 200
        client.cookies.clear()
        for _ in range(5):
            assert (await sign_in(client, "forgetful@example.com", "Wrong-1a")).status_code == 401
        assert (await sign_in(client, "forgetful@example.com")).status_code == 429


async def test_one_account_locked_leaves_others_alone(serve: Serve) -> None:
    async with serve() as client:
        await sign_up(client, "other@example.com")
        client.cookies.clear()
        for _ in range(6):
            await sign_in(client, "locked@example.com", "Wrong-guess-1")
        assert (await sign_in(client, "other@example.com", PASSWORD)).status_code == 200


async def test_a_burst_from_one_address_gets_429(serve: Serve) -> None:
    async with serve(auth_rate_limit_max=5, auth_rate_limit_window=30) as client:
        answers = [(await client.get("/api/auth/ok")).status_code for _ in range(6)]
        assert answers == [200] * 5 + [429]
        refused = await client.get("/api/auth/get-session")
        assert refused.status_code == 429
        assert 29 <= int(refused.headers["x-retry-after"]) <= 30
        assert refused.headers["retry-after"] == refused.headers["x-retry-after"]


async def test_sign_in_attempts_per_address_are_limited_across_accounts(serve: Serve) -> None:
    async with serve(auth_rate_limit_sign_in_max=3) as client:
        answers = [(await sign_in(client, f"user{n}@example.com")).status_code for n in range(4)]
        assert answers == [401, 401, 401, 429]


async def test_workers_share_counters_and_addresses_are_counted_apart(serve: Serve) -> None:
    limits = {"auth_rate_limit_max": 2, "auth_rate_limit_window": 30}
    async with (
        serve(**limits) as worker_one,
        serve(**limits) as worker_two,
        serve(address="192.0.2.7", **limits) as elsewhere,
    ):
        assert (await worker_one.get("/api/auth/ok")).status_code == 200
        assert (await worker_two.get("/api/auth/ok")).status_code == 200
        assert (await worker_one.get("/api/auth/ok")).status_code == 429
        assert (await elsewhere.get("/api/auth/ok")).status_code == 200
