"""Fixed-window counters in PostgreSQL, so every worker process shares the same limits.

Used for the sign-in lockout (failed attempts per account) and for the per-address limits on
/api/auth. A counter is one row of the UNLOGGED `rate_limits` table, bumped by a single upsert.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from todo.auth import repository
from todo.auth.errors import TooManyRequests
from todo.db import Database, Transaction

PRUNE_ONE_IN = 200  # now and then, a hit also sweeps out long-finished windows
PRUNE_AFTER = 86400.0  # no window lasts longer than a day (the settings cap them)


@dataclass(frozen=True)
class Rule:
    """At most `limit` hits on `key` per `window` seconds."""

    key: str
    limit: int
    window: float


def account_key(email: str) -> str:
    """The lockout counter of an email address (hashed: the table holds no addresses)."""
    return "sign-in:" + hashlib.sha256(email.lower().encode()).hexdigest()[:40]


def address_key(address: str, scope: str) -> str:
    """A per-client-address counter for one scope (a path, or all of /api/auth)."""
    return f"address:{scope}:{address}"[:255]


async def hit(tx: Transaction, rule: Rule) -> int | None:
    """Count a hit; the seconds to wait if it is over the limit, else None."""
    row = await repository.hit_counter(tx, key=rule.key, window=rule.window)
    if secrets.randbelow(PRUNE_ONE_IN) == 0:
        await repository.prune_counters(tx, older_than=PRUNE_AFTER)
    return int(row["retry_after"]) if row["hits"] > rule.limit else None


async def enforce(db: Database, rules: list[Rule]) -> None:
    """Count a hit on every rule; raise TooManyRequests if any is over its limit."""
    async with db.transaction(None) as tx:
        waits = [await hit(tx, rule) for rule in rules]
    worst = max((wait for wait in waits if wait is not None), default=None)
    if worst is not None:
        raise TooManyRequests(worst)


async def reset(tx: Transaction, key: str) -> None:
    """Forget a counter (a successful sign-in clears the account's failures)."""
    await repository.reset_counter(tx, key=key)
