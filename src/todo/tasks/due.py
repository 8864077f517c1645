"""Due dates, priorities and time zones: the rules of a task's schedule, pure Python.

A due date is what the user meant. `2026-12-05` is an all-day date: stored as `due_date`, with
`due_at` at the start of that day in the user's time zone (the database computes it from the
zone it keeps, so all-day dates and the zone never disagree). A date-time with an offset is
that instant; one without is a wall-clock time in the user's zone. The API shows an all-day
date as the date and a timed one as a UTC instant.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, WithJsonSchema

Priority = Literal["none", "low", "medium", "high"]
PRIORITIES: tuple[str, ...] = get_args(Priority)  # stored as their index, 0 to 3
DEFAULT_ZONE = "UTC"
ZONE_MAX = 64

# Years 1900 to 9999; an offset of at most 15:59 either way (PostgreSQL's limit).
_DATE = r"(19[0-9]{2}|[2-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
_OFFSET = r"([Zz]|[+-](0[0-9]|1[0-5]):[0-5][0-9])"
DUE_PATTERN = f"^{_DATE}([Tt]{_TIME}{_OFFSET}?)?$"
_DUE = re.compile(DUE_PATTERN)
DUE_RULE = (
    "must be a date (2026-12-05, all day) or a date-time (2026-12-05T15:00, in your time zone, "
    "or with an offset: 2026-12-05T14:00:00Z), in the years 1900 to 9999"
)
# A timed task's instant stays a day inside Python's range, so it shows in any time zone.
INSTANT_MIN = datetime(1900, 1, 1, tzinfo=UTC) - timedelta(days=1)
INSTANT_MAX = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)


def parse_due(value: Any) -> date | datetime:
    """A due date as given: a `date` (all day), a naive `datetime` (the user's wall-clock
    time) or an aware one (an instant). ValueError, saying what is accepted, otherwise."""
    if isinstance(value, date):  # already parsed (a datetime is a date too)
        return value
    if not isinstance(value, str) or not _DUE.fullmatch(value):
        raise ValueError(DUE_RULE)
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:  # such as 2026-02-30
        raise ValueError(DUE_RULE) from None
    if moment.tzinfo is not None:
        instant = moment.astimezone(UTC)
        if not INSTANT_MIN <= instant <= INSTANT_MAX:
            raise ValueError(DUE_RULE)
    return moment


DueInput = Annotated[
    date | datetime,
    BeforeValidator(parse_due),
    WithJsonSchema({"type": "string", "pattern": DUE_PATTERN}),
]
"""A due date in a request body or query: see `parse_due`."""


BOUND_PATTERN = f"^{_DATE}([Tt]{_TIME}{_OFFSET})?$"
BOUND_RULE = (
    "must be a date (2026-12-05: a day in your time zone) or a date-time with an offset "
    "(2026-12-05T14:00:00Z), in the years 1900 to 9999"
)


def parse_bound(value: str) -> date | datetime:
    """A due filter's bound: a date, or an aware date-time (a wall-clock time would be
    ambiguous here). ValueError otherwise."""
    if not re.fullmatch(BOUND_PATTERN, value):
        raise ValueError(BOUND_RULE)
    try:
        return parse_due(value)
    except ValueError:
        raise ValueError(BOUND_RULE) from None


@dataclass(frozen=True)
class Due:
    """A due date as the repository stores it: exactly one of the three is set. `day` is an
    all-day date, `local` a wall-clock time in the user's zone, `instant` an aware moment."""

    day: date | None = None
    local: datetime | None = None
    instant: datetime | None = None


def due(value: date | datetime) -> Due:
    """What `parse_due` returned, as the repository stores it."""
    if isinstance(value, datetime):
        return Due(instant=value) if value.tzinfo is not None else Due(local=value)
    return Due(day=value)


def shown_due(due_at: datetime | None, due_date: date | None) -> str | None:
    """The API's `due_at`: the date of an all-day task, the UTC instant of a timed one."""
    if due_date is not None:
        return due_date.isoformat()
    if due_at is None:
        return None
    return due_at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def priority_value(name: str) -> int:
    """The stored number of a priority name."""
    return PRIORITIES.index(name)


def priority_name(value: int) -> str:
    """The API's name of a stored priority."""
    return PRIORITIES[value]


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone name this system knows."""
    return len(name) <= ZONE_MAX and name in _zones()


def today(zone: str, now: datetime | None = None) -> date:
    """The calendar date it is in `zone` (at `now`, by default the present)."""
    moment = now if now is not None else datetime.now(UTC)
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).date()
