"""Sign-in throttling: slow down whoever keeps failing, never lock the account's owner out.

Failed sign-ins are counted three ways in the shared `rate_limits` table (so every worker and
every host sees the same counts), and a sign-in is refused with 429 TOO_MANY_REQUESTS and
`Retry-After` while any count says wait:

- **address + account** (the attacker's own pair): SIGN_IN_DELAY_AFTER failures are answered
  at once; after each further one the next try must wait twice as long as the last time,
  starting at a sixtieth of the window (1, 2, 4 ... seconds for the default minute), and after
  SIGN_IN_MAX_FAILURES the whole SIGN_IN_FAILURE_WINDOW. So more than 5 failures a minute for
  one account from one address are refused (SPEC section 5), and whoever hammers from one
  address sees the wait grow. The count starts afresh after a window without failures.
- **address, over all accounts**: more than SIGN_IN_ADDRESS_MAX_FAILURES in a window
  (credential stuffing from one address) and that address waits for the window to end.
- **account, over all addresses**: more than SIGN_IN_ACCOUNT_MAX_FAILURES in a window (stuffing
  from many addresses) and every new address waits for the window to end. Addresses the account
  has a live session from (`sessions.ip_address`) are exempt, so the owner's own devices sign in
  with the right password while the attack runs.

Each wait ends at most one window after the last counted failure, so nobody is kept out for
longer than the window once the failures stop. Nothing here depends on whether the account
exists (the exemption needs a session from the very address asking, which an attacker does not
have), so the answers reveal nothing. An attempt is counted before its password is checked,
under row locks, so concurrent guesses cannot slip past a limit together; a success takes its
count back, and a refused attempt is not counted at all.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from todo.auth import ratelimit, repository
from todo.config import Settings
from todo.db import Row, Transaction

DELAY_STEPS_PER_WINDOW = 60  # the first delay is this fraction of the window: 1 s of a minute


@dataclass(frozen=True)
class Keys:
    """The counters one sign-in attempt is counted on."""

    pair: str
    address: str
    account: str

    @property
    def all(self) -> list[str]:
        # Always locked and written in the same order, so two attempts cannot deadlock.
        return sorted((self.pair, self.address, self.account))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def account_key(email: str) -> str:
    """The counter of failures for one account from every address (the table holds no email)."""
    return "sign-in:account:" + _digest(email.lower())


def keys(address: str, email: str) -> Keys:
    """The counters of a sign-in for `email` (normalised) from the client `address`."""
    return Keys(
        pair="sign-in:pair:" + _digest(f"{address}\n{email.lower()}"),
        address=f"sign-in:address:{address}"[:255],
        account=account_key(email),
    )


def _wait(counter: Row | None, *, limit: int, window: float, delay_after: int | None) -> float:
    """Seconds before another failure may be counted on `counter` (0: now).

    `age` is the time since the counter's window began or, for a counter with `delay_after`,
    since its last failure: its failures are a streak that a quiet window ends."""
    if counter is None or counter["age"] >= window:
        return 0.0
    hits, age = int(counter["hits"]), float(counter["age"])
    if hits >= limit:
        return window - age
    if delay_after is not None and hits >= delay_after:
        delay = window / DELAY_STEPS_PER_WINDOW * 2.0 ** (hits - delay_after)
        return max(0.0, min(window, delay) - age)
    return 0.0


async def admit(
    tx: Transaction, settings: Settings, counted: Keys, *, known_address: bool
) -> int | None:
    """Count this attempt as a failure, unless a counter says wait: the seconds to wait then.

    `known_address`: the account has a live session from the address asking (the owner)."""
    counters = await repository.lock_counters(tx, keys=counted.all)
    window = settings.sign_in_failure_window
    waits = [
        _wait(
            counters.get(counted.pair),
            limit=settings.sign_in_max_failures,
            window=window,
            delay_after=settings.sign_in_delay_after,
        ),
        _wait(
            counters.get(counted.address),
            limit=settings.sign_in_address_max_failures,
            window=window,
            delay_after=None,
        ),
    ]
    if not known_address:
        account = counters.get(counted.account)
        limit = settings.sign_in_account_max_failures
        waits.append(_wait(account, limit=limit, window=window, delay_after=None))
    if max(waits) > 0:
        return max(1, math.ceil(max(waits)))
    await repository.count_failures(tx, keys=counted.all, streaks=[counted.pair], window=window)
    await ratelimit.maybe_prune(tx)
    return None


async def forgive(tx: Transaction, counted: Keys, *, signed_in: bool) -> None:
    """Take back an attempt's count: it was not a failure. A sign-in also ends its pair's
    streak (the right password from there is no attack)."""
    if signed_in:
        await repository.reset_counter(tx, key=counted.pair)
        await repository.uncount(tx, keys=[counted.address, counted.account])
    else:
        await repository.uncount(tx, keys=counted.all)
