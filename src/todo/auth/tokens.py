"""Opaque tokens: generation, storage hashes, and Better Auth's signed cookie value.

A session token is 32 random alphanumeric characters. The database keeps only its SHA-256, so a
leaked table yields no usable token. In the cookie (and in `set-auth-token`) the token travels
signed as Better Auth signs it: `token + "." + base64(HMAC-SHA256(secret, token))`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

_ALPHABET = string.ascii_letters + string.digits
SIGNATURE_LENGTH = 44  # standard base64 of 32 bytes, padded


def new_token(length: int = 32) -> str:
    """A fresh random token of letters and digits."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def hash_token(token: str) -> bytes:
    """What the database stores in place of a token."""
    return hashlib.sha256(token.encode()).digest()


def _signature(token: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sign(token: str, secret: str) -> str:
    """`token.signature`, as Better Auth writes its session cookie (before URL-encoding)."""
    return f"{token}.{_signature(token, secret)}"


def unsign(value: str, secret: str) -> str | None:
    """The token inside a signed value, or None if the signature is missing or wrong."""
    token, dot, signature = value.rpartition(".")
    if not dot or not token or len(signature) != SIGNATURE_LENGTH or not signature.endswith("="):
        return None
    return token if hmac.compare_digest(signature, _signature(token, secret)) else None
