"""The OpenAPI document's request schemas of /api/auth say what the server enforces: for every
documented bound, a value at it is accepted and one past it refused; every required field is
required; a documented format or pattern is checked.

The checks are driven by the document itself, so a bound added to a schema is tested at once,
and the expected set below fails if a documented constraint goes missing.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from todo.app import create_app
from todo.auth import passwords

from ..helpers import password
from .conftest import OpenAt, Site, bearer, make_settings, sign_up

# (route, field) -> (minLength, maxLength) the document must state.
EXPECTED = {
    ("/sign-up/email", "name"): (None, 255),
    ("/sign-up/email", "email"): (None, 254),
    ("/sign-up/email", "password"): (8, 128),
    ("/sign-up/email", "image"): (None, 2048),
    ("/sign-up/email", "callbackURL"): (None, 2048),
    ("/sign-in/email", "email"): (None, 254),
    ("/sign-in/email", "password"): (None, 128),
    ("/sign-in/email", "callbackURL"): (None, 2048),
    ("/update-user", "name"): (None, 255),
    ("/update-user", "image"): (None, 2048),
    ("/change-password", "newPassword"): (8, 128),
    ("/change-password", "currentPassword"): (None, 128),
    ("/revoke-session", "token"): (None, 255),
    ("/delete-user", "password"): (None, 128),
    ("/delete-user", "token"): (None, 255),
    ("/delete-user", "callbackURL"): (None, 2048),
    ("/request-password-reset", "email"): (None, 254),
    ("/request-password-reset", "redirectTo"): (None, 2048),
    ("/reset-password", "newPassword"): (8, 128),
    ("/reset-password", "token"): (None, 255),
    ("/send-verification-email", "email"): (None, 254),
    ("/send-verification-email", "callbackURL"): (None, 2048),
}
# The account's password in these tests is as long as a password may be, so "a current password
# at the bound" can be the right one.
LONGEST = password("Aa1" + "p" * (passwords.MAX_LENGTH - 3))
SESSION_ROUTES = {"/update-user", "/change-password", "/revoke-session", "/delete-user"}
PASSWORD_FIELDS = {"password", "newPassword", "currentPassword"}
_unique = itertools.count()


def _string_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The string branch of a property's schema (`anyOf: [string, null]` included)."""
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "string":
            return option
    return {}


def _documented() -> dict[str, dict[str, Any]]:
    """Every /api/auth route with a JSON body: its schema, from the served document."""
    app = create_app(make_settings(), database_url="postgresql://unused@127.0.0.1/unused")
    bodies = {}
    for path, operations in app.openapi()["paths"].items():
        body = operations.get("post", {}).get("requestBody")
        if path.startswith("/api/auth/") and body:
            bodies[path.removeprefix("/api/auth")] = body["content"]["application/json"]["schema"]
    return bodies


DOCUMENTED = _documented()


def _bounds() -> list[tuple[str, str, str, int]]:
    """(route, field, "min" | "max", bound) for every documented length bound."""
    found = []
    for route, schema in DOCUMENTED.items():
        for field, property_schema in schema["properties"].items():
            string = _string_schema(property_schema)
            if "minLength" in string:
                found.append((route, field, "min", string["minLength"]))
            if "maxLength" in string:
                found.append((route, field, "max", string["maxLength"]))
    return found


def _email(length: int) -> str:
    """A valid email address of exactly `length` characters (unique in the run)."""
    local = f"u{next(_unique)}x".ljust(min(64, length - len("@dd.com")), "a")
    left = length - len(local) - 1 - len(".com")
    labels = []
    while left > 0:
        size = min(63, left if left <= 63 else left - 2)  # never leave a 1-character label
        labels.append("d" * size)
        left -= size + 1
    return f"{local}@{'.'.join(labels)}.com"


def value(field: str, length: int) -> str:
    """A value for `field` of exactly `length` characters, valid in every other respect."""
    if field == "email":
        return _email(length)
    if field in PASSWORD_FIELDS:
        return LONGEST if length == len(LONGEST) else "Aa1" + "x" * (length - 3)
    if field == "image":
        prefix = "https://img.example/"
        return prefix + "i" * (length - len(prefix))
    if field in {"callbackURL", "redirectTo"}:
        return "/" + "c" * (length - 1)
    return "n" * length


@dataclass
class Account:
    email: str
    token: str


