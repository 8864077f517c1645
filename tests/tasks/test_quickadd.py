"""The quick-add parser: what each line means, read on a fixed day (Tuesday 1 December 2026)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from todo.tasks.quickadd import QuickAdd, parse

TUESDAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The example, and the parts in any order.
        (
            "Call dentist tomorrow 3pm !high #health",
            QuickAdd("Call dentist", date(2026, 12, 2), time(15), "high", ("health",)),
        ),
        (
            "Call dentist #health !high 3pm tomorrow",
            QuickAdd("Call dentist", date(2026, 12, 2), time(15), "high", ("health",)),
        ),
        # Nothing to read: the line is the title, trimmed.
        ("  Buy milk  ", QuickAdd("Buy milk")),
        ("Read chapter 5", QuickAdd("Read chapter 5")),
        # Dates.
        ("Pay rent today", QuickAdd("Pay rent", TUESDAY)),
        ("Pay rent TOMORROW", QuickAdd("Pay rent", date(2026, 12, 2))),
        ("Gym friday", QuickAdd("Gym", date(2026, 12, 4))),
        ("Gym tuesday", QuickAdd("Gym", date(2026, 12, 8))),  # today is Tuesday: the next one
        ("Gym monday", QuickAdd("Gym", date(2026, 12, 7))),
        ("Gym next friday", QuickAdd("Gym", date(2026, 12, 11))),  # the Friday of next week
        ("Gym next monday", QuickAdd("Gym", date(2026, 12, 7))),
        ("Gym next sunday", QuickAdd("Gym", date(2026, 12, 13))),
        ("Work on monday", QuickAdd("Work", date(2026, 12, 7))),
        ("Party dec 5", QuickAdd("Party", date(2026, 12, 5))),
        ("Party 5 December", QuickAdd("Party", date(2026, 12, 5))),
        ("Party Nov 30", QuickAdd("Party", date(2027, 11, 30))),  # passed this year: next year
        ("Party dec 1", QuickAdd("Party", TUESDAY)),
        ("Party dec 5 2027", QuickAdd("Party", date(2027, 12, 5))),
        ("Party sept 5", QuickAdd("Party", date(2027, 9, 5))),
        ("Leap feb 29", QuickAdd("Leap", date(2028, 2, 29))),
        ("Party 2026-12-05", QuickAdd("Party", date(2026, 12, 5))),
        ("Party on 2027-01-31", QuickAdd("Party", date(2027, 1, 31))),
        # Not dates: they stay in the title.
        ("Party feb 30", QuickAdd("Party feb 30")),
        ("Party 2026-02-30", QuickAdd("Party 2026-02-30")),
        ("Party dec 32", QuickAdd("Party dec 32")),
        ("Sunday", QuickAdd("Sunday")),  # the first word is always the title
        ("Watch Friday Night Lights", QuickAdd("Watch Friday Night Lights")),
        # Times: a time alone is today.
        ("Call 3pm", QuickAdd("Call", TUESDAY, time(15))),
        ("Call at 3:30 pm", QuickAdd("Call", TUESDAY, time(15, 30))),
        ("Call 12am tomorrow", QuickAdd("Call", date(2026, 12, 2), time(0))),
        ("Call 12pm", QuickAdd("Call", TUESDAY, time(12))),
        ("Call 09:05", QuickAdd("Call", TUESDAY, time(9, 5))),
        ("Lunch at noon friday", QuickAdd("Lunch", date(2026, 12, 4), time(12))),
        ("Call 24:00", QuickAdd("Call 24:00")),
        ("Call 13pm", QuickAdd("Call 13pm")),
        # Priorities, by name or Todoist's number.
        ("Fix bug !low", QuickAdd("Fix bug", priority="low")),
        ("Fix bug !MEDIUM", QuickAdd("Fix bug", priority="medium")),
        ("Fix bug !1", QuickAdd("Fix bug", priority="high")),
        ("Fix bug !2", QuickAdd("Fix bug", priority="medium")),
        ("Fix bug !3", QuickAdd("Fix bug", priority="low")),
        ("Fix bug !none", QuickAdd("Fix bug", priority="none")),
        ("Fix bug !urgent", QuickAdd("Fix bug !urgent")),
        ("Fix bug !", QuickAdd("Fix bug !")),
        # Tags: in the order written, each once however it is cased.
        ("Plan #work #Q4", QuickAdd("Plan", tags=("work", "Q4"))),
        ("Plan #work #WORK #home", QuickAdd("Plan", tags=("work", "home"))),
        ("Plan #", QuickAdd("Plan #")),
        ("Plan #café", QuickAdd("Plan", tags=("café",))),
        # Only the end is read: a part before an ordinary word stays in the title.
        ("Buy #milk at the shop", QuickAdd("Buy #milk at the shop")),
        ("Meet today tomorrow", QuickAdd("Meet today", date(2026, 12, 2))),
        ("Call 3pm 4pm", QuickAdd("Call 3pm", TUESDAY, time(16))),
        ("Fix !high !low", QuickAdd("Fix !high", priority="low")),
        # Connectors belong to the part only when one follows.
        ("Look at", QuickAdd("Look at")),
        ("Turn lights on", QuickAdd("Turn lights on")),
        # Whitespace inside the title is kept as typed.
        ("Call  the   dentist tomorrow", QuickAdd("Call  the   dentist", date(2026, 12, 2))),
    ],
)
def test_parse(text: str, expected: QuickAdd) -> None:
    assert parse(text, today=TUESDAY) == expected


def test_the_day_is_the_callers() -> None:
    # The same words on another day (a Sunday in a leap year's February).
    sunday = date(2028, 2, 27)
    assert parse("Go tomorrow", today=sunday).due_date == date(2028, 2, 28)
    assert parse("Go feb 29", today=sunday).due_date == date(2028, 2, 29)
    assert parse("Go sunday", today=sunday).due_date == date(2028, 3, 5)
    assert parse("Go next monday", today=sunday).due_date == date(2028, 2, 28)
    assert parse("Go next sunday", today=sunday).due_date == date(2028, 3, 5)
    assert parse("Go 3pm", today=sunday).due_date == sunday


def test_due_at_is_what_the_task_service_takes() -> None:
    assert parse("Call", today=TUESDAY).due_at is None
    assert parse("Call today", today=TUESDAY).due_at == TUESDAY
    assert parse("Call today 3pm", today=TUESDAY).due_at == datetime(2026, 12, 1, 15)


def test_understood_says_whether_anything_but_the_title_was_read() -> None:
    assert not parse("Buy milk", today=TUESDAY).understood
    assert parse("Buy milk #home", today=TUESDAY).understood
    assert parse("Buy milk !low", today=TUESDAY).understood
    assert parse("Buy milk today", today=TUESDAY).understood
