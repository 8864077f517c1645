"""Input decoded and bounded at one depth: what every front door accepts, checked once.

Text anywhere in a request (the path, the query string, a form, a JSON body, an imported file)
must be valid UTF-8 with no NUL character (PostgreSQL text cannot hold one) and no lone UTF-16
surrogate (it cannot be encoded at all). JSON must be well-formed, nested at most
`MAX_JSON_DEPTH` deep, and name each key of an object once (parsers disagree about duplicates,
so they are refused, not guessed). Timestamps must lie within `TIMESTAMP_MIN` and
`TIMESTAMP_MAX`, a range Python and PostgreSQL both hold even after moving to any time zone.
The edge middleware applies these to every request; services apply them to what arrives
another way (an uploaded file, a cursor).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qsl

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, WithJsonSchema

MAX_JSON_DEPTH = 32
# A day inside Python's datetime range at both ends, so that showing a stored moment in any
# time zone (UTC-12 to UTC+14) never overflows; PostgreSQL's range is far wider.
TIMESTAMP_MIN = datetime(1, 1, 2, tzinfo=UTC)
TIMESTAMP_MAX = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)
MAX_OFFSET = timedelta(hours=15, minutes=59, seconds=59)  # PostgreSQL's limit (real ones: 14 h)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BadInput(ValueError):
    """Input that no route could use: `where` is `path`, `query`, `body` or the path of a value
    inside a JSON body (`ops.0.title`); `malformed` when the body is not JSON at all."""

    def __init__(self, where: str, message: str, *, malformed: bool = False) -> None:
        super().__init__(message)
        self.where = where
        self.message = message
        self.malformed = malformed


def check_text(value: str, where: str) -> str:
    """`value`, if it holds no NUL and no lone surrogate."""
    if not value.isascii() or "\x00" in value:
        found = _UNSTORABLE.search(value)
        if found is not None:
            kind = "a NUL character" if found.group() == "\x00" else "an unpaired surrogate"
            raise BadInput(where, f"text must not contain {kind}")
    return value


def not_blank(value: str) -> str:
    """`value`, unless it is empty or only whitespace (a pydantic validator)."""
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


def storable(value: str) -> str:
    """`value`, unless it holds a NUL (a pydantic validator)."""
    # PostgreSQL text cannot hold NUL; refusing it here keeps it a 400, not a database error.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


# The published schemas say what the validators enforce: no NUL anywhere and, for a name or
# title, at least one character that is not whitespace.
NO_NUL = "^[^\\u0000]*$"
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


def urlencoded(raw: bytes, where: str) -> list[tuple[str, str]]:
    """The pairs of a query string or an urlencoded form, each name and value checked."""
    try:
        pairs = parse_qsl(
            raw.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError:
        raise BadInput(where, "must be percent-encoded UTF-8") from None
    for name, value in pairs:
        check_text(name, where)
        check_text(value, where)
    return pairs


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise BadInput("body", f"the key {json.dumps(key)} appears more than once")
            seen.add(key)
    return result


def _check_tree(root: Any) -> None:
    # Iterative, so a deep document costs no Python recursion. Problems are reported at the
    # path of the value (`ops.0.title`), as validation errors are.
    stack: list[tuple[Any, tuple[str, ...]]] = [(root, ())]
    while stack:
        value, path = stack.pop()
        where = ".".join(path) or "body"
        if isinstance(value, str):
            check_text(value, where)
            continue
        if not isinstance(value, dict | list):
            continue
        if len(path) >= MAX_JSON_DEPTH:
            raise BadInput(where, f"JSON must not be nested more than {MAX_JSON_DEPTH} deep")
        if isinstance(value, dict):
            for key, item in value.items():
                check_text(key, ".".join((*path, key)))
                stack.append((item, (*path, key)))
        else:
            stack.extend((item, (*path, str(index))) for index, item in enumerate(value))


def json_document(raw: bytes) -> Any:
    """The JSON value in `raw`, decoded and checked (BadInput otherwise)."""
    try:
        value = json.loads(raw, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise BadInput("body", f"JSON must not be nested more than {MAX_JSON_DEPTH} deep") from None
    except UnicodeDecodeError:
        raise BadInput("body", "JSON must be UTF-8", malformed=True) from None
    except json.JSONDecodeError as error:
        message = f"not valid JSON: {error.msg} at position {error.pos}"
        raise BadInput("body", message, malformed=True) from None
    _check_tree(value)
    return value


def bounded_timestamp(moment: datetime) -> datetime:
    """`moment` (time-zone aware, its offset one PostgreSQL accepts) if it lies within
    TIMESTAMP_MIN and TIMESTAMP_MAX."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("must include a time zone offset")
    if abs(offset) > MAX_OFFSET:
        raise ValueError("its time zone offset must lie between -15:59 and +15:59")
    try:
        in_utc = moment.astimezone(UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or not TIMESTAMP_MIN <= in_utc <= TIMESTAMP_MAX:
        low, high = TIMESTAMP_MIN.date().isoformat(), TIMESTAMP_MAX.date().isoformat()
        raise ValueError(f"must lie between {low} and {high} (UTC)")
    return moment


# RFC 3339's date-time (what `format: date-time` means), with an offset PostgreSQL accepts and
# the days at the ends of the range left out: any moment written so lies within it, whatever
# its offset. The OpenAPI document publishes this very pattern.
TIMESTAMP_PATTERN = (
    r"^(?!0000-|0001-01-0[12][Tt]|9999-12-3[01][Tt])"
    r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]"
    r":[0-5][0-9](\.[0-9]+)?([Zz]|[+-](0[0-9]|1[0-5]):[0-5][0-9])$"
)
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)
TIMESTAMP_RULE = (
    "must be an RFC 3339 date-time with a time zone (such as 2026-12-01T09:30:00Z), from "
    "0001-01-03 to 9999-12-29"
)


def _rfc3339(value: Any) -> Any:
    # pydantic alone would also take "2026-12-01 09:30Z" or seconds since 1970: more than a
    # document's date-time means, and more than the published schema allows.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        raise ValueError(TIMESTAMP_RULE)
    return value


Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339),
    AfterValidator(bounded_timestamp),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN}),
]
"""A time-zone aware moment within the range every part of the service can hold."""
