"""Password reset and email verification, delivered through a real SMTP server."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from todo.db import Database

from ..mail import link_in
from .conftest import BASE, PASSWORD, Inbox, Serve, bearer, sign_in, sign_up

NEW_PASSWORD = "Another-pass-7"


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


async def _verify(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/auth/verify-email", params={"token": token})


async def _reset_token(client: httpx.AsyncClient, inbox: Inbox, address: str) -> str:
    """Request a reset, follow the emailed link, return the token it redirects with."""
    count = len(inbox.messages)
    response = await client.post("/api/auth/request-password-reset", json={"email": address})
    assert response.json() == {
        "status": True,
        "message": "If this email exists in our system, check your email for the reset link",
    }
    message = (await inbox.wait(count + 1))[-1]
    assert message["To"] == address
    assert message["Subject"] == "Reset your password"
    link = link_in(message)
    assert link.startswith(f"{BASE}/api/auth/reset-password/")
    redirect = await client.get(link.removeprefix(BASE))
    assert redirect.status_code == 302
    assert redirect.headers["location"].startswith(f"{BASE}/reset-password?token=")
    return _query(redirect.headers["location"])["token"]


async def test_password_reset_by_email(serve: Serve, smtp: tuple[Inbox, dict[str, Any]]) -> None:
    inbox, mail_settings = smtp
    async with serve(**mail_settings, send_verification_on_sign_up=False) as client:
        old = (await sign_up(client, "reset@example.com")).json()["token"]
        client.cookies.clear()
        token = await _reset_token(client, inbox, "reset@example.com")

        weak = await client.post(
            "/api/auth/reset-password", json={"token": token, "newPassword": "weak"}
        )
        assert weak.json()["code"] == "PASSWORD_TOO_SHORT"  # and the token is not used up
        done = await client.post(
            "/api/auth/reset-password", json={"token": token, "newPassword": NEW_PASSWORD}
        )
        assert done.status_code == 200
        assert done.json() == {"status": True}

        again = await client.post(
            "/api/auth/reset-password", json={"token": token, "newPassword": "Yet-another-8"}
        )
        assert again.status_code == 400
        assert again.json() == {"message": "Invalid token", "code": "INVALID_TOKEN"}
        used_link = await client.get(f"/api/auth/reset-password/{token}?callbackURL=/reset")
        assert used_link.headers["location"] == f"{BASE}/reset?error=INVALID_TOKEN"
        assert (await client.get("/api/auth/get-session", headers=bearer(old))).json() is None
        assert (await sign_in(client, "reset@example.com")).status_code == 401
        assert (await sign_in(client, "reset@example.com", NEW_PASSWORD)).status_code == 200


async def test_a_reset_link_expires(
    serve: Serve, smtp: tuple[Inbox, dict[str, Any]], db: Database
) -> None:
    inbox, mail_settings = smtp
    async with serve(**mail_settings, send_verification_on_sign_up=False) as client:
        await sign_up(client, "late@example.com")
        client.cookies.clear()
        token = await _reset_token(client, inbox, "late@example.com")
        async with db.owner_transaction() as tx:
            await tx.execute("UPDATE verifications SET expires_at = now() - interval '1 second'")

        link = await client.get(f"/api/auth/reset-password/{token}?callbackURL=/reset")
        assert link.headers["location"] == f"{BASE}/reset?error=INVALID_TOKEN"
        response = await client.post(
            "/api/auth/reset-password", json={"token": token, "newPassword": NEW_PASSWORD}
        )
        assert response.status_code == 400
        assert response.json()["code"] == "INVALID_TOKEN"
        assert (await sign_in(client, "late@example.com")).status_code == 200


async def test_reset_tokens_are_stored_hashed_and_expire_in_an_hour(
    serve: Serve, smtp: tuple[Inbox, dict[str, Any]], db: Database
) -> None:
    inbox, mail_settings = smtp
    async with serve(**mail_settings, send_verification_on_sign_up=False) as client:
        await sign_up(client, "hashed@example.com")
        token = await _reset_token(client, inbox, "hashed@example.com")
    async with db.owner_transaction() as tx:
        row = await tx.fetch_one(
            "SELECT identifier, value, extract(epoch FROM expires_at - now()) AS left "
            "FROM verifications"
        )
    assert row is not None
    assert row["identifier"] == "reset-password"
    assert token not in row["value"]
    assert 3500 < row["left"] <= 3600


async def test_a_reset_for_an_unknown_address_sends_nothing(
    serve: Serve, smtp: tuple[Inbox, dict[str, Any]]
) -> None:
    inbox, mail_settings = smtp
    async with serve(**mail_settings) as client:
        response = await client.post(
            "/api/auth/request-password-reset", json={"email": "ghost@example.com"}
        )
        assert response.status_code == 200
        assert response.json()["status"] is True
    assert inbox.messages == []


async def test_the_reset_link_needs_a_callback_url(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/auth/reset-password/whatever")
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


async def test_email_verification_by_email(
    serve: Serve, smtp: tuple[Inbox, dict[str, Any]]
) -> None:
    inbox, mail_settings = smtp
    async with serve(**mail_settings) as client:
        await sign_up(client, "verify@example.com", callbackURL="/welcome")
        message = (await inbox.wait(1))[0]
        assert message["Subject"] == "Verify your email address"
        link = link_in(message)
        assert _query(link)["callbackURL"] == "/welcome"

        followed = await client.get(link.removeprefix(BASE))
        assert followed.status_code == 302
        assert followed.headers["location"] == f"{BASE}/welcome"
        user = (await client.get("/api/auth/get-session")).json()["user"]
        assert user["emailVerified"] is True

        reused = await _verify(client, _query(link)["token"])
        assert reused.status_code == 401
        assert reused.json() == {"message": "Invalid token", "code": "INVALID_TOKEN"}
        already = await client.post(
            "/api/auth/send-verification-email", json={"email": "verify@example.com"}
        )
        assert already.json()["code"] == "EMAIL_ALREADY_VERIFIED"


async def test_verification_can_be_required_and_resent(
    serve: Serve, smtp: tuple[Inbox, dict[str, Any]], db: Database
) -> None:
    inbox, mail_settings = smtp
    async with serve(**mail_settings, require_email_verification=True) as client:
        signed_up = await sign_up(client, "strict@example.com")
        assert signed_up.status_code == 200
        assert signed_up.json()["token"] is None
        assert "set-cookie" not in signed_up.headers
        duplicate = await sign_up(client, "strict@example.com")
        assert duplicate.status_code == 200  # reveals nothing
        refused = await sign_in(client, "strict@example.com")
        assert refused.status_code == 403
        assert refused.json() == {"message": "Email not verified", "code": "EMAIL_NOT_VERIFIED"}

        resent = await client.post(
            "/api/auth/send-verification-email", json={"email": "strict@example.com"}
        )
        assert resent.json() == {"status": True}
        first, second = await inbox.wait(2)
        async with db.owner_transaction() as tx:
            await tx.execute("UPDATE verifications SET expires_at = now() - interval '1 s'")
        tampered = await _verify(client, _query(link_in(first))["token"] + "x")
        assert tampered.json()["code"] == "INVALID_TOKEN"
        stale = await _verify(client, _query(link_in(second))["token"])
        assert stale.status_code == 401
        assert stale.json()["code"] == "TOKEN_EXPIRED"

        await client.post("/api/auth/send-verification-email", json={"email": "strict@example.com"})
        third = (await inbox.wait(3))[2]
        verified = await _verify(client, _query(link_in(third))["token"])
        assert verified.json() == {"status": True, "user": None}
        assert (await sign_in(client, "strict@example.com")).status_code == 200


@pytest.mark.parametrize("callback", ["https://evil.example/x", "//evil.example/x"])
async def test_emailed_links_only_redirect_to_trusted_places(
    client: httpx.AsyncClient, callback: str
) -> None:
    response = await client.get(
        "/api/auth/verify-email", params={"token": "x", "callbackURL": callback}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "INVALID_CALLBACK_URL"


async def test_without_smtp_the_link_is_logged(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await sign_up(client, "nomail@example.com")
    await client.post("/api/auth/request-password-reset", json={"email": "nomail@example.com"})
    await client.get("/api/auth/ok")  # the background sends have run by now
    logged = [r for r in caplog.records if r.name == "todo.auth.mail"]
    assert [r.levelname for r in logged] == ["WARNING", "WARNING"]
    assert f"{BASE}/api/auth/verify-email?token=" in logged[0].getMessage()
    assert f"{BASE}/api/auth/reset-password/" in logged[1].getMessage()
    assert PASSWORD not in logged[1].getMessage()
