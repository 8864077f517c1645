"""Better Auth's origin (CSRF) checks and the checks of redirect targets."""

from __future__ import annotations

import httpx
import pytest

from .conftest import PASSWORD, Serve, sign_in, sign_up

EVIL = "https://evil.example"


async def test_a_cookie_request_from_another_origin_is_refused(client: httpx.AsyncClient) -> None:
    await sign_up(client, "csrf@example.com")

    forged = await client.post("/api/auth/sign-out", headers={"origin": EVIL})
    assert forged.status_code == 403
    assert forged.json() == {"message": "Invalid origin", "code": "INVALID_ORIGIN"}
    by_referer = await client.post(
        "/api/auth/update-user",
        json={"name": "pwned"},
        headers={"origin": "", "referer": f"{EVIL}/page"},
    )
    assert by_referer.json()["code"] == "INVALID_ORIGIN"
    assert (await client.get("/api/auth/get-session")).json()["user"]["name"] == "Test"


@pytest.mark.parametrize("value", ["", "null"])
async def test_a_cookie_request_without_an_origin_is_refused(
    client: httpx.AsyncClient, value: str
) -> None:
    await sign_up(client, "no-origin@example.com")
    response = await client.post("/api/auth/sign-out", headers={"origin": value})
    assert response.status_code == 403
    assert response.json()["code"] == "MISSING_OR_NULL_ORIGIN"


async def test_get_requests_and_cookieless_requests_skip_the_check(
    client: httpx.AsyncClient,
) -> None:
    token = (await sign_up(client, "api@example.com")).json()["token"]
    assert (await client.get("/api/auth/get-session", headers={"origin": EVIL})).json()
    client.cookies.clear()
    response = await client.post(
        "/api/auth/update-user",
        json={"name": "Bearer"},
        headers={"origin": EVIL, "authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200


async def test_sign_in_refuses_a_cross_site_form(client: httpx.AsyncClient) -> None:
    await sign_up(client, "form-csrf@example.com")
    client.cookies.clear()

    same_site = await client.post(
        "/api/auth/sign-in/email",
        json={"email": "form-csrf@example.com", "password": PASSWORD},
        headers={"sec-fetch-site": "same-origin", "sec-fetch-mode": "navigate"},
    )
    assert same_site.status_code == 200
    client.cookies.clear()
    blocked = await client.post(
        "/api/auth/sign-in/email",
        json={"email": "form-csrf@example.com", "password": "x"},
        headers={"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate"},
    )
    assert blocked.status_code == 403
    assert blocked.json()["code"] == "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED"
    foreign = await client.post(
        "/api/auth/sign-in/email",
        json={"email": "form-csrf@example.com", "password": "x"},
        headers={"origin": EVIL},
    )
    assert foreign.json()["code"] == "INVALID_ORIGIN"


async def test_trusted_origins_are_accepted(serve: Serve) -> None:
    async with serve(trusted_origins="https://app.example, https://*.corp.example") as client:
        await sign_up(client, "trusted@example.com")
        for origin in ("https://app.example", "https://tasks.corp.example"):
            response = await client.post(
                "/api/auth/update-user", json={"name": origin}, headers={"origin": origin}
            )
            assert response.status_code == 200, origin
        for origin in ("https://corp.example.evil.example", "http://app.example"):
            response = await client.post(
                "/api/auth/update-user", json={"name": "x"}, headers={"origin": origin}
            )
            assert response.status_code == 403, origin


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/sign-in/email", {"callbackURL": EVIL}, "INVALID_CALLBACK_URL"),
        ("/sign-up/email", {"callbackURL": "//evil.example"}, "INVALID_CALLBACK_URL"),
        ("/request-password-reset", {"redirectTo": EVIL}, "INVALID_REDIRECT_URL"),
        ("/send-verification-email", {"callbackURL": "/\\evil.example"}, "INVALID_CALLBACK_URL"),
    ],
)
async def test_redirect_targets_must_be_trusted(
    client: httpx.AsyncClient, path: str, body: dict[str, str], code: str
) -> None:
    full = {"email": "x@example.com", "password": "Password-123", "name": "x", **body}
    response = await client.post(f"/api/auth{path}", json=full)
    assert response.status_code == 403
    assert response.json()["code"] == code


async def test_relative_and_own_redirect_targets_are_fine(client: httpx.AsyncClient) -> None:
    for target in ("/tasks", "http://testserver/tasks?x=1"):
        response = await client.post(
            "/api/auth/request-password-reset",
            json={"email": "x@example.com", "redirectTo": target},
        )
        assert response.status_code == 200, target


async def test_loopback_aliases_are_trusted_when_no_base_url_is_set(serve: Serve) -> None:
    async with serve(better_auth_url=None, port=8123) as client:
        await sign_up(client, "local@example.com")
        ok = await client.post("/api/auth/sign-out", headers={"origin": "http://localhost:8123"})
        assert ok.status_code == 200
        await sign_in(client, "local@example.com")
        other_port = await client.post(
            "/api/auth/sign-out", headers={"origin": "http://localhost:9999"}
        )
        assert other_port.status_code == 403


async def test_node_fetch_metadata_alone_is_not_taken_for_a_browser(
    client: httpx.AsyncClient,
) -> None:
    body = {"email": "node-like@example.com", "password": PASSWORD, "name": "n"}
    node_like = await client.post(
        "/api/auth/sign-up/email", json=body, headers={"origin": "", "sec-fetch-mode": "cors"}
    )
    assert node_like.status_code == 200
    client.cookies.clear()
    browser = await client.post(
        "/api/auth/sign-in/email",
        json=body,
        headers={"origin": "", "sec-fetch-mode": "cors", "sec-fetch-site": "same-origin"},
    )
    assert browser.status_code == 403
    assert browser.json()["code"] == "MISSING_OR_NULL_ORIGIN"
