"""Password policy and argon2id hashing.

Hashing runs in a worker thread (argon2-cffi releases the GIL) so a sign-in does not stall the
event loop. Parameters come from settings; a stored hash made with other parameters is
re-made at the next successful sign-in. Unknown emails are checked against a dummy hash, so an
attacker cannot tell them from wrong passwords by the time the answer takes.

Hashing is what an attacker would use to exhaust the CPU, so it is bounded twice. A password
longer than MAX_LENGTH is never hashed: a new one is refused (PASSWORD_TOO_LONG), and one to be
checked cannot match (no stored password is that long). And a process computes at most
PASSWORD_HASH_CONCURRENCY hashes at once (the CPU count by default): a request that cannot get
its turn within PASSWORD_HASH_WAIT seconds is answered 503 with Retry-After instead of joining
a queue with no end.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import unicodedata
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from todo.auth.errors import AuthError
from todo.config import Settings
from todo.errors import ServiceUnavailable

MIN_LENGTH = 8
MAX_LENGTH = 128
BUSY_RETRY_AFTER = 1  # seconds: one hash takes tens of milliseconds, a queue drains quickly

T = TypeVar("T")


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


# One semaphore per event loop and size: asyncio primitives belong to the loop that first waits
# on them (a server process has one loop; a test run has many).
_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def concurrency(settings: Settings) -> int:
    """How many hashes this process computes at once."""
    return settings.password_hash_concurrency or os.cpu_count() or 1


def turns(settings: Settings) -> asyncio.Semaphore:
    """The semaphore that hands out this process's hashing turns (for the running loop)."""
    by_size = _turns.setdefault(asyncio.get_running_loop(), {})
    size = concurrency(settings)
    if size not in by_size:
        by_size[size] = asyncio.Semaphore(size)
    return by_size[size]


async def _in_turn(settings: Settings, work: Callable[[], T]) -> T:
    """Run `work` in a worker thread once a turn is free; 503 if none frees up in time."""
    semaphore = turns(settings)
    try:
        await asyncio.wait_for(semaphore.acquire(), settings.password_hash_wait)
    except TimeoutError:
        raise ServiceUnavailable(
            "Too many password checks at once; try again in a moment",
            retry_after=BUSY_RETRY_AFTER,
        ) from None
    running = asyncio.ensure_future(asyncio.to_thread(work))
    # The turn ends when the thread does, even if the request is cancelled meanwhile.
    running.add_done_callback(lambda _: semaphore.release())
    return await asyncio.shield(running)


async def hash_password(settings: Settings, password: str) -> str:
    """The argon2id hash to store (PASSWORD_TOO_LONG past MAX_LENGTH, before any hashing)."""
    if len(password) > MAX_LENGTH:
        raise AuthError("PASSWORD_TOO_LONG")
    normalized = _normalize(password)
    return await _in_turn(settings, lambda: settings_hasher(settings).hash(normalized))


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


async def verify_password(settings: Settings, stored: str | None, password: str) -> Verdict:
    """Check `password` against `stored` (None: no such account, checked against a dummy).

    A password longer than MAX_LENGTH is wrong without being hashed. `needs_rehash` says
    whether `stored` was made with other parameters than the settings ask for.
    """
    if len(password) > MAX_LENGTH:
        return Verdict(ok=False, needs_rehash=False)
    ph, normalized = settings_hasher(settings), _normalize(password)
    return await _in_turn(settings, lambda: _verify(ph, stored, normalized))
