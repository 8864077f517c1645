"""Conditional requests (RFC 9110 section 13): ETags, If-Match and If-None-Match.

An ETag is strong and opaque: the quoted `version` a repository returns with a row. Clients
compare ETags, never read them. If-Match is compared strongly (a weak tag never matches);
If-None-Match weakly, as RFC 9110 says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from todo.api import envelope
from todo.errors import InvalidParameter

IF_MATCH, IF_NONE_MATCH = "If-Match", "If-None-Match"

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E (obs-text is obsolete,
# and a comma would be taken for the list's separator: neither is accepted, nor ever issued).
_ETAGC = r"[\x21\x23-\x2b\x2d-\x7e]"
_ENTITY_TAG = re.compile(rf'[ \t]*(W/)?"({_ETAGC}*)"[ \t]*')
_TAG = rf'[ \t]*(W/)?"{_ETAGC}*"[ \t]*'
TAGS_PATTERN = rf"^([ \t]*\*[ \t]*|([ \t]*,)*{_TAG}(,({_TAG}|[ \t]*))*)$"
"""What `parse` accepts, for the OpenAPI document: `*`, or a list of tags (RFC 9110 lists may
hold empty elements)."""
TAGS_FORMAT = "entity-tags"
"""The document's name for that syntax (RFC 9110's If-Match / If-None-Match field value)."""


@dataclass(frozen=True)
class EntityTags:
    """A parsed If-Match or If-None-Match: `*`, or the tags listed (opaque values)."""

    any: bool
    strong: frozenset[str]
    weak: frozenset[str]


def etag(version: str) -> str:
    """The ETag header value for a version."""
    return f'"{version}"'


def parse(value: str, *, header: str) -> EntityTags:
    """`*` or a comma-separated list of entity tags; anything else is INVALID_PARAMETER."""
    if value.strip() == "*":
        return EntityTags(any=True, strong=frozenset(), weak=frozenset())
    strong: set[str] = set()
    weak: set[str] = set()
    for member in value.split(","):
        if not member.strip():
            continue  # RFC 9110 lists tolerate empty elements
        found = _ENTITY_TAG.fullmatch(member)
        if found is None:
            raise InvalidParameter(
                f"Invalid {header}",
                details={header: ['must be * or a list of ETags such as "1234.5678"']},
            )
        (weak if found.group(1) else strong).add(found.group(2))
    if not strong and not weak:
        raise InvalidParameter(f"Invalid {header}", details={header: ["must not be empty"]})
    return EntityTags(any=False, strong=frozenset(strong), weak=frozenset(weak))


def _listed(request: Request, header: str) -> EntityTags | None:
    # A list may be split over several header lines; together they are one list.
    values = request.headers.getlist(header)
    return parse(", ".join(values), header=header) if values else None


def _tags_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": {
            "type": "string",
            "format": TAGS_FORMAT,
            "pattern": TAGS_PATTERN,
            "examples": ['"1234.1764576000000000"', "*"],
        },
    }


# Documented by hand and read by plain calls rather than FastAPI header parameters: on the
# hot path, FastAPI's resolution of a header dependency costs more than the request's SQL.
IF_MATCH_PARAMETER = _tags_parameter(
    IF_MATCH,
    "Change the task only if it is still at one of these ETags (or `*`: any); otherwise 412 "
    "and nothing changes. Use the `ETag` of your last read.",
)
IF_NONE_MATCH_PARAMETER = _tags_parameter(
    IF_NONE_MATCH,
    "Answer 304 Not Modified, without a body, when the task still has one of these ETags (or "
    "`*`: exists at all).",
)


def if_match(request: Request) -> frozenset[str] | None:
    """The versions an If-Match allows (strong tags only), or None when it allows any."""
    tags = _listed(request, IF_MATCH)
    return None if tags is None or tags.any else tags.strong


def if_none_match(request: Request) -> EntityTags | None:
    """The tags an If-None-Match lists, or None without one."""
    return _listed(request, IF_NONE_MATCH)


def not_modified(tags: EntityTags | None, version: str) -> bool:
    """Whether If-None-Match `tags` name this version (weak comparison)."""
    return tags is not None and (tags.any or version in tags.strong or version in tags.weak)


def not_modified_response(version: str, *, headers: Mapping[str, str]) -> Response:
    """304 Not Modified: the ETag and the headers a 200 would carry, no body."""
    return Response(
        status_code=304, headers={**envelope.NO_STORE, **headers, "ETag": etag(version)}
    )
