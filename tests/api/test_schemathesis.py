"""Schemathesis against the OpenAPI document, with real credentials, every check on.

A real server (uvicorn in a thread) on a database of this module's own answers the generated
requests over HTTP. Path parameters name the signed-in user and one of their tasks, so requests
reach the handlers rather than stopping at 403/404. The number of examples per operation comes
from SCHEMATHESIS_EXAMPLES (`.ci/run` keeps it small).

What the generator is taught, each a documented rule rather than a hole in the checks:
- text never holds NUL or an unpaired surrogate (README "Reliability": refused everywhere);
- `format: email` is an address the service accepts (RFC 5321 syntax on a domain that can
  receive mail), `format: password` one that meets the password policy (so a valid sign-up is
  generated at all), `format: entity-tags` an If-Match / If-None-Match value as RFC 9110
  writes it (the pattern in the document says the same);
- an `Idempotency-Key` is fresh for each generated request (a key names one request: reusing
  it for another is the documented 422);
- a stale `If-Match` is refused with 412, an unknown emailed token with Better Auth's 400
  INVALID_TOKEN, a taken email with its 422: answers to requests valid in form but not in fact,
  like 404 for a missing task;
- a list `cursor` is one the listing gave out for the same filter and order, and comes without
  `offset` (opaque: no schema can say more); when the listing has no next page to give, the
  generated cursor is left out;
- a due date (`format: due-date`, `due-bound`) is a real calendar date in the years the API
  takes, a time zone (`format: time-zone`) a name the service knows, `tag_ids` name the
  user's own tags (anyone else's is the documented 400), and `sort=relevance` comes with a
  search `q` that has a word (there is nothing to rank by otherwise: 400);
- a CSV import is checked beyond what a JSON Schema can say (a header with a title column,
  each row a valid task), so CSV bodies get every check but the one that expects acceptance.
"""

from __future__ import annotations

import asyncio
import os
import string
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import schemathesis
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.parameters import ParameterLocation

from todo.api.conditions import TAGS_FORMAT, TAGS_PATTERN
from todo.app import create_app
from todo.auth.domain import MAX_EMAIL_LENGTH
from todo.db import with_database
from todo.tasks import due as dues
from todo.tasks import service as task_service

from ..conftest import create_database, drop_database
from ..helpers import make_tag, make_task
from ..web.live import SECRET, LiveServer
from .support import api_settings, hs256

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
ANSWERED = ["2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"]
# Schemathesis' own list of refusals, plus what the edge answers for a body or a query string
# over its bound: an overlong parameter (a cursor of multi-byte characters) may hit that first.
REFUSED = [
    *("400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422", "428"),
    *("429", "5xx"),
]
REFUSED_IN_FACT = {
    "/api/auth/reset-password": "400",  # INVALID_TOKEN
    "/api/auth/verify-email": "400",  # INVALID_TOKEN
    "/api/auth/sign-up/email": "422",  # USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL
}

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"allow-x00": False, "codec": "utf-8"},
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ANSWERED},
            "negative_data_rejection": {"expected-statuses": REFUSED},
        },
        "operations": [
            {
                "include-path": path,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ANSWERED, status]}},
            }
            for path, status in REFUSED_IN_FACT.items()
        ],
    }
)


