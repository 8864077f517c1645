"""Password policy and argon2id hashing.

Hashing runs in a worker thread (argon2-cffi releases the GIL) so a sign-in does not stall the
event loop. Parameters come from settings; a stored hash made with other parameters is
re-made at the next successful sign-in. Unknown emails are checked against a dummy hash, so an
attacker cannot tell them from wrong passwords by the time the answer takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import unicodedata
from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from todo.auth.errors import AuthError
from todo.config import Settings

MIN_LENGTH = 8
MAX_LENGTH = 128


def check_policy(password: str) -> None:
    """Refuse a password outside 8-128 characters or without upper, lower and digit."""
    if len(password) < MIN_LENGTH:
        raise AuthError("PASSWORD_TOO_SHORT")
    if len(password) > MAX_LENGTH:
        raise AuthError("PASSWORD_TOO_LONG")
    kinds = (str.isupper, str.islower, str.isdigit)
    if not all(any(kind(char) for char in password) for kind in kinds):
        raise AuthError("PASSWORD_TOO_WEAK")


def _normalize(password: str) -> str:
    # As Better Auth does: the same password typed with composed or decomposed accents matches.
    return unicodedata.normalize("NFKC", password)


@functools.cache
def hasher(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    """The argon2id hasher for these parameters (one per set, reused)."""
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
    )


def settings_hasher(settings: Settings) -> PasswordHasher:
    """The hasher the settings ask for."""
    return hasher(
        settings.password_hash_memory_kib,
        settings.password_hash_time_cost,
        settings.password_hash_parallelism,
    )


@functools.cache
def _dummy_hash(ph: PasswordHasher) -> str:
    return ph.hash("not a real password, only here to spend the same time")


async def hash_password(settings: Settings, password: str) -> str:
    """The argon2id hash to store."""
    return await asyncio.to_thread(settings_hasher(settings).hash, _normalize(password))


@dataclass(frozen=True)
class Verdict:
    ok: bool
    needs_rehash: bool


def _verify(ph: PasswordHasher, stored: str | None, password: str) -> Verdict:
    if stored is None:
        with contextlib.suppress(VerificationError):
            ph.verify(_dummy_hash(ph), password)
        return Verdict(ok=False, needs_rehash=False)
    try:
        ph.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return Verdict(ok=False, needs_rehash=False)
    return Verdict(ok=True, needs_rehash=ph.check_needs_rehash(stored))


DEFAULT_HASHER = PasswordHasher()
"""Verifies any argon2 hash (a hash carries its own parameters)."""


async def verify_password(
    stored: str | None, password: str, *, ph: PasswordHasher = DEFAULT_HASHER
) -> Verdict:
    """Check `password` against `stored` (None: no such account, checked against a dummy).

    `needs_rehash` says whether `stored` was made with other parameters than `ph`'s.
    """
    return await asyncio.to_thread(_verify, ph, stored, _normalize(password))
