"""What a task page shows: its filter, order and page, parsed from and written to URLs."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args
from uuid import UUID

from todo import inputs
from todo.db import Row
from todo.tasks.repository import SortField, SortOrder
from todo.web.repository import Cursor

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


def encode_cursor(row: Row, sort: SortField) -> str:
    """An opaque, URL-safe token for "after this row" in this sort."""
    value = row[sort]
    raw = json.dumps([value.isoformat() if isinstance(value, datetime) else value, str(row["id"])])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str | None, sort: SortField) -> Cursor | None:
    """The cursor inside a token; None when absent or unreadable (the page starts at the top)."""
    if not token:
        return None
    try:
        value, row_id = inputs.json_document(
            base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        )
        if sort == "title":
            return Cursor(value=inputs.check_text(str(value), "after"), id=UUID(row_id))
        moment = inputs.bounded_timestamp(datetime.fromisoformat(value))
        return Cursor(value=moment, id=UUID(row_id))
    except (binascii.Error, ValueError, TypeError):  # BadInput and UnicodeDecodeError included
        return None
