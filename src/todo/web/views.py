"""How the pages show due dates, priorities and tags in the user's time zone: the labels, the
overdue mark, Upcoming's days, and what a quick-add line was understood to say.

Pure functions of a task row and the user's clock, so every page (and the quick-add preview)
words a due date the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from todo.db import Row
from todo.tasks.quickadd import QuickAdd

PRIORITY_NAMES = ("none", "low", "medium", "high")  # the stored smallint is the index
PRIORITY_LABELS = {"low": "Low priority", "medium": "Medium priority", "high": "High priority"}


@dataclass(frozen=True)
class Clock:
    """The user's present: their time zone and the moment, for "today" and "overdue"."""

    zone: ZoneInfo
    now: datetime

    @classmethod
    def of(cls, zone: ZoneInfo, now: datetime | None = None) -> Clock:
        return cls(zone=zone, now=(now or datetime.now(zone)).astimezone(zone))

    @property
    def today(self) -> date:
        return self.now.date()


def due_day(row: Row, zone: ZoneInfo) -> date | None:
    """The calendar day a task is due on for its user: the date itself for an all-day task,
    the instant's day in their zone for a timed one."""
    if row.get("due_date") is not None:
        day: date = row["due_date"]
        return day
    if row.get("due_at") is not None:
        return row["due_at"].astimezone(zone).date()  # type: ignore[no-any-return]
    return None


def is_overdue(row: Row, clock: Clock) -> bool:
    """Open and past due: an all-day task from the day after, a timed one from its minute."""
    if row.get("completed") or row.get("due_at") is None:
        return False
    if row.get("due_date") is not None:
        return bool(row["due_date"] < clock.today)
    return bool(row["due_at"] < clock.now)


def day_label(day: date, clock: Clock) -> str:
    """ "Today", "Tomorrow", "Yesterday", or a short date ("Fri 4 Dec", with the year when it
    is not this year's)."""
    names = {0: "Today", 1: "Tomorrow", -1: "Yesterday"}
    offset = (day - clock.today).days
    if offset in names:
        return names[offset]
    label = f"{day:%a} {day.day} {day:%b}"
    return label if day.year == clock.today.year else f"{label} {day.year}"


def due_label(day: date | None, at: time | None, clock: Clock) -> str | None:
    """A due date as shown: the day's label, and the time for a timed task."""
    if day is None:
        return None
    return day_label(day, clock) + (f" {at:%H:%M}" if at is not None else "")


def shown(row: Row, clock: Clock) -> dict[str, Any]:
    """A task row with what its list item shows: due label and ISO value, overdue mark,
    priority name and tags (as the service returns them, sorted by name)."""
    day = due_day(row, clock.zone)
    at = None
    if row.get("due_date") is None and row.get("due_at") is not None:
        at = row["due_at"].astimezone(clock.zone).time()
    iso = None
    if day is not None:
        iso = day.isoformat() if at is None else f"{day.isoformat()}T{at:%H:%M}"
    return {
        **row,
        "due_label": due_label(day, at, clock),
        "due_iso": iso,
        "overdue": is_overdue(row, clock),
        "priority_name": priority_name(row.get("priority")),
        "tags": list(row.get("tags") or []),
    }


def priority_name(value: Any) -> str:
    """The API's priority name for a stored value (a name already, or the smallint)."""
    if isinstance(value, str) and value in PRIORITY_NAMES:
        return value
    if isinstance(value, int) and 0 <= value < len(PRIORITY_NAMES):
        return PRIORITY_NAMES[value]
    return "none"


@dataclass
class Day:
    """One day of Upcoming with its tasks."""

    day: date
    label: str
    tasks: list[dict[str, Any]] = field(default_factory=list)


def upcoming_days(days: list[date], rows: list[Row], clock: Clock) -> list[Day]:
    """Upcoming's `days`, each with its tasks (every day shown, empty ones too)."""
    grouped = {day: Day(day=day, label=_long_label(day, clock)) for day in days}
    for row in rows:
        day = due_day(row, clock.zone)
        if day in grouped:
            grouped[day].tasks.append(shown(row, clock))
    return list(grouped.values())


def _long_label(day: date, clock: Clock) -> str:
    near = day_label(day, clock)
    full = f"{day:%A} {day.day} {day:%B}"
    return f"{near} · {full}" if near in ("Today", "Tomorrow") else full


def parts_of(task: dict[str, Any]) -> list[str]:
    """A shown task's due date, priority and tags in words (what a quick add saved)."""
    parts = [f"Due {task['due_label']}"] if task["due_label"] else []
    if task["priority_name"] != "none":
        parts.append(PRIORITY_LABELS[task["priority_name"]])
    return parts + [f"#{tag['name']}" for tag in task["tags"]]


def understood(parsed: QuickAdd, clock: Clock) -> list[str]:
    """What a quick-add line was read to say besides its title, in words."""
    return parts_of(
        {
            "due_label": due_label(parsed.due_date, parsed.due_time, clock),
            "priority_name": parsed.priority or "none",
            "tags": [{"name": tag} for tag in parsed.tags],
        }
    )
