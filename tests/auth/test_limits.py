"""Sign-in throttling (the attacker is slowed, the owner is never locked out) and request
limits per client address.

Time passes in these tests by moving the counters' timestamps back in the database, so every
wait the server names is "waited" at once; each counter keeps the same shape it would have.
"""

from __future__ import annotations

import httpx

from todo.db import Database

from .conftest import PASSWORD, OpenAt, Serve, Site, sign_in, sign_up

TOO_MANY = {"message": "Too many requests. Please try again later.", "code": "TOO_MANY_REQUESTS"}
WRONG = "Wrong-guess-1"
OWNER, ATTACKER, ELSEWHERE = "198.51.100.10", "203.0.113.7", "192.0.2.44"
# A ten-minute window: the first delay is a sixtieth of it (10 s), so a slow moment on a busy
# machine cannot change what a test sees.
SLOW = {"sign_in_failure_window": 600, "auth_rate_limit_enabled": False}


async def time_passes(db: Database, seconds: float) -> None:
    """As if `seconds` had passed for every sign-in counter."""
    async with db.owner_transaction() as tx:
        await tx.execute(
            "UPDATE rate_limits SET window_started_at = window_started_at "
            "- make_interval(secs => %s) WHERE key LIKE 'sign-in:%%'",
            (seconds,),
        )


