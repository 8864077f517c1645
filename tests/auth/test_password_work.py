"""Password hashing cannot be turned against the service: huge passwords are refused before
any hashing, and a process computes a bounded number of hashes at once (503 past that)."""

from __future__ import annotations

import os
from collections.abc import Callable

import httpx
import pytest
from argon2 import PasswordHasher

from todo.auth import passwords

from ..helpers import password
from .conftest import PASSWORD, Serve, bearer, make_settings, sign_in, sign_up

HUGE = {"100 KB": password("Aa1" + "x" * 100_000), "1 MB": password("Aa1" + "x" * 1_000_000)}


def _spy(calls: list[str], name: str) -> Callable[..., object]:
    real = getattr(PasswordHasher, name)

    def spy(self: PasswordHasher, *args: object) -> object:
        calls.append(name)
        return real(self, *args)

    return spy


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 hash and verification the process computes from now on, by name."""
    calls: list[str] = []
    for name in ("hash", "verify"):
        monkeypatch.setattr(PasswordHasher, name, _spy(calls, name))
    return calls


async def _signed_up(client: httpx.AsyncClient, email: str) -> str:
    response = await sign_up(client, email)
    assert response.status_code == 200, response.text
    client.cookies.clear()
    token: str = response.json()["token"]
    return token


@pytest.mark.parametrize("size", HUGE)
async def test_huge_passwords_are_refused_before_any_hashing(
    client: httpx.AsyncClient, argon2_calls: list[str], size: str
) -> None:
    huge = HUGE[size]
    token = await _signed_up(client, "huge@example.com")
    argon2_calls.clear()
    too_long = {"message": "Password too long", "code": "PASSWORD_TOO_LONG"}

    signing_in = await sign_in(client, "huge@example.com", huge)
    signing_up = await sign_up(client, "other@example.com", huge)
    new_one = await client.post(
        "/api/auth/change-password",
        json={"currentPassword": PASSWORD, "newPassword": huge},
        headers=bearer(token),
    )
    current_one = await client.post(
        "/api/auth/change-password",
        json={"currentPassword": huge, "newPassword": "Brand-new-pass-1"},
        headers=bearer(token),
    )
    deleting = await client.post(
        "/api/auth/delete-user", json={"password": huge}, headers=bearer(token)
    )
    resetting = await client.post(
        "/api/auth/reset-password", json={"newPassword": huge, "token": "x" * 32}
    )

    assert argon2_calls == []
    for refused in (signing_in, signing_up, new_one, resetting):
        assert (refused.status_code, refused.json()) == (400, too_long)
    # A password to check that long cannot be right: none that long was ever accepted.
    for wrong in (current_one, deleting):
        assert wrong.status_code == 400
        assert wrong.json() == {"message": "Invalid password", "code": "INVALID_PASSWORD"}
    assert (await sign_in(client, "huge@example.com")).status_code == 200


async def test_hashing_waits_its_turn_and_answers_503_when_none_comes(serve: Serve) -> None:
    busy_settings = {"password_hash_concurrency": 1, "password_hash_wait": 0.05}
    async with serve(**busy_settings) as client:
        await _signed_up(client, "queue@example.com")
        # The process's only turn is taken (as by a long hash), for longer than the wait.
        async with passwords.turns(make_settings(**busy_settings)):
            signing_in = await sign_in(client, "queue@example.com")
            signing_up = await sign_up(client, "later@example.com")

        for busy in (signing_in, signing_up):
            assert busy.status_code == 503
            assert busy.json() == {
                "message": "Too many password checks at once; try again in a moment",
                "code": "SERVICE_UNAVAILABLE",
            }
            assert busy.headers["retry-after"] == busy.headers["x-retry-after"] == "1"
        assert "set-cookie" not in signing_in.headers
        # Nothing was counted against the account: the turn is free and the password works.
        assert (await sign_in(client, "queue@example.com")).status_code == 200
        assert (await sign_up(client, "later@example.com")).status_code == 200


def test_the_default_concurrency_is_the_cpu_count() -> None:
    assert passwords.concurrency(make_settings()) == (os.cpu_count() or 1)
    assert passwords.concurrency(make_settings(password_hash_concurrency=3)) == 3
