"""Per-user request limits in fixed windows, counted in the shared `rate_limits` table.

The counting itself is SQL (todo.api.repository.caller_check, run with the request's first
statements); this module knows the windows, reads the counts back and words the headers.
Counter rows of idle users are swept by `CounterSweeper`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from todo.api import repository
from todo.config import Settings
from todo.db import Query, Row


@dataclass(frozen=True)
class Window:
    """At most `limit` requests per `seconds`, in windows aligned to the epoch."""

    kind: str
    seconds: int
    limit: int


def windows(settings: Settings) -> tuple[Window, ...]:
    """The windows the settings ask for (a limit of 0 turns its window off)."""
    configured = (
        Window("m", 60, settings.api_rate_limit_per_minute),
        Window("h", 3600, settings.api_rate_limit_per_hour),
    )
    return tuple(window for window in configured if window.limit > 0)


@dataclass(frozen=True)
class Usage:
    """Where a caller stands in their tightest window, after this request."""

    limit: int
    remaining: int
    reset_at: int  # epoch seconds when the tightest window ends
    blocked_until: int | None  # set when this request went past a limit

    def headers(self) -> dict[str, str]:
        """X-RateLimit-* headers, and Retry-After when the caller is over a limit."""
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }
        if self.blocked_until is not None:
            headers["Retry-After"] = str(self.retry_after())
        return headers

    def retry_after(self, now: Callable[[], float] = time.time) -> int:
        """Whole seconds until every exhausted window has reset (at least 1)."""
        until = self.blocked_until if self.blocked_until is not None else self.reset_at
        return max(1, math.ceil(until - now()))


def usage(configured: Sequence[Window], rows: Sequence[Row]) -> Usage | None:
    """Usage from the counter rows of caller_check; None when nothing is counted."""
    by_kind = {window.kind: window for window in configured}
    standings: list[tuple[int, int, int, bool]] = []  # remaining, reset_at, limit, exceeded
    for row in rows:
        if row["key"] is None:
            continue
        window = by_kind[row["key"].rsplit(":", 1)[1]]
        reset_at = row["window_started"] + window.seconds
        hits = row["hits"]
        standings.append((max(0, window.limit - hits), reset_at, window.limit, hits > window.limit))
    if not standings:
        return None
    # Tightest: fewest requests left; on a tie, the window that stays shut longer.
    remaining, reset_at, limit, _ = min(standings, key=lambda s: (s[0], -s[1]))
    exhausted = [s[1] for s in standings if s[0] == 0]
    blocked = any(s[3] for s in standings)
    return Usage(limit, remaining, reset_at, max(exhausted) if blocked else None)


class CounterSweeper:
    """Deletes idle users' counters now and then, riding on a request's first round trip.

    Once every `every_seconds` per process, up to `batch` rows whose window began more than
    an hour ago go (300,000 an hour per worker at the defaults). Counters are restarted in
    place, so only users who stopped calling leave rows behind; without this they would pile
    up forever.
    """

    def __init__(
        self,
        *,
        every_seconds: float = 60.0,
        batch: int = 5000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._every = every_seconds
        self._batch = batch
        self._clock = clock
        self._next = -math.inf

    def due(self) -> tuple[Query, ...]:
        """The sweep statement when one is due (and the clock restarted), else nothing."""
        now = self._clock()
        if now < self._next:
            return ()
        self._next = now + self._every
        return (repository.sweep_counters(older_than_seconds=3600, batch=self._batch),)
