"""How the pages word and mark due dates (todo.web.views): pure functions of a row and the
user's clock, so these need no browser."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from todo.tasks.quickadd import parse
from todo.web import views

PARIS = ZoneInfo("Europe/Paris")
# Saturday 28 March 2026, 23:30 in Paris: clocks go forward (CET to CEST) in a few hours.
CLOCK = views.Clock.of(PARIS, datetime(2026, 3, 28, 23, 30, tzinfo=PARIS))


def row(**fields: Any) -> dict[str, Any]:
    return {"completed": False, "due_at": None, "due_date": None, "priority": 0, "tags": []} | (
        fields
    )


def all_day(day: date) -> dict[str, Any]:
    """An all-day task as stored: due_at at the start of the day in the user's zone."""
    return row(due_date=day, due_at=datetime.combine(day, time(), PARIS))


def test_an_all_day_task_is_overdue_from_the_next_day_a_timed_one_from_its_minute() -> None:
    assert not views.is_overdue(all_day(date(2026, 3, 28)), CLOCK)  # due today: not yet
    assert views.is_overdue(all_day(date(2026, 3, 27)), CLOCK)
    assert views.is_overdue(row(due_at=datetime(2026, 3, 28, 22, 29, tzinfo=UTC)), CLOCK)
    assert not views.is_overdue(row(due_at=datetime(2026, 3, 28, 22, 31, tzinfo=UTC)), CLOCK)
    done = all_day(date(2026, 3, 1)) | {"completed": True}
    assert not views.is_overdue(done, CLOCK)
    assert not views.is_overdue(row(), CLOCK)


def test_labels_are_in_the_users_zone_and_all_day_dates_never_move() -> None:
    # 23:30 UTC on the 28th is already the 29th in Paris (UTC+1 until 01:00 UTC, +2 after).
    timed = views.shown(row(due_at=datetime(2026, 3, 28, 23, 30, tzinfo=UTC), priority=3), CLOCK)
    assert (timed["due_label"], timed["due_iso"]) == ("Tomorrow 00:30", "2026-03-29T00:30")
    later = views.shown(row(due_at=datetime(2026, 3, 29, 1, 30, tzinfo=UTC)), CLOCK)
    assert later["due_label"] == "Tomorrow 03:30"
    assert timed["priority_name"] == "high"
    # An all-day date is the date stored, whatever the offset of its midnight.
    shown = views.shown(all_day(date(2026, 3, 29)), CLOCK)
    assert (shown["due_label"], shown["due_iso"]) == ("Tomorrow", "2026-03-29")
    assert views.shown(all_day(date(2026, 3, 27)), CLOCK)["due_label"] == "Yesterday"
    assert views.shown(all_day(date(2026, 4, 3)), CLOCK)["due_label"] == "Fri 3 Apr"
    assert views.shown(all_day(date(2027, 4, 3)), CLOCK)["due_label"] == "Sat 3 Apr 2027"
    assert views.shown(row(), CLOCK)["due_label"] is None


def test_upcoming_puts_each_task_on_its_users_day() -> None:
    days = [date(2026, 3, 28 + n) for n in range(3)]
    rows = [
        all_day(date(2026, 3, 29)),
        row(due_at=datetime(2026, 3, 29, 22, 30, tzinfo=UTC)),  # 00:30 on the 30th in Paris
        all_day(date(2026, 4, 20)),  # not among the days: left out
    ]
    grouped = views.upcoming_days(days, rows, CLOCK)
    assert [day.label for day in grouped] == [
        "Today · Saturday 28 March",
        "Tomorrow · Sunday 29 March",
        "Monday 30 March",
    ]
    assert [len(day.tasks) for day in grouped] == [0, 1, 1]
    assert grouped[2].tasks[0]["due_label"] == "Mon 30 Mar 00:30"


def test_what_a_quick_add_understood_in_words() -> None:
    parsed = parse("Call dentist tomorrow 3pm !high #health #Teeth", today=CLOCK.today)
    assert views.understood(parsed, CLOCK) == [
        "Due Tomorrow 15:00",
        "High priority",
        "#health",
        "#Teeth",
    ]
    assert views.understood(parse("Buy milk !none", today=CLOCK.today), CLOCK) == []
