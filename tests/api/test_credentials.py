"""Credentials: the three accepted kinds work; every forged or stale one is 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import jwt
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from todo.auth import repository as auth_repository
from todo.auth import tokens

from ..helpers import make_user
from .conftest import Shared
from .support import (
    SECRET,
    SigningKey,
    User,
    assert_error,
    assert_success,
    bearer,
    eddsa_key,
    hs256,
    new_session,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass(frozen=True)
class World:
    """Everything the credential table is made of, created before the app's first request
    (so the app's first load of the public keys sees both keys)."""

    shared: Shared
    key: SigningKey
    retired: SigningKey
    session: str
    expired_session: str
    revoked_session: str
    gone: uuid.UUID  # a deleted user
    gone_jwt: str
    gone_session: str

    @property
    def alice(self) -> User:
        return self.shared.alice


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(shared: Shared) -> World:
    db, alice = shared.db, shared.alice
    gone = await make_user(db, "gone@example.com")
    gone_jwt, gone_session = hs256(gone), await new_session(db, gone)
    revoked = await new_session(db, alice.id)
    async with db.owner_transaction() as tx:
        await tx.execute("DELETE FROM users WHERE id = %s", (gone,))
        await tx.execute(
            "DELETE FROM sessions WHERE token_hash = %s", (tokens.hash_token(revoked),)
        )
    return World(
        shared=shared,
        key=await eddsa_key(db),
        retired=await eddsa_key(db, expires_at=datetime.now(UTC) - timedelta(minutes=1)),
        session=await new_session(db, alice.id),
        expired_session=await new_session(db, alice.id, expires_in=-1),
        revoked_session=revoked,
        gone=gone,
        gone_jwt=gone_jwt,
        gone_session=gone_session,
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, object], payload: dict[str, object]) -> str:
    parts = (json.dumps(header).encode(), json.dumps(payload).encode())
    return ".".join(_b64(part) for part in parts) + "."


def _hmac_signed(header: dict[str, object], payload: dict[str, object], key: bytes) -> str:
    """A JWT signed by hand (PyJWT rightly refuses to use some of these keys)."""
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[str(header["alg"])]
    unsigned = _unsigned(header, payload).rstrip(".")
    signature = hmac.new(key, unsigned.encode(), digest).digest()
    return f"{unsigned}.{_b64(signature)}"


def _claims(user_id: object, **extra: object) -> dict[str, object]:
    now = int(time.time())
    return {"sub": str(user_id), "iat": now, "exp": now + 60} | extra


def _tampered(w: World) -> str:
    header, _, signature = hs256(w.alice.id).split(".")
    other = _b64(json.dumps(_claims(w.shared.bob.id)).encode())
    return f"{header}.{other}.{signature}"


def _public_key_as_secret(w: World, form: str) -> str:
    """HS256 "signed" with the EdDSA public key, the classic key-confusion forgery."""
    jwk = w.key.public_jwk()
    secret = {"jwk": json.dumps(jwk), "x": jwk["x"]}[form]
    header = {"alg": "HS256", "typ": "JWT", "kid": w.key.kid}
    return _hmac_signed(header, _claims(w.alice.id), secret.encode())


def _foreign_key(w: World, algorithm: str) -> str:
    private = {
        "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
        "EdDSA": Ed25519PrivateKey.generate,
    }[algorithm]()
    return jwt.encode(_claims(w.alice.id), private, algorithm, headers={"kid": w.key.kid})


