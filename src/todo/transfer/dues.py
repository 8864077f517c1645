"""Due dates and priorities in the export's form (the task API's): parse and show.

A due date is a calendar date (`2026-12-05`: all-day) or an RFC 3339 date-time, with an offset
(that instant) or without one (a wall-clock time in the user's time zone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, WithJsonSchema

from todo.inputs import bounded_timestamp

PRIORITIES = ("none", "low", "medium", "high")
"""Priority names by stored value (0..3)."""
PriorityName = Literal["none", "low", "medium", "high"]
MAX_TAGS = 100
"""Tags one task may carry."""

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATE_TIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})?$"
)
RULE = "must be a date (2026-12-05) or a date-time (2026-12-05T14:00:00Z), years 1900 to 9999"


@dataclass(frozen=True)
class Due:
    """A parsed due date: a day (all-day), an instant, or a wall-clock time in the user's zone."""

    day: date | None = None
    moment: datetime | None = None  # aware: an instant; naive: in the user's zone

    def stored(self, zone: str) -> tuple[datetime, date | None]:
        """(due_at, due_date) for a user in `zone`."""
        tz = ZoneInfo(zone)
        if self.day is not None:
            return datetime.combine(self.day, time(0), tz).astimezone(UTC), self.day
        assert self.moment is not None
        moment = self.moment if self.moment.tzinfo else self.moment.replace(tzinfo=tz)
        return moment.astimezone(UTC), None


def parse(value: Any) -> Due:
    """`value` (a string) as a Due, or ValueError saying what is expected."""
    if isinstance(value, Due):
        return value
    if not isinstance(value, str):
        raise ValueError(RULE)
    try:
        if _DATE.fullmatch(value):
            return _in_range(Due(day=date.fromisoformat(value)))
        if _DATE_TIME.fullmatch(value):
            return _in_range(Due(moment=datetime.fromisoformat(value.upper())))
    except ValueError:
        pass
    raise ValueError(RULE)


def _in_range(due: Due) -> Due:
    when = due.day or (due.moment.date() if due.moment else None)
    if when is None or not 1900 <= when.year <= 9999:
        raise ValueError(RULE)
    if due.moment is not None and due.moment.tzinfo is not None:
        bounded_timestamp(due.moment)
    return due


def shown(due_at: datetime | None, due_date: date | None) -> str | None:
    """The API's form: the date of an all-day task, else the instant in UTC (`...Z`)."""
    if due_date is not None:
        return due_date.isoformat()
    if due_at is None:
        return None
    return due_at.astimezone(UTC).isoformat().replace("+00:00", "Z")


DueInput = Annotated[
    Due,
    BeforeValidator(parse),
    WithJsonSchema({"type": "string", "description": RULE}),
]
