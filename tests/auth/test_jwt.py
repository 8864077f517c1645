"""The JWT plugin: /token issues EdDSA JWTs that verify against /jwks; the key is encrypted."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import jwt
import pytest

from todo.auth.jwt import SigningKeyError, decrypt_private_key
from todo.db import Database

from .conftest import BASE, SECRET, Serve, bearer, sign_up


def _verify(token: str, keys: dict[str, list[dict[str, str]]]) -> dict[str, object]:
    kid = jwt.get_unverified_header(token)["kid"]
    (jwk,) = [key for key in keys["keys"] if key["kid"] == kid]
    public = jwt.PyJWK(jwk).key
    claims: dict[str, object] = jwt.decode(
        token, public, algorithms=["EdDSA"], audience=BASE, issuer=BASE
    )
    return claims


async def test_a_token_verifies_against_the_jwks(client: httpx.AsyncClient) -> None:
    signed_up = (await sign_up(client, "jwt@example.com")).json()
    client.cookies.clear()

    first = await client.get("/api/auth/token", headers=bearer(signed_up["token"]))
    second = await client.get("/api/auth/token", headers=bearer(signed_up["token"]))
    keys = (await client.get("/api/auth/jwks")).json()

    assert first.status_code == 200
    assert set(first.json()) == {"token"}
    header = jwt.get_unverified_header(first.json()["token"])
    assert header["alg"] == "EdDSA"
    assert uuid.UUID(header["kid"])
    assert keys["keys"][0].keys() == {"alg", "crv", "kty", "x", "kid"}
    assert keys["keys"][0]["crv"] == "Ed25519"
    claims = _verify(first.json()["token"], keys)
    other = _verify(second.json()["token"], keys)
    assert claims["sub"] == signed_up["user"]["id"]
    assert claims["email"] == "jwt@example.com"
    assert claims["exp"] == claims["iat"] + 900  # type: ignore[operator]
    assert claims["jti"] != other["jti"]


async def test_the_lifetime_and_audience_are_settings(serve: Serve) -> None:
    async with serve(jwt_expires_in=60, jwt_audience="todo-api", jwt_issuer="todo") as client:
        token = (await sign_up(client, "aud@example.com")).json()["token"]
        issued = (await client.get("/api/auth/token", headers=bearer(token))).json()["token"]
    claims = jwt.decode(issued, options={"verify_signature": False})
    assert (claims["aud"], claims["iss"], claims["exp"] - claims["iat"]) == ("todo-api", "todo", 60)


async def test_a_token_needs_a_session(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/auth/token")
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


async def test_get_session_hands_out_a_jwt_too(client: httpx.AsyncClient) -> None:
    await sign_up(client, "header@example.com")
    response = await client.get("/api/auth/get-session")
    keys = (await client.get("/api/auth/jwks")).json()
    assert _verify(response.headers["set-auth-jwt"], keys)["email"] == "header@example.com"
    assert "set-auth-jwt" in response.headers["access-control-expose-headers"]


async def test_the_private_key_is_stored_encrypted(client: httpx.AsyncClient, db: Database) -> None:
    keys = (await client.get("/api/auth/jwks")).json()
    async with db.owner_transaction() as tx:
        row = await tx.fetch_one("SELECT id, public_key, private_key FROM jwks")
    assert row is not None
    assert json.loads(row["public_key"]) == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": keys["keys"][0]["x"],
    }
    assert '"d"' not in row["private_key"]
    assert decrypt_private_key(SECRET, row["id"], row["private_key"])
    with pytest.raises(SigningKeyError):
        decrypt_private_key("another-secret-of-enough-length-000000", row["id"], row["private_key"])
    with pytest.raises(SigningKeyError):
        decrypt_private_key(SECRET, uuid.uuid4(), row["private_key"])


async def test_one_key_is_shared_by_every_app_on_the_database(serve: Serve) -> None:
    async with serve() as one, serve() as two:
        # Both processes want a key at once; the advisory lock lets only one make it.
        first, second = await asyncio.gather(one.get("/api/auth/jwks"), two.get("/api/auth/jwks"))
    assert first.json() == second.json()
    assert len(first.json()["keys"]) == 1
