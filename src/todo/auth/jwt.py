"""Better Auth's JWT plugin: EdDSA (Ed25519) tokens and the JWKS that verifies them.

The first key pair is made on first use and stored in `jwks`. Its private half is encrypted
with AES-256-GCM under a key derived (HKDF-SHA-256) from BETTER_AUTH_SECRET, with the key id as
associated data, so a copy of the table alone signs nothing. An advisory lock keeps two workers
from each making a "first" key. The current key is cached per process.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from todo import logs
from todo.auth import repository
from todo.config import Settings
from todo.db import Database, Row

ALGORITHM = "EdDSA"
RETIRED_KEY_GRACE = 30 * 86400  # Better Auth's default: retired keys stay published 30 days
_FORMAT = "v1."


class SigningKeyError(Exception):
    """The stored private key cannot be decrypted (BETTER_AUTH_SECRET changed?)."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _cipher(secret: str) -> AESGCM:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"todo jwks private key v1"
    ).derive(secret.encode())
    return AESGCM(key)


def encrypt_private_key(secret: str, key_id: uuid.UUID, key: Ed25519PrivateKey) -> str:
    """The private JWK, encrypted for storage: `v1.` + base64url(nonce || ciphertext)."""
    raw = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    jwk = {**public_jwk(key.public_key()), "d": _b64url(raw)}
    nonce = os.urandom(12)
    sealed = _cipher(secret).encrypt(nonce, json.dumps(jwk).encode(), key_id.bytes)
    return _FORMAT + _b64url(nonce + sealed)


def decrypt_private_key(secret: str, key_id: uuid.UUID, stored: str) -> Ed25519PrivateKey:
    """The signing key from its stored form."""
    if not stored.startswith(_FORMAT):
        raise SigningKeyError("unknown private key format")
    blob = _unb64url(stored.removeprefix(_FORMAT))
    try:
        plain = _cipher(secret).decrypt(blob[:12], blob[12:], key_id.bytes)
    except InvalidTag:
        raise SigningKeyError(
            "the JWT signing key does not decrypt with BETTER_AUTH_SECRET"
        ) from None
    return Ed25519PrivateKey.from_private_bytes(_unb64url(json.loads(plain)["d"]))


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """The public key as a JWK (RFC 8037)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}


class _Utf8Json(json.JSONEncoder):
    """Claims as UTF-8 JSON (RFC 7519 asks for no more): a name in another script costs 2-4
    bytes a character in the token rather than the 6-12 of `\\u` escapes."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{**options, "ensure_ascii": False})


def origin(url: str) -> str:
    """`scheme://host[:port]` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class KeyStore:
    """The process's view of the signing keys in one database."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self._db, self._settings = db, settings
        self._current: tuple[uuid.UUID, Ed25519PrivateKey] | None = None
        self._lock = asyncio.Lock()

    async def signing_key(self) -> tuple[uuid.UUID, Ed25519PrivateKey]:
        """The current key id and private key, made and stored on first use."""
        if self._current is None:
            async with self._lock:
                if self._current is None:
                    self._current = await self._load_or_create()
        return self._current

    async def _load_or_create(self) -> tuple[uuid.UUID, Ed25519PrivateKey]:
        secret = self._settings.secret
        async with self._db.transaction(None) as tx:
            await repository.lock_signing_keys(tx)
            row = await repository.current_signing_key(tx)
            if row is None:
                key_id, key = uuid.uuid4(), Ed25519PrivateKey.generate()
                await repository.insert_signing_key(
                    tx,
                    key_id=key_id,
                    public_key=json.dumps(public_jwk(key.public_key())),
                    private_key=encrypt_private_key(secret, key_id, key),
                )
                return key_id, key
        return row["id"], decrypt_private_key(secret, row["id"], row["private_key"])

    async def jwks(self) -> dict[str, list[dict[str, str]]]:
        """`{"keys": [...]}` as Better Auth's /jwks serves it (a key is made if none exists)."""
        await self.signing_key()
        async with self._db.transaction(None) as tx:
            rows = await repository.published_keys(tx, grace=RETIRED_KEY_GRACE)
        return {"keys": [_published(row) for row in rows]}

    async def public_keys(self) -> dict[str, Ed25519PublicKey]:
        """Every published public key by key id (for verifying tokens)."""
        async with self._db.transaction(None) as tx:
            rows = await repository.published_keys(tx, grace=RETIRED_KEY_GRACE)
        keys: dict[str, Ed25519PublicKey] = {}
        for row in rows:
            x = _unb64url(json.loads(row["public_key"])["x"])
            keys[str(row["id"])] = Ed25519PublicKey.from_public_bytes(x)
        return keys

    async def issue(self, user: dict[str, Any], *, session_id: uuid.UUID) -> str:
        """A signed JWT for `user` (its public fields, camelCase), as Better Auth's /token.

        `sid` names the session it was issued from: the task API accepts the JWT only while
        that session lives, so signing out or a password change ends it at once."""
        key_id, key = await self.signing_key()
        now = int(time.time())
        default = origin(self._settings.base_url)
        claims = {
            **user,
            "sub": str(user["id"]),
            "sid": str(session_id),
            "iat": now,
            "exp": now + self._settings.jwt_expires_in,
            "jti": str(uuid.uuid4()),
            "iss": self._settings.jwt_issuer or default,
            "aud": self._settings.jwt_audience or default,
        }
        token = jwt.encode(
            claims, key, algorithm=ALGORITHM, headers={"kid": str(key_id)}, json_encoder=_Utf8Json
        )
        logs.audit(
            "auth.jwt_issued",
            outcome="success",
            user_id=user["id"],
            session_id=session_id,
            jti=claims["jti"],
        )
        return token


def _published(row: Row) -> dict[str, str]:
    public = json.loads(row["public_key"])
    return {"alg": ALGORITHM, "crv": public["crv"], **public, "kid": str(row["id"])}