Forgery = Callable[[World], dict[str, str]]
FORGED: dict[str, Forgery] = {
    "nothing": lambda w: {},
    "empty bearer": lambda w: {"Authorization": "Bearer "},
    "basic auth": lambda w: {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
    "other scheme": lambda w: {"Authorization": f"Token {hs256(w.alice.id)}"},
    "alg none": lambda w: bearer(_unsigned({"alg": "none", "typ": "JWT"}, _claims(w.alice.id))),
    "alg none with kid": lambda w: bearer(
        _unsigned({"alg": "none", "kid": w.key.kid}, _claims(w.alice.id))
    ),
    "hs256 wrong secret": lambda w: bearer(hs256(w.alice.id, secret="another-secret-" + "y" * 40)),
    "hs256 with public jwk": lambda w: bearer(_public_key_as_secret(w, "jwk")),
    "hs256 with public x": lambda w: bearer(_public_key_as_secret(w, "x")),
    "hs512 right secret": lambda w: bearer(
        _hmac_signed({"alg": "HS512"}, _claims(w.alice.id), SECRET.encode())
    ),
    "rs256": lambda w: bearer(_foreign_key(w, "RS256")),
    "es256": lambda w: bearer(_foreign_key(w, "ES256")),
    "eddsa wrong key, known kid": lambda w: bearer(_foreign_key(w, "EdDSA")),
    "eddsa unknown kid": lambda w: bearer(w.key.sign(w.alice.id, kid=str(uuid.uuid4()))),
    "eddsa no kid": lambda w: bearer(jwt.encode(_claims(w.alice.id), w.key.private_key, "EdDSA")),
    "eddsa retired key": lambda w: bearer(w.retired.sign(w.alice.id)),
    "tampered payload": lambda w: bearer(_tampered(w)),
    "expired": lambda w: bearer(hs256(w.alice.id, exp=int(time.time()) - 3600)),
    "eddsa expired": lambda w: bearer(w.key.sign(w.alice.id, exp=int(time.time()) - 3600)),
    "not yet valid": lambda w: bearer(hs256(w.alice.id, nbf=int(time.time()) + 3600)),
    "issued in the future": lambda w: bearer(hs256(w.alice.id, iat=int(time.time()) + 3600)),
    "no sub": lambda w: bearer(hs256(w.alice.id, sub=None)),
    "no exp": lambda w: bearer(hs256(w.alice.id, exp=None)),
    "exp not a number": lambda w: bearer(hs256(w.alice.id, exp="tomorrow")),
    "sub not a uuid": lambda w: bearer(hs256("alice")),
    "sub not a string": lambda w: bearer(
        jwt.encode({**_claims(w.alice.id), "sub": 42}, SECRET, "HS256")
    ),
    "unknown user": lambda w: bearer(hs256(uuid.uuid4())),
    "deleted user": lambda w: bearer(w.gone_jwt),
    "malformed jwt": lambda w: bearer("abc.def.ghi"),
    "garbage": lambda w: bearer("%%%not a token%%%"),
    "huge": lambda w: bearer("a" * 10_000),
    "session never issued": lambda w: bearer(tokens.new_token()),
    "session signed with another secret": lambda w: bearer(
        tokens.sign(w.session, "another-secret-" + "y" * 40)
    ),
    "session with a bad signature": lambda w: bearer(w.session + ".bm90IGEgc2lnbmF0dXJl"),
    "session expired": lambda w: bearer(w.expired_session),
    "session revoked": lambda w: bearer(w.revoked_session),
    "session of a deleted user": lambda w: bearer(w.gone_session),
    "cookie unsigned": lambda w: {"Cookie": f"better-auth.session_token={w.session}"},
    "cookie wrong secret": lambda w: {
        "Cookie": "better-auth.session_token="
        + quote(tokens.sign(w.session, "another-secret-" + "y" * 40))
    },
    "cookie expired": lambda w: {
        "Cookie": "better-auth.session_token=" + quote(tokens.sign(w.expired_session, SECRET))
    },
    "cookie under another name": lambda w: {
        "Cookie": "session_token=" + quote(tokens.sign(w.session, SECRET))
    },
}


@pytest.mark.parametrize("case", FORGED)
async def test_forged_and_stale_credentials_are_unauthorized(world: World, case: str) -> None:
    headers = FORGED[case](world)
    client, alice = world.shared.client, world.alice
    for path_user in (alice.id, world.gone):
        response = await client.get(f"/api/{path_user}/tasks", headers=headers)
        assert_error(response, 401, "UNAUTHORIZED")
    created = await client.post(alice.tasks_url(), json={"title": "forged"}, headers=headers)
    assert_error(created, 401, "UNAUTHORIZED")
    # The credential is judged before what the query string or a well-formed body say...
    bad_query = await client.get(f"{alice.tasks_url()}?limit=0", headers=headers)
    assert_error(bad_query, 401, "UNAUTHORIZED")
    json_headers = headers | {"Content-Type": "application/json"}
    bad_body = await client.post(alice.tasks_url(), json={"title": " "}, headers=headers)
    assert_error(bad_body, 401, "UNAUTHORIZED")
    # ... but a body that is not JSON at all is refused at the edge, before any route runs
    # (like one that is too large): no credential check, no database connection.
    malformed = await client.post(alice.tasks_url(), content=b"{", headers=json_headers)
    assert_error(malformed, 400, "VALIDATION_ERROR")


ACCEPTED: dict[str, Forgery] = {
    "hs256": lambda w: bearer(hs256(w.alice.id)),
    "eddsa": lambda w: bearer(w.key.sign(w.alice.id)),
    "eddsa with iss and aud (unchecked by default)": lambda w: bearer(
        w.key.sign(w.alice.id, iss="http://x", aud="http://y")
    ),
    "session raw bearer": lambda w: bearer(w.session),
    "session signed bearer": lambda w: bearer(tokens.sign(w.session, SECRET)),
    "session signed, url-encoded bearer": lambda w: bearer(quote(tokens.sign(w.session, SECRET))),
    "session cookie": lambda w: {
        "Cookie": "better-auth.session_token=" + quote(tokens.sign(w.session, SECRET))
    },
    "bearer wins over a bad cookie": lambda w: {
        **bearer(w.session),
        "Cookie": "better-auth.session_token=garbage",
    },
}


@pytest.mark.parametrize("case", ACCEPTED)
async def test_accepted_credentials(world: World, case: str) -> None:
    response = await world.shared.client.get(world.alice.tasks_url(), headers=ACCEPTED[case](world))
    assert_success(response, 200)


async def test_sessions_are_live_exactly_when_find_active_session_says_so(world: World) -> None:
    """The API checks sessions inside its guard statement; the rule must stay the accounts'."""
    for token in (world.session, world.expired_session, world.revoked_session, world.gone_session):
        async with world.shared.db.transaction(None) as tx:
            found = await auth_repository.find_active_session(
                tx, token_hash=tokens.hash_token(token)
            )
        response = await world.shared.client.get(world.alice.tasks_url(), headers=bearer(token))
        assert (found is not None) == (response.status_code == 200), token
