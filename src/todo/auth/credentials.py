"""What an API request presents as credentials, and whether its cryptography holds.

Accepted, each with its own algorithm allow-list so no key can stand in for another:
- an EdDSA JWT whose `kid` names a current key of the `jwks` table (what /api/auth/token issues);
- an HS256 JWT signed with BETTER_AUTH_SECRET (a front end that shares the secret);
- a session token, from the `better-auth.session_token` cookie (signed) or from
  `Authorization: Bearer` (signed `token.signature`, or raw as sign-in returns it).

This module checks signatures and claims only. Whether the JWT's user still exists, whether
the session of a session token, or of a JWT's `sid` claim, is still live is asked of the
database by the request's own transaction (see `todo.api.caller`), so it costs no extra round
trip. A JWT with `sid` (every one /api/auth issues) therefore dies with its session: sign-out,
a revoked session, a password change or reset, a deleted account. An HS256 JWT from a front end
that shares the secret carries no `sid` and holds until it expires, as before.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote
from uuid import UUID

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from todo.auth import tokens
from todo.errors import Unauthorized

SESSION_COOKIE = "better-auth.session_token"
SECURE_COOKIE_PREFIX = "__Secure-"
LEEWAY_SECONDS = 30  # clock skew tolerated on exp / nbf / iat
MAX_TOKEN_LENGTH = 8192
VERIFIED_CACHE_SIZE = 10_000

KeyLoader = Callable[[], Awaitable[Mapping[str, str]]]
"""Returns the current public keys: kid -> public JWK as JSON text."""


@dataclass(frozen=True)
class Credential:
    """A credential whose cryptography checks out: the subject of a JWT (and the session it
    was issued from, if it names one), or else the storage hash of a session token."""

    user_id: UUID | None = None
    session_token_hash: bytes | None = None
    session_id: UUID | None = None


def _refused(message: str = "Invalid credentials") -> Unauthorized:
    return Unauthorized(message)


def _public_key(jwk_text: str) -> Ed25519PublicKey | None:
    """An Ed25519 public key from its JWK, or None for anything else (private keys included)."""
    try:
        jwk = json.loads(jwk_text)
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or "d" in jwk:
            return None
        key = jwt.algorithms.OKPAlgorithm.from_jwk(jwk)
    except (ValueError, TypeError, jwt.InvalidKeyError):
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


class PublicKeys:
    """The `jwks` public keys, cached in the process.

    An unknown `kid` reloads them, but at most once per `min_refresh_seconds` (so a flood of
    made-up kids cannot hammer the database); the cache is also reloaded when older than
    `max_age_seconds`, which is how a retired key stops being accepted.
    """

    def __init__(
        self,
        load: KeyLoader,
        *,
        min_refresh_seconds: float = 5.0,
        max_age_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._min_refresh = min_refresh_seconds
        self._max_age = max_age_seconds
        self._clock = clock
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._loaded_at = -math.inf
        self._lock = asyncio.Lock()

    async def get(self, kid: str) -> Ed25519PublicKey | None:
        """The current key named `kid`, or None."""
        age = self._clock() - self._loaded_at
        if age > self._max_age or (kid not in self._keys and age >= self._min_refresh):
            await self._reload()
        return self._keys.get(kid)

    async def _reload(self) -> None:
        async with self._lock:
            if self._clock() - self._loaded_at < self._min_refresh:
                return  # another request reloaded them while this one waited
            loaded = await self._load()
            keys = {kid: _public_key(text) for kid, text in loaded.items()}
            self._keys = {kid: key for kid, key in keys.items() if key is not None}
            self._loaded_at = self._clock()


class Verifier:
    """Turns what a request presents into a `Credential`, or raises Unauthorized.

    Without a secret (BETTER_AUTH_SECRET unset) only EdDSA JWTs can pass."""

    def __init__(
        self,
        *,
        secret: str | None,
        keys: PublicKeys,
        issuer: str | None = None,
        audience: str | None = None,
        secure_cookie: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret
        self._clock = clock
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self.cookie_name = (SECURE_COOKIE_PREFIX if secure_cookie else "") + SESSION_COOKIE
        # Clients send the same JWT for its whole life: remember the ones that verified
        # (token -> credential, expiry, kid) and skip the signature check next time.
        self._verified: dict[str, tuple[Credential, float, str | None]] = {}

    async def authenticate(self, *, authorization: str | None, cookie: str | None) -> Credential:
        """Check the `Authorization` header if there is one, else the session cookie."""
        if authorization is not None:
            scheme, _, value = authorization.strip().partition(" ")
            value = value.strip()
            if scheme.lower() != "bearer" or not value or len(value) > MAX_TOKEN_LENGTH:
                raise _refused()
            if value.count(".") == 2:
                return await self._jwt(value)
            return self._session(value, signed_only=False)
        if cookie:
            return self._session(cookie, signed_only=True)
        raise _refused("Authentication required")

    def _session(self, value: str, *, signed_only: bool) -> Credential:
        if self._secret is None:
            raise _refused()
        value = unquote(value) if "%" in value else value
        if "." in value:
            token = tokens.unsign(value, self._secret)
        else:
            token = None if signed_only else value
        if not token or not token.isalnum() or len(token) > 255:
            raise _refused()
        return Credential(session_token_hash=tokens.hash_token(token))

    async def _jwt(self, token: str) -> Credential:
        known = self._verified.get(token)
        if known is not None:
            credential, expires_at, kid = known
            # Still unexpired, and its signing key still current (an HS256 token has no kid).
            if self._clock() < expires_at and (kid is None or await self._keys.get(kid)):
                return credential
            del self._verified[token]
        credential, expires_at, kid = await self._verify_jwt(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            del self._verified[next(iter(self._verified))]  # the oldest
        self._verified[token] = (credential, expires_at, kid)
        return credential

    async def _verify_jwt(self, token: str) -> tuple[Credential, float, str | None]:
        """The credential, until when it holds (exp plus leeway) and the kid that signed it."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise _refused() from None
        key = await self._key_for(header)
        # `exp` is checked here against the same clock as remembered tokens, not by PyJWT.
        options: dict[str, Any] = {
            "require": ["exp", "sub"],
            "verify_exp": False,
            "verify_aud": self._audience is not None,
        }
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[header["alg"]],
                options=options,  # type: ignore[arg-type]
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
            )
            expires_at = float(claims["exp"]) + LEEWAY_SECONDS
            user_id = UUID(claims["sub"])
            session_id = UUID(claims["sid"]) if "sid" in claims else None
        except (jwt.InvalidTokenError, ValueError, TypeError, AttributeError):
            raise _refused() from None
        if self._clock() >= expires_at:
            raise _refused("Credentials expired")
        kid = header.get("kid") if header["alg"] == "EdDSA" else None
        return Credential(user_id=user_id, session_id=session_id), expires_at, kid

    async def _key_for(self, header: dict[str, Any]) -> Ed25519PublicKey | str:
        """The one key that may have signed a token with this header."""
        alg, kid = header.get("alg"), header.get("kid")
        if alg == "HS256" and self._secret is not None:
            return self._secret
        if alg == "EdDSA" and isinstance(kid, str) and 0 < len(kid) <= 255:
            key = await self._keys.get(kid)
            if key is not None:
                return key
        raise _refused()
