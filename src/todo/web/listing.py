"""What a task page shows: its filter and order, parsed from and written to URLs (its page is
the task listing's cursor)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from todo.tasks.repository import SortField, SortOrder

Filter = Literal["all", "active", "completed"]
FILTERS: tuple[Filter, ...] = get_args(Filter)
FILTER_PATHS: dict[Filter, str] = {"all": "/", "active": "/active", "completed": "/completed"}
SORT_FIELDS: tuple[SortField, ...] = get_args(SortField)
SORT_ORDERS: tuple[SortOrder, ...] = get_args(SortOrder)
DEFAULT_SORT: SortField = "created_at"
DEFAULT_ORDER: SortOrder = "desc"


@dataclass(frozen=True)
class Ordering:
    sort: SortField = DEFAULT_SORT
    order: SortOrder = DEFAULT_ORDER


def completed_for(view: Filter) -> bool | None:
    """The `completed` value a filter selects (None: every task)."""
    return {"all": None, "active": False, "completed": True}[view]


def parse_ordering(sort: str | None, order: str | None) -> Ordering | None:
    """The ordering named by query parameters (API names and defaults); None if none given.

    Unknown values fall back to the defaults rather than failing: a stale bookmark still works.
    """
    if not sort and not order:
        return None
    return Ordering(
        sort=next((field for field in SORT_FIELDS if field == sort), DEFAULT_SORT),
        order=next((value for value in SORT_ORDERS if value == order), DEFAULT_ORDER),
    )