def base_body(route: str, account: Account) -> dict[str, Any]:
    """A body the route accepts (or refuses for reasons other than a field's bounds)."""
    return {
        "/sign-up/email": {"name": "N", "email": _email(30), "password": "Valid-pass-1"},
        "/sign-in/email": {"email": account.email, "password": LONGEST},
        "/update-user": {"name": "New name"},
        "/change-password": {"currentPassword": LONGEST, "newPassword": "Other-pass-2"},
        "/revoke-session": {"token": "no-such-session"},
        "/delete-user": {"password": LONGEST},
        "/request-password-reset": {"email": account.email},
        "/reset-password": {"newPassword": "Other-pass-2", "token": "no-such-token"},
        "/send-verification-email": {"email": account.email},
    }[route]


def refuses(response: httpx.Response, field: str) -> bool:
    """Whether `response` refuses the request because of `field`'s value."""
    if response.status_code != 400:
        return False
    body = response.json()
    by_code = {
        "email": {"INVALID_EMAIL"},
        "password": {"PASSWORD_TOO_SHORT", "PASSWORD_TOO_LONG"},
        "newPassword": {"PASSWORD_TOO_SHORT", "PASSWORD_TOO_LONG"},
        # Too long to be anyone's password: wrong, without being hashed.
        "currentPassword": {"INVALID_PASSWORD"},
    }
    if field == "password" and body.get("code") == "INVALID_PASSWORD":
        return True  # delete-user's password, as currentPassword
    if body.get("code") in by_code.get(field, set()):
        return True
    return body.get("code") == "VALIDATION_ERROR" and f".{field}]" in body.get("message", "")


@pytest.fixture
async def at(site: Site) -> AsyncIterator[OpenAt]:
    quiet = {
        "auth_rate_limit_enabled": False,
        "sign_in_delay_after": 1000,
        "sign_in_max_failures": 1000,
        "sign_in_address_max_failures": 1000,
        "sign_in_account_max_failures": 1000,
    }
    async with site(**quiet) as opener:
        yield opener


async def _post(
    at: OpenAt, route: str, field: str, field_value: str | None = None
) -> httpx.Response:
    """POST `route`, from a fresh account, with a base body whose `field` is `field_value`
    (left out when None)."""
    client = at("127.0.0.1")
    email = _email(40)
    signed_up = await sign_up(client, email, LONGEST)
    assert signed_up.status_code == 200, signed_up.text
    client.cookies.clear()
    account = Account(email, signed_up.json()["token"])
    body = base_body(route, account)
    body.pop(field, None)
    if field_value is not None:
        body[field] = field_value
    headers = bearer(account.token) if route in SESSION_ROUTES else {}
    return await client.post(f"/api/auth{route}", json=body, headers=headers)


def _checked_formats() -> list[tuple[str, str, str]]:
    """(route, field, a value the documented format or pattern excludes)."""
    found = []
    for route, schema in DOCUMENTED.items():
        for field, property_schema in schema["properties"].items():
            string = _string_schema(property_schema)
            if string.get("format") == "email":
                found.append((route, field, "not-an-email"))
            elif "pattern" in string:
                found.append((route, field, "javascript:alert(1)"))
    return found


def test_the_document_states_the_bounds_the_server_enforces() -> None:
    stated = {}
    for route, field, kind, bound in _bounds():
        low, high = stated.get((route, field), (None, None))
        stated[(route, field)] = (bound, high) if kind == "min" else (low, bound)
    assert stated == EXPECTED


@pytest.mark.parametrize(
    ("route", "field", "kind", "bound"),
    _bounds(),
    ids=[f"{route}:{field}:{kind}" for route, field, kind, _ in _bounds()],
)
async def test_a_value_at_a_bound_passes_and_one_past_it_is_refused(
    at: OpenAt, route: str, field: str, kind: str, bound: int
) -> None:
    past = bound + 1 if kind == "max" else bound - 1

    at_bound = await _post(at, route, field, value(field, bound))
    past_bound = await _post(at, route, field, value(field, past))

    assert not refuses(at_bound, field), at_bound.text
    assert at_bound.status_code < 500
    assert refuses(past_bound, field), past_bound.text


@pytest.mark.parametrize(
    ("route", "field"),
    [
        (route, field)
        for route, schema in DOCUMENTED.items()
        for field in schema.get("required", [])
    ],
)
async def test_every_required_field_is_required(at: OpenAt, route: str, field: str) -> None:
    response = await _post(at, route, field)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert f"[body.{field}]" in response.json()["message"]


@pytest.mark.parametrize(("route", "field", "bad"), _checked_formats())
async def test_documented_formats_and_patterns_are_checked(
    at: OpenAt, route: str, field: str, bad: str
) -> None:
    assert refuses(await _post(at, route, field, bad), field)
