"""Archive completed tasks that nobody touched for a while (SPEC section 7).

Each batch is its own transaction, so an interrupted run keeps what it moved and a second run
picks up the rest: the command is resumable and idempotent by construction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from todo.archive import repository
from todo.db import Database
from todo.errors import InvalidParameter

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_AGE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


def parse_age(text: str) -> timedelta:
    """'90d' -> 90 days. Units: s, m, h, d, w."""
    match = _AGE.match(text.lower())
    if match is None:
        raise InvalidParameter(f"not an age: {text!r} (use a number and s, m, h, d or w: 90d)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class ArchivePlan:
    """What a run with this cutoff would move."""

    cutoff: datetime
    tasks: int
    users: int
    oldest_updated_at: datetime | None
    newest_updated_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {key: _jsonable(value) for key, value in asdict(self).items()}


@dataclass(frozen=True)
class ArchiveResult:
    cutoff: datetime
    moved: int
    batches: int
    finished: bool

    def as_dict(self) -> dict[str, Any]:
        return {key: _jsonable(value) for key, value in asdict(self).items()}


def _jsonable(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def cutoff_for(older_than: timedelta, *, now: datetime | None = None) -> datetime:
    """The instant before which a completed task's last update makes it qualify."""
    return (now or datetime.now(UTC)) - older_than


async def pending(db: Database, *, cutoff: datetime) -> int:
    """How many tasks qualify now (the progress bar's total)."""
    async with db.owner_transaction() as tx:
        return await repository.count_candidates(tx, cutoff=cutoff)


async def plan(db: Database, *, cutoff: datetime) -> ArchivePlan:
    """What would move (the dry run)."""
    async with db.owner_transaction() as tx:
        row = await repository.summarize_candidates(tx, cutoff=cutoff)
    return ArchivePlan(cutoff, row["tasks"], row["users"], row["oldest"], row["newest"])


async def archive(
    db: Database,
    *,
    cutoff: datetime,
    batch: int = 10_000,
    max_batches: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> ArchiveResult:
    """Move qualifying tasks in batches of one transaction each until none is left.

    `max_batches` stops early (what an interruption looks like); `on_batch` hears each count.
    """
    if batch < 1:
        raise InvalidParameter("batch must be at least 1")
    moved = batches = 0
    after = datetime.min.replace(tzinfo=UTC)
    while max_batches is None or batches < max_batches:
        async with db.owner_transaction() as tx:
            count, last = await repository.move_batch(tx, cutoff=cutoff, after=after, batch=batch)
        if count == 0:
            return ArchiveResult(cutoff, moved, batches, finished=True)
        assert last is not None
        moved, batches, after = moved + count, batches + 1, last
        if on_batch is not None:
            on_batch(count)
    return ArchiveResult(cutoff, moved, batches, finished=False)
