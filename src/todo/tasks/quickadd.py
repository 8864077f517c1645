"""Quick add: a task typed as one line, with a trailing due date, priority and tags.

"Call dentist tomorrow 3pm !high #health" is the task "Call dentist", due tomorrow at 15:00 (in
the user's time zone), of high priority, tagged "health". Only the end of the line is read, one
word (or short phrase) at a time from the right, and reading stops at the first word that is
none of these; the first word always stays in the title, so "Today" alone is a title. A part
appears once (a second date ends the reading: "Meet today tomorrow" is "Meet today", due
tomorrow); tags may repeat.

The parser is pure: the caller gives the day it is for the user (`today`, in their time zone),
and gets back the parts, so a page can show what was understood before anything is saved.

What it understands (case-insensitive):
- dates: `today`, `tomorrow`, a weekday (`friday`: the first one after today), `next friday`
  (the Friday of next week, weeks starting on Monday), `dec 5` / `5 december` (the next such
  day, this year or next) optionally with a year (`dec 5 2027`), and `2026-12-05`; `on` before a
  date is part of it;
- times: `3pm`, `3:30 pm`, `15:00`, `noon`; `at` before a time is part of it; a time without a
  date is today;
- priority: `!low`, `!medium`, `!high`, `!none`, or Todoist's numbers `!1` (high), `!2`
  (medium), `!3` (low), `!4` (none);
- tags: `#name` (anything up to the next space; repeated names count once).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from dateutil import parser as date_parser
from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta, weekday

Priority = Literal["none", "low", "medium", "high"]

PRIORITIES: dict[str, Priority] = {
    "none": "none",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "1": "high",
    "2": "medium",
    "3": "low",
    "4": "none",
}
WEEKDAYS: dict[str, weekday] = {
    "monday": MO,
    "tuesday": TU,
    "wednesday": WE,
    "thursday": TH,
    "friday": FR,
    "saturday": SA,
    "sunday": SU,
}
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:[1-9]|[12]\d|3[01])"
_MONTH_DAY = re.compile(rf"(?:{_MONTH} {_DAY}|{_DAY} {_MONTH})(?P<year> \d{{4}})?", re.IGNORECASE)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK_12 = re.compile(r"(?P<hour>1[0-2]|0?[1-9])(?::(?P<minute>[0-5]\d))? ?(?P<half>am|pm)")
_CLOCK_24 = re.compile(r"(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)")
_LONGEST_PHRASE = 3  # words: "dec 5 2027", "3:30 pm" with "at"


@dataclass(frozen=True)
class QuickAdd:
    """What a quick-add line says: the title and whichever trailing parts it had."""

    title: str
    due_date: date | None = None
    due_time: time | None = None  # None: all day (when due_date is set)
    priority: Priority | None = None  # None: not said
    tags: tuple[str, ...] = ()

    @property
    def due_at(self) -> date | datetime | None:
        """The due date as the task service takes it: a date (all day) or a wall-clock
        date-time without offset (in the user's time zone)."""
        if self.due_date is None:
            return None
        if self.due_time is None:
            return self.due_date
        return datetime.combine(self.due_date, self.due_time)

    @property
    def understood(self) -> bool:
        """True when anything besides the title was read."""
        return self.due_date is not None or self.priority is not None or bool(self.tags)


@dataclass
class _Found:
    due_date: date | None = None
    due_time: time | None = None
    priority: Priority | None = None
    tags: list[str] | None = None


def parse(text: str, *, today: date) -> QuickAdd:
    """The parts of a quick-add line; `today` is the user's current day (their time zone)."""
    words = [(match.start(), match.group()) for match in re.finditer(r"\S+", text)]
    found = _Found(tags=[])
    end = len(words)
    while end > 1:
        taken = _take(found, [word for _, word in words[1:end]], today)
        if not taken:
            break
        end -= taken
    title = text[: words[end][0]].strip() if end < len(words) else text.strip()
    if found.due_time is not None and found.due_date is None:
        found.due_date = today
    tags = _unique(reversed(found.tags or []))
    return QuickAdd(title, found.due_date, found.due_time, found.priority, tags)


def _take(found: _Found, words: list[str], today: date) -> int:
    """How many of the last `words` make one part (recorded in `found`); 0 if none do."""
    last = words[-1]
    if last.startswith("#") and len(last) > 1 and found.tags is not None:
        found.tags.append(last[1:])
        return 1
    if last.startswith("!") and last[1:].lower() in PRIORITIES and found.priority is None:
        found.priority = PRIORITIES[last[1:].lower()]
        return 1
    for size in range(min(_LONGEST_PHRASE, len(words)), 0, -1):
        phrase = " ".join(words[-size:]).lower()
        if found.due_time is None and (clock := _time(phrase)) is not None:
            found.due_time = clock
            return size + _connector(words, size, "at")
        if found.due_date is None and (day := _date(phrase, today)) is not None:
            found.due_date = day
            return size + _connector(words, size, "on")
    return 0


def _connector(words: list[str], size: int, connector: str) -> int:
    """1 when the word before the phrase is `connector` (and not the title's first word)."""
    return int(len(words) > size and words[-size - 1].lower() == connector)


def _time(phrase: str) -> time | None:
    if phrase == "noon":
        return time(12, 0)
    if match := _CLOCK_12.fullmatch(phrase):
        hour = int(match["hour"]) % 12 + (12 if match["half"] == "pm" else 0)
        return time(hour, int(match["minute"] or 0))
    if match := _CLOCK_24.fullmatch(phrase):
        return time(int(match["hour"]), int(match["minute"]))
    return None


def _date(phrase: str, today: date) -> date | None:
    if phrase == "today":
        return today
    if phrase == "tomorrow":
        return today + timedelta(days=1)
    if phrase in WEEKDAYS:
        return today + relativedelta(days=1, weekday=WEEKDAYS[phrase])
    if phrase.startswith("next ") and phrase[5:] in WEEKDAYS:
        next_monday = today + timedelta(days=7 - today.weekday())
        return next_monday + relativedelta(weekday=WEEKDAYS[phrase[5:]])
    if _ISO_DATE.fullmatch(phrase):
        try:
            return date.fromisoformat(phrase)
        except ValueError:
            return None
    if match := _MONTH_DAY.fullmatch(phrase):
        return _month_day(phrase, today, has_year=match["year"] is not None)
    return None


def _month_day(phrase: str, today: date, *, has_year: bool) -> date | None:
    """ "dec 5" as a date: with its year as given, else the next such day from today on (a
    29 February waits for a leap year)."""
    years = [today.year] if has_year else [today.year + ahead for ahead in range(9)]
    for year in years:
        try:
            day = date_parser.parse(phrase, default=datetime(year, 1, 1)).date()
        except (ValueError, OverflowError):
            continue
        if has_year or day >= today:
            return day
    return None


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    """Names in order, each once (compared case-insensitively, as tag names are)."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.casefold(), name)
    return tuple(seen.values())
