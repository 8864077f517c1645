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
import json
from dataclasses import dataclass
from datetime import datetime
from typing import get_args
from uuid import UUID

from todo import inputs
from todo.db import Row
from todo.errors import InvalidParameter
from todo.tasks.models import TITLE_MAX
from todo.tasks.repository import Keyset, SortField, SortOrder

# A token for the longest title, every character escaped, stays well below this.
TOKEN_MAX = 2048
_MALFORMED = "is not a cursor this listing gave out; start again without one"


@dataclass(frozen=True)
class Scope:
    """The listing a cursor belongs to: a cursor is valid only with the same three."""

    sort: SortField
    order: SortOrder
    completed: bool | None


def encode(row: Row, scope: Scope) -> str:
    """The token for "after this row" in this listing."""
    value = row[scope.sort]
    shown = value.isoformat() if isinstance(value, datetime) else value
    raw = json.dumps(
        [scope.sort, scope.order, scope.completed, shown, str(row["id"])],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _refuse(message: str) -> InvalidParameter:
    return InvalidParameter("Invalid cursor", details={"cursor": [message]})


def _fields(token: str) -> list[object]:
    if not token or len(token) > TOKEN_MAX:
        raise _refuse(_MALFORMED)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        fields = inputs.json_document(raw)
    except (binascii.Error, ValueError):  # BadInput and UnicodeDecodeError included
        raise _refuse(_MALFORMED) from None
    if (
        not isinstance(fields, list)
        or len(fields) != 5
        or fields[0] not in get_args(SortField)
        or fields[1] not in get_args(SortOrder)
    ):
        raise _refuse(_MALFORMED)
    return fields


def _value(sort: str, value: object) -> datetime | str:
    if sort == "title":
        if not isinstance(value, str) or not 0 < len(value) <= TITLE_MAX:
            raise ValueError("not a title")
        return value
    if not isinstance(value, str):
        raise ValueError("not a timestamp")
    return inputs.bounded_timestamp(datetime.fromisoformat(value))


def decode(token: str, scope: Scope) -> Keyset:
    """The keyset inside `token`, which must have been made for `scope`; InvalidParameter
    otherwise, saying why."""
    sort, order, completed, value, row_id = _fields(token)
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
    try:
        return Keyset(value=_value(scope.sort, value), id=UUID(str(row_id)))
    except (ValueError, TypeError, OverflowError):
        raise _refuse(_MALFORMED) from None