def retry_after(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert response.json() == TOO_MANY
    assert response.headers["retry-after"] == response.headers["x-retry-after"]
    return int(response.headers["retry-after"])


async def fail(client: httpx.AsyncClient, db: Database, email: str, times: int) -> list[int]:
    """Sign in with a wrong password until `times` failures were counted, waiting (at once)
    whenever the server says to; the waits it named."""
    waits: list[int] = []
    while times:
        response = await sign_in(client, email, WRONG)
        if response.status_code == 429:
            waits.append(retry_after(response))
            await time_passes(db, waits[-1])
            continue
        assert response.status_code == 401, response.text
        times -= 1
    return waits


async def owner_signed_up(at: OpenAt, email: str) -> None:
    """The account, signed up (and so signed in) from the owner's address."""
    assert (await sign_up(at(OWNER), email)).status_code == 200


async def test_failures_from_another_address_never_lock_the_owner_out(
    site: Site, db: Database
) -> None:
    async with site(**SLOW) as at:
        await owner_signed_up(at, "victim@example.com")
        attacker = at(ATTACKER)
        await fail(attacker, db, "victim@example.com", 5)
        assert retry_after(await sign_in(attacker, "victim@example.com", WRONG)) > 500

        from_home = await sign_in(at(OWNER), "victim@example.com")
        from_a_new_place = await sign_in(at(ELSEWHERE), "victim@example.com")

    assert from_home.status_code == 200
    assert from_a_new_place.status_code == 200


async def test_hammering_from_one_address_meets_growing_waits(site: Site, db: Database) -> None:
    async with site(**SLOW) as at:
        await owner_signed_up(at, "target@example.com")
        attacker = at(ATTACKER)
        answers = [(await sign_in(attacker, "target@example.com", WRONG)).status_code]
        answers.append((await sign_in(attacker, "target@example.com", WRONG)).status_code)
        assert answers == [401, 401]  # a couple of typos cost nothing

        waits = await fail(attacker, db, "target@example.com", 3)
        sixth = await sign_in(attacker, "target@example.com", PASSWORD)  # even the right one
        waits.append(retry_after(sixth))

    # Each failure doubles the wait (10, 20, 40 s: a sixtieth of the window, then twice that
    # ...), and more than five failures in the window wait for the whole window.
    assert len(waits) == 4
    for wait, expected in zip(waits, [10, 20, 40, 600], strict=True):
        assert expected - 5 < wait <= expected


async def test_more_than_five_failures_a_window_are_refused_then_the_window_ends(
    serve: Serve, db: Database
) -> None:
    async with serve(**SLOW) as client:
        await sign_up(client, "spec@example.com")
        client.cookies.clear()
        await fail(client, db, "spec@example.com", 5)

        locked = await sign_in(client, "spec@example.com")
        wait = retry_after(locked)
        await time_passes(db, wait - 10)
        still = await sign_in(client, "spec@example.com")
        await time_passes(db, retry_after(still))
        after = await sign_in(client, "spec@example.com")

    assert 590 < wait <= 600
    assert after.status_code == 200


async def test_a_success_takes_its_count_back(serve: Serve, db: Database) -> None:
    async with serve(**SLOW) as client:
        await sign_up(client, "forgetful@example.com")
        client.cookies.clear()
        for _ in range(2):
            assert (await sign_in(client, "forgetful@example.com", WRONG)).status_code == 401
        # Even the right password waits its turn after two failures ...
        await time_passes(db, retry_after(await sign_in(client, "forgetful@example.com")))
        assert (await sign_in(client, "forgetful@example.com")).status_code == 200
        client.cookies.clear()
        # The streak ended with the success: two more typos cost nothing either.
        for _ in range(2):
            assert (await sign_in(client, "forgetful@example.com", WRONG)).status_code == 401
        assert (await sign_in(client, "forgetful@example.com", WRONG)).status_code == 429


async def test_stuffing_many_accounts_from_one_address_is_throttled(
    site: Site, db: Database
) -> None:
    async with site(sign_in_address_max_failures=3, **SLOW) as at:
        await owner_signed_up(at, "real@example.com")
        stuffer = at(ATTACKER)
        tried = [
            (await sign_in(stuffer, f"user{n}@example.com", WRONG)).status_code for n in range(3)
        ]
        fourth = await sign_in(stuffer, "real@example.com", PASSWORD)
        other_address = await sign_in(at(ELSEWHERE), "user9@example.com", WRONG)
        await time_passes(db, retry_after(fourth))
        after_the_window = await sign_in(stuffer, "real@example.com", PASSWORD)

    assert tried == [401, 401, 401]
    assert retry_after(fourth) > 590
    assert other_address.status_code == 401
    assert after_the_window.status_code == 200


async def test_stuffing_one_account_from_many_addresses_spares_the_owners_address(
    site: Site, db: Database
) -> None:
    async with site(sign_in_account_max_failures=3, **SLOW) as at:
        await owner_signed_up(at, "popular@example.com")
        botnet = [f"203.0.113.{n}" for n in range(10, 14)]
        tried = [
            (await sign_in(at(address), "popular@example.com", WRONG)).status_code
            for address in botnet
        ]
        owner = await sign_in(at(OWNER), "popular@example.com")
        owner_travelling = await sign_in(at(ELSEWHERE), "popular@example.com")
        await time_passes(db, retry_after(owner_travelling))
        owner_later = await sign_in(at(ELSEWHERE), "popular@example.com")

    assert tried == [401, 401, 401, 429]
    assert owner.status_code == 200  # the owner's own address is never held back
    assert owner_later.status_code == 200  # and a new one only until the window ends


async def test_throttling_does_not_reveal_whether_the_account_exists(
    site: Site, db: Database
) -> None:
    async with site(sign_in_account_max_failures=2, **SLOW) as at:
        await owner_signed_up(at, "exists@example.com")
        answers = {}
        for email in ("exists@example.com", "ghost@example.com"):
            seen = [await sign_in(at(f"203.0.113.{n}"), email, WRONG) for n in range(20, 23)]
            seen += [await sign_in(at(ATTACKER), email, WRONG) for _ in range(3)]
            answers[email] = [(r.status_code, r.content) for r in seen]
            assert all(int(r.headers["retry-after"]) > 590 for r in seen if r.status_code == 429)
            await time_passes(db, 600)

    assert answers["exists@example.com"] == answers["ghost@example.com"]
    assert [status for status, _ in answers["ghost@example.com"]] == [401, 401] + [429] * 4


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
