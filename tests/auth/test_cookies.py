"""Cookie names and attributes: as Better Auth writes them, Secure only behind https."""

from __future__ import annotations

from urllib.parse import unquote

import httpx

from todo.auth import tokens

from .conftest import SECRET, Serve, sign_up


def _cookie(response: httpx.Response, name: str) -> str:
    return next(c for c in response.headers.get_list("set-cookie") if c.startswith(name + "="))


async def test_over_http_the_session_cookie_is_not_secure(client: httpx.AsyncClient) -> None:
    response = await sign_up(client, "plain@example.com")

    cookie = _cookie(response, "better-auth.session_token")
    value, *attributes = cookie.split("; ")
    assert attributes == ["Max-Age=604800", "Path=/", "HttpOnly", "SameSite=Lax"]
    signed = unquote(value.split("=", 1)[1])
    assert tokens.unsign(signed, SECRET) == response.json()["token"]
    assert signed == response.headers["set-auth-token"]
    assert response.headers["access-control-expose-headers"] == "set-auth-token"


async def test_behind_https_cookies_are_secure_and_prefixed(serve: Serve) -> None:
    async with serve(better_auth_url="https://todo.example") as client:
        response = await sign_up(client, "secure@example.com")
        cookie = _cookie(response, "__Secure-better-auth.session_token")
        assert cookie.endswith("; Max-Age=604800; Path=/; HttpOnly; Secure; SameSite=Lax")
        # httpx, like a browser, sends a Secure cookie back only over https.
        assert (await client.get("/api/auth/get-session")).json()["user"]
        signed_out = await client.post("/api/auth/sign-out")
        expired = _cookie(signed_out, "__Secure-better-auth.session_token")
        expected = "__Secure-better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; Secure"
        assert expired == expected + "; SameSite=Lax"


async def test_sign_out_expires_every_session_cookie(client: httpx.AsyncClient) -> None:
    await sign_up(client, "bye@example.com")
    response = await client.post("/api/auth/sign-out")
    names = sorted(c.split("=")[0] for c in response.headers.get_list("set-cookie"))
    assert names == [
        "better-auth.dont_remember",
        "better-auth.session_data",
        "better-auth.session_token",
    ]
    assert all("Max-Age=0" in c for c in response.headers.get_list("set-cookie"))
