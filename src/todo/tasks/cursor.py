"""The keyset cursor of a task listing: where a page ended, as an opaque URL-safe token.

A token holds the listing it was made for (sort, order, completed filter) and the last row's
sort value and id, so the next page starts strictly after that row whatever was inserted or
deleted meanwhile. It is not signed: nothing in it is trusted. It only positions a page inside
the caller's own tasks (the statement is scoped by user and by row-level security), so a token
edited by hand or made by someone else can at most start a page elsewhere in the caller's own
list. Anything that is not a well-formed token for this very listing is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, get_args
from uuid import UUID

from todo import inputs
from todo.db import Row
from todo.errors import InvalidParameter
from todo.tasks.models import TITLE_MAX
from todo.tasks.repository import (
    LIST_SORTS,
    Keyset,
    ListOptions,
    ListSort,
    SortOrder,
    keyset_of,
)

# A token for the longest title, every character escaped, stays well below this.
TOKEN_MAX = 2048
_MALFORMED = "is not a cursor this listing gave out; start again without one"
_TIMESTAMPS = {"created_at", "updated_at", "due_at"}


@dataclass(frozen=True)
class Scope:
    """The listing a cursor belongs to: a cursor is valid only with the same sort, order,
    completed filter and other filters (`filters`, a digest of them)."""

    sort: ListSort
    order: SortOrder
    completed: bool | None
    filters: str = ""


def scope_of(options: ListOptions) -> Scope:
    """The scope of a listing with these options."""
    others = [
        options.priority,
        sorted({tag.lower() for tag in options.tags}),
        _shown(options.due_before),
        _shown(options.due_after),
        options.overdue,
        options.search,
    ]
    digest = ""
    if any(value not in (None, []) for value in others):
        canonical = json.dumps(others, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return Scope(options.order_by, options.order, options.completed, digest)


def _shown(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def encode(row: Row, scope: Scope) -> str:
    """The token for "after this row" in this listing."""
    keyset = keyset_of(row, scope.sort)
    raw = json.dumps(
        [
            scope.sort,
            scope.order,
            scope.completed,
            [_shown(value) for value in keyset.values],
            str(keyset.id),
            scope.filters,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _refuse(message: str) -> InvalidParameter:
    return InvalidParameter("Invalid cursor", details={"cursor": [message]})


def _fields(token: str) -> list[Any]:
    if not token or len(token) > TOKEN_MAX:
        raise _refuse(_MALFORMED)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        fields = inputs.json_document(raw)
    except (binascii.Error, ValueError):  # BadInput and UnicodeDecodeError included
        raise _refuse(_MALFORMED) from None
    if (
        not isinstance(fields, list)
        or len(fields) != 6
        or fields[0] not in LIST_SORTS
        or fields[1] not in get_args(SortOrder)
        or not isinstance(fields[3], list)
        or not isinstance(fields[5], str)
    ):
        raise _refuse(_MALFORMED)
    return fields


def _timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("not a timestamp")
    return inputs.bounded_timestamp(datetime.fromisoformat(value))


def _values(sort: str, values: list[object]) -> tuple[Any, ...]:
    """The sort values of a token, checked against the sort's kinds."""
    if sort == "title":
        (title,) = values
        if not isinstance(title, str) or not 0 < len(title) <= TITLE_MAX:
            raise ValueError("not a title")
        return (title,)
    if sort in _TIMESTAMPS:
        (moment,) = values
        if sort == "due_at" and moment is None:  # an undated task
            return (None,)
        return (_timestamp(moment),)
    lead, created_at = values
    if sort == "priority":
        if type(lead) is not int or not 0 <= lead <= 3:
            raise ValueError("not a priority")
    elif type(lead) not in (int, float):  # relevance: a rank
        raise ValueError("not a rank")
    return (lead, _timestamp(created_at))


def decode(token: str, scope: Scope) -> Keyset:
    """The keyset inside `token`, which must have been made for `scope`; InvalidParameter
    otherwise, saying why."""
    sort, order, completed, values, row_id, filters = _fields(token)
    if (sort, order) != (scope.sort, scope.order):
        raise _refuse(
            f"was made for sort={sort} and order={order}; list with those, or start again "
            "without a cursor"
        )
    if completed is not scope.completed:
        raise _refuse(
            "was made for another completed filter; list with the same one, or start again "
            "without a cursor"
        )
    if filters != scope.filters:
        raise _refuse(
            "was made for other filters; list with the same ones, or start again without a cursor"
        )
    try:
        return Keyset(values=_values(scope.sort, values), id=UUID(str(row_id)))
    except (ValueError, TypeError, OverflowError):
        raise _refuse(_MALFORMED) from None
