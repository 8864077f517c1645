"""Credential checks that depend on settings or on the app's key cache (an app each)."""

from __future__ import annotations

import time
import uuid
from urllib.parse import quote

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from todo.auth import tokens
from todo.auth.credentials import LEEWAY_SECONDS, PublicKeys, Verifier
from todo.db import Database
from todo.errors import Unauthorized

from .conftest import MakeClient
from .support import (
    SECRET,
    User,
    api_settings,
    assert_error,
    assert_success,
    bearer,
    eddsa_key,
    hs256,
    new_session,
)


async def test_issuer_and_audience_are_checked_when_configured(
    make_client: MakeClient, alice: User
) -> None:
    client = await make_client(api_settings(jwt_issuer="https://todo", jwt_audience="todo-api"))
    url = alice.tasks_url()
    good = hs256(alice.id, iss="https://todo", aud="todo-api")
    assert_success(await client.get(url, headers=bearer(good)), 200)
    for claims in (
        {"iss": None},
        {"iss": "https://evil"},
        {"aud": None},
        {"aud": "another-api"},
    ):
        forged = bearer(hs256(alice.id, **({"iss": "https://todo", "aud": "todo-api"} | claims)))
        assert_error(await client.get(url, headers=forged), 401, "UNAUTHORIZED")


async def test_secure_cookie_name_over_https(
    make_client: MakeClient, db: Database, alice: User
) -> None:
    client = await make_client(api_settings(better_auth_url="https://todo.example.com"))
    signed = quote(tokens.sign(await new_session(db, alice.id), SECRET))
    secure = {"Cookie": f"__Secure-better-auth.session_token={signed}"}
    plain = {"Cookie": f"better-auth.session_token={signed}"}
    assert_success(await client.get(alice.tasks_url(), headers=secure), 200)
    assert_error(await client.get(alice.tasks_url(), headers=plain), 401, "UNAUTHORIZED")


async def test_a_signing_key_added_while_the_app_runs_is_accepted(
    make_client: MakeClient, db: Database, alice: User
) -> None:
    client = await make_client()
    assert_success(await client.get(alice.tasks_url(), headers=alice.auth), 200)
    key = await eddsa_key(db)
    assert_success(await client.get(alice.tasks_url(), headers=bearer(key.sign(alice.id))), 200)


async def test_unknown_kids_reload_the_keys_at_most_every_few_seconds() -> None:
    now = [100.0]
    loads: list[float] = []
    keys: dict[str, str] = {}

    async def load() -> dict[str, str]:
        loads.append(now[0])
        return dict(keys)

    cache = PublicKeys(load, min_refresh_seconds=5, max_age_seconds=60, clock=lambda: now[0])
    assert await cache.get("a") is None
    assert await cache.get("b") is None  # within 5 s: no second load
    assert loads == [100.0]
    keys["c"] = '{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}'
    now[0] = 106.0
    assert await cache.get("c") is not None  # past 5 s: the unknown kid reloads
    assert await cache.get(str(uuid.uuid4())) is None
    assert loads == [100.0, 106.0]
    del keys["c"]
    now[0] = 170.0  # past the maximum age: reloaded even for a known kid, which is then gone
    assert await cache.get("c") is None
    assert loads == [100.0, 106.0, 170.0]


async def test_a_remembered_jwt_still_expires_and_dies_with_its_key() -> None:
    key = Ed25519PrivateKey.generate()
    jwk = jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key())
    keys = {"k1": jwk}
    mono = [0.0]

    async def load() -> dict[str, str]:
        return dict(keys)

    now = time.time()
    wall = [now]
    verifier = Verifier(
        secret=SECRET,
        keys=PublicKeys(load, max_age_seconds=60, clock=lambda: mono[0]),
        clock=lambda: wall[0],
    )
    user = uuid.uuid4()
    eddsa = jwt.encode(
        {"sub": str(user), "exp": int(now) + 60}, key, "EdDSA", headers={"kid": "k1"}
    )
    short = hs256(user, exp=int(now) + 60)

    async def check(token: str) -> uuid.UUID | None:
        try:
            return (
                await verifier.authenticate(authorization=f"Bearer {token}", cookie=None)
            ).user_id
        except Unauthorized:
            return None

    assert await check(eddsa) == user
    assert await check(short) == user
    wall[0] = now + 60 + LEEWAY_SECONDS + 1  # past exp (and the leeway): remembered or not
    assert await check(short) is None
    wall[0] = now
    assert await check(eddsa) == user
    del keys["k1"]  # the key is retired; once the key cache reloads, its tokens die
    mono[0] = 61.0
    assert await check(eddsa) is None