def _accepted(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return len(address) <= MAX_EMAIL_LENGTH


schemathesis.openapi.format("email", st.emails().filter(_accepted))
_TEXT = st.characters(codec="utf-8", exclude_characters="\x00")
schemathesis.openapi.format(
    "password",
    st.builds(
        lambda upper, lower, digit, rest: upper + lower + digit + rest,
        st.sampled_from(string.ascii_uppercase),
        st.sampled_from(string.ascii_lowercase),
        st.sampled_from(string.digits),
        st.text(_TEXT, min_size=5, max_size=100),
    ),
)
schemathesis.openapi.format(TAGS_FORMAT, st.from_regex(TAGS_PATTERN, fullmatch=True))
_DAYS = st.dates(date(1901, 1, 1), date(9998, 12, 31))
_OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
_MOMENTS = st.datetimes(datetime(1901, 1, 1), datetime(9998, 12, 31), timezones=_OFFSETS)
schemathesis.openapi.format(
    dues.DUE_FORMAT,
    st.one_of(
        _DAYS.map(date.isoformat),
        st.datetimes(datetime(1901, 1, 1), datetime(9998, 12, 31)).map(datetime.isoformat),
        _MOMENTS.map(datetime.isoformat),
    ),
)
schemathesis.openapi.format(
    dues.BOUND_FORMAT,
    st.one_of(_DAYS.map(date.isoformat), _MOMENTS.map(datetime.isoformat)),
)
schemathesis.openapi.format(
    dues.ZONE_FORMAT,
    st.sampled_from(["UTC", "Europe/Paris", "Pacific/Kiritimati", "Pacific/Honolulu"]),
)
# The document as the application builds it (no database needed for that); the requests go
# to the module's running server.
schema = schemathesis.openapi.from_dict(
    create_app(api_settings(), database_url="postgresql://unused@127.0.0.1/unused").openapi(),
    config=CONFIG,
)


TOKEN: dict[str, str] = {}  # the module's signed-in user's JWT, once the server runs
ANSWERS: dict[str, set[int]] = {}  # operation -> the statuses it answered


@schema.auth(refresh_interval=None)
class SignedIn:
    """Schemathesis' way to authenticate, so that its own auth checks can take it away."""

    def get(self, case: Any, context: Any) -> str:
        return TOKEN.get("jwt", "")

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@dataclass
class Target:
    server: LiveServer
    user_id: str
    task_id: str
    doomed_task_id: str  # for DELETE: the others keep working on task_id
    tag_id: str
    doomed_tag_id: str


@pytest.fixture(scope="module")
def target(server_url: str, template_db: str) -> Iterator[Target]:
    name = create_database(server_url, template=template_db)
    server = LiveServer(
        with_database(server_url, name),
        api_rate_limit_per_minute=0,
        api_rate_limit_per_hour=0,
        auth_rate_limit_enabled=False,
    ).start()
    try:

        async def arrange() -> tuple[str, ...]:
            user = await server.make_user("fuzz@example.com", "Fuzz")
            task = await server.call(lambda db: make_task(db, user, "fuzzed"))
            doomed = await server.call(lambda db: make_task(db, user, "to delete"))
            tag = await server.call(lambda db: make_tag(db, user, "kept"))
            doomed_tag = await server.call(lambda db: make_tag(db, user, "to delete"))
            return str(user), str(task["id"]), str(doomed["id"]), str(tag), str(doomed_tag)

        user_id, task_id, doomed_task_id, tag_id, doomed_tag_id = asyncio.run(arrange())
        TOKEN["jwt"] = hs256(user_id, secret=SECRET, exp=2_000_000_000)
        yield Target(server, user_id, task_id, doomed_task_id, tag_id, doomed_tag_id)
    finally:
        server.stop()
        drop_database(server_url, name)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_keeps_its_documented_promises(case: Any, target: Target) -> None:
    # Valid path parameters name the signed-in user and their task, and a valid key is fresh;
    # a component the generator made invalid on purpose is left as it made it.
    if not _negative(case, ParameterLocation.PATH):
        if "user_id" in (case.path_parameters or {}):
            case.path_parameters["user_id"] = target.user_id
        if "task_id" in (case.path_parameters or {}):
            doomed = case.method.upper() == "DELETE"
            case.path_parameters["task_id"] = target.doomed_task_id if doomed else target.task_id
        if "tag_id" in (case.path_parameters or {}):
            doomed = case.method.upper() == "DELETE"
            case.path_parameters["tag_id"] = target.doomed_tag_id if doomed else target.tag_id
    body = case.body if isinstance(case.body, dict) else {}
    if not _negative(case, ParameterLocation.BODY) and isinstance(body.get("tag_ids"), list):
        body["tag_ids"] = [target.tag_id] if body["tag_ids"] else []
    if not _negative(case, ParameterLocation.HEADER) and (case.headers or {}).get(
        "Idempotency-Key"
    ):
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
    if not _negative(case, ParameterLocation.QUERY):
        query = case.query or {}
        if query.get("sort") == "relevance" and not task_service.search_query(query.get("q", "")):
            query["q"] = "fuzzed"
        _give_a_real_cursor(case, target)
    excluded = [positive_data_acceptance] if case.media_type == "text/csv" else []
    response = case.call_and_validate(base_url=target.server.url, excluded_checks=excluded)
    if case.method.upper() == case.operation.method.upper():  # not a probe of another method
        ANSWERS.setdefault(f"{case.method} {case.path}", set()).add(response.status_code)


def test_the_generated_requests_reached_the_handlers() -> None:
    """Runs after the operations above: each task API operation was answered with success at
    least once, so the credentials and path parameters worked (a 401 or 404 for everything
    would pass every check above, and prove nothing)."""
    task_api = {name: codes for name, codes in ANSWERS.items() if "{user_id}" in name}
    assert task_api, "no task API operation was exercised"
    for name, codes in task_api.items():
        assert any(200 <= code < 300 for code in codes), (name, sorted(codes))


def _give_a_real_cursor(case: Any, target: Target) -> None:
    query = case.query or {}
    if case.operation.path != "/api/{user_id}/tasks" or "cursor" not in query:
        return
    query.pop("offset", None)
    listing = {name: value for name, value in query.items() if name not in ("cursor", "limit")}
    response = httpx.get(
        f"{target.server.url}/api/{target.user_id}/tasks",
        params={**listing, "limit": 1},
        headers={"Authorization": f"Bearer {TOKEN['jwt']}"},
    )
    cursor = response.json()["meta"]["next_cursor"] if response.status_code == 200 else None
    if cursor is None:
        del query["cursor"]
    else:
        query["cursor"] = cursor


def _negative(case: Any, location: ParameterLocation) -> bool:
    return case.meta is not None and bool(case.meta.is_negative_at(location))
