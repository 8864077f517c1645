"""Fixed-window counters in PostgreSQL, so every worker process shares the same limits.

Used for the per-address limits on /api/auth (the sign-in throttle, `todo.auth.throttle`, keeps
its own counters in the same table). A counter is one row of the UNLOGGED `rate_limits` table,
bumped by a single upsert.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from todo import logs
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


def address_key(address: str, scope: str) -> str:
    """A per-client-address counter for one scope (a path, or all of /api/auth)."""
    return f"address:{scope}:{address}"[:255]


async def hit(tx: Transaction, rule: Rule) -> int | None:
    """Count a hit; the seconds to wait if it is over the limit, else None."""
    row = await repository.hit_counter(tx, key=rule.key, window=rule.window)
    await maybe_prune(tx)
    return int(row["retry_after"]) if row["hits"] > rule.limit else None


async def maybe_prune(tx: Transaction) -> None:
    """Now and then (one call in PRUNE_ONE_IN), sweep out counters whose window ended long ago."""
    if secrets.randbelow(PRUNE_ONE_IN) == 0:
        await repository.prune_counters(tx, older_than=PRUNE_AFTER)


async def enforce(db: Database, rules: list[Rule]) -> None:
    """Count a hit on every rule; raise TooManyRequests if any is over its limit."""
    async with db.transaction(None) as tx:
        waits = [await hit(tx, rule) for rule in rules]
    worst = max((wait for wait in waits if wait is not None), default=None)
    if worst is not None:
        logs.audit("auth.rate_limited", outcome="throttled", retry_after=worst)
        raise TooManyRequests(worst)
