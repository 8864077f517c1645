"""Sign-up, sign-in and sign-out as Better Auth's email-and-password routes answer them."""

from __future__ import annotations

import httpx
import pytest

from todo.db import Database

from .conftest import PASSWORD, bearer, sign_in, sign_up

USER_KEYS = {"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"}


async def test_sign_up_creates_the_user_and_signs_them_in(
    client: httpx.AsyncClient, db: Database
) -> None:
    response = await sign_up(client, "Alice@Example.COM", image="https://example.com/a.png")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "user"}
    assert set(body["user"]) == USER_KEYS
    assert body["user"]["email"] == "alice@example.com"
    assert body["user"]["emailVerified"] is False
    assert body["user"]["image"] == "https://example.com/a.png"
    assert body["user"]["createdAt"].endswith("Z")
    assert len(body["token"]) == 32
    assert response.headers["set-auth-token"].startswith(body["token"] + ".")
    session = await client.get("/api/auth/get-session")
    assert session.json()["user"]["id"] == body["user"]["id"]
    async with db.owner_transaction() as tx:
        account = await tx.fetch_one("SELECT provider_id, account_id, password FROM accounts")
        stored = await tx.fetch_value("SELECT token_hash FROM sessions")
    assert account is not None
    assert account["provider_id"] == "credential"
    assert account["account_id"] == body["user"]["id"]
    assert account["password"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert body["token"].encode() not in bytes(stored)


async def test_a_taken_email_is_refused_whatever_its_case(client: httpx.AsyncClient) -> None:
    await sign_up(client, "bob@example.com")
    again = await sign_up(client, "BOB@example.com")
    assert again.status_code == 422
    assert again.json() == {
        "message": "User already exists. Use another email.",
        "code": "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
    }


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Short1a", "PASSWORD_TOO_SHORT"),
        ("A1" + "a" * 127, "PASSWORD_TOO_LONG"),
        ("alllowercase1", "PASSWORD_TOO_WEAK"),
        ("ALLUPPERCASE1", "PASSWORD_TOO_WEAK"),
        ("NoDigitsHere", "PASSWORD_TOO_WEAK"),
    ],
)
async def test_the_password_policy_is_enforced(
    client: httpx.AsyncClient, password: str, code: str
) -> None:
    response = await sign_up(client, "carol@example.com", password)
    assert response.status_code == 400
    assert response.json()["code"] == code


async def test_boundary_passwords_are_accepted(client: httpx.AsyncClient) -> None:
    assert (await sign_up(client, "eight@example.com", "Abcdefg1")).status_code == 200
    assert (await sign_up(client, "long@example.com", "A1" + "b" * 126)).status_code == 200


@pytest.mark.parametrize("address", ["not-an-email", "@example.com", "a@b", "a b@example.com"])
async def test_email_syntax_is_checked(client: httpx.AsyncClient, address: str) -> None:
    response = await sign_up(client, address)
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid email", "code": "INVALID_EMAIL"}


async def test_a_malformed_body_gets_better_auths_errors(client: httpx.AsyncClient) -> None:
    missing = await client.post("/api/auth/sign-up/email", json={"email": "x@example.com"})
    assert missing.status_code == 400
    assert missing.json()["code"] == "VALIDATION_ERROR"
    assert "[body.password]" in missing.json()["message"]
    wrong_type = await client.post(
        "/api/auth/sign-in/email", json={"email": "x@example.com", "password": 12345678}
    )
    assert wrong_type.json()["code"] == "VALIDATION_ERROR"
    not_json = await client.post(
        "/api/auth/sign-in/email", content=b"{", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400
    assert not_json.json() == {"message": "Invalid JSON in request body", "code": "BAD_REQUEST"}
    text = await client.post(
        "/api/auth/sign-in/email", content=b"hi", headers={"content-type": "text/plain"}
    )
    assert text.status_code == 415
    assert text.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_sign_in_returns_a_session_token_and_the_user(client: httpx.AsyncClient) -> None:
    created = (await sign_up(client, "dave@example.com")).json()
    client.cookies.clear()

    response = await sign_in(client, "DAVE@example.com")

    assert response.status_code == 200
    body = response.json()
    assert body["redirect"] is False
    assert "url" not in body
    assert body["user"] == created["user"]
    assert body["token"] != created["token"]
    assert (await client.get("/api/auth/get-session")).json()["session"]["token"] == body["token"]


async def test_sign_in_with_a_callback_url_says_where_to_go(client: httpx.AsyncClient) -> None:
    await sign_up(client, "erin@example.com")
    response = await sign_in(client, "erin@example.com", callbackURL="/tasks")
    assert response.json()["redirect"] is True
    assert response.json()["url"] == "/tasks"
    assert response.headers["location"] == "/tasks"


async def test_a_form_post_signs_in_too(client: httpx.AsyncClient) -> None:
    await sign_up(client, "form@example.com")
    client.cookies.clear()
    response = await client.post(
        "/api/auth/sign-in/email",
        data={"email": "form@example.com", "password": PASSWORD, "rememberMe": "false"},
    )
    assert response.status_code == 200
    assert "better-auth.dont_remember=" in response.headers["set-cookie"]


async def test_unknown_email_and_wrong_password_answer_alike(client: httpx.AsyncClient) -> None:
    await sign_up(client, "frank@example.com")
    client.cookies.clear()

    unknown = await sign_in(client, "nobody@example.com")
    wrong = await sign_in(client, "frank@example.com", "Wrong-password-1")

    assert unknown.status_code == wrong.status_code == 401
    assert unknown.content == wrong.content
    assert unknown.json() == {
        "message": "Invalid email or password",
        "code": "INVALID_EMAIL_OR_PASSWORD",
    }
    assert "set-cookie" not in unknown.headers
    assert "set-cookie" not in wrong.headers


async def test_sign_out_ends_the_session(client: httpx.AsyncClient) -> None:
    token = (await sign_up(client, "gina@example.com")).json()["token"]

    response = await client.post("/api/auth/sign-out", json={})

    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert "better-auth.session_token=; Max-Age=0" in response.headers["set-cookie"]
    client.cookies.clear()
    assert (await client.get("/api/auth/get-session", headers=bearer(token))).json() is None
    assert (await client.get("/api/auth/token", headers=bearer(token))).status_code == 401


async def test_sign_out_without_a_session_still_succeeds(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/sign-out")
    assert response.status_code == 200
    assert response.json() == {"success": True}


async def test_the_bearer_token_may_be_raw_or_signed(client: httpx.AsyncClient) -> None:
    response = await sign_up(client, "hank@example.com")
    client.cookies.clear()
    raw, signed = response.json()["token"], response.headers["set-auth-token"]

    for credential in (raw, signed, signed.replace("+", "%2B").replace("/", "%2F")):
        session = await client.get("/api/auth/get-session", headers=bearer(credential))
        assert session.json()["user"]["email"] == "hank@example.com"
    forged = raw + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    assert (await client.get("/api/auth/get-session", headers=bearer(forged))).json() is None


async def test_a_forged_cookie_is_no_session(client: httpx.AsyncClient) -> None:
    raw = (await sign_up(client, "ivy@example.com")).json()["token"]
    client.cookies.clear()
    client.cookies.set("better-auth.session_token", raw)
    assert (await client.get("/api/auth/get-session")).json() is None
