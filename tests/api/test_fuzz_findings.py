"""What Schemathesis found (tests/api/test_schemathesis.py), each pinned by a test of its own.

Unknown query parameters (tests/api/test_validation.py) and timestamp offsets PostgreSQL cannot
store (tests/api/test_transfer_api.py) live with the other tests of their routes.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from todo.app import create_app

from .support import User, api_settings, assert_error


def _document() -> dict[str, Any]:
    doc: dict[str, Any] = create_app(api_settings(), database_url="postgresql://u@h/d").openapi()
    return doc


def test_no_parameter_is_documented_as_nullable() -> None:
    # A header or query parameter is left out, never `null`: the fuzzer sent "If-Match: null".
    for path, operations in _document()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                assert "null" not in json.dumps(parameter["schema"]), (method, path, parameter)


def test_reset_link_documents_its_required_callback() -> None:
    operation = _document()["paths"]["/api/auth/reset-password/{token}"]["get"]
    (callback,) = [p for p in operation["parameters"] if p["name"] == "callbackURL"]
    assert callback["required"] is True


async def test_reset_link_without_a_callback_is_a_better_auth_400(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/auth/reset-password/some-token")
    assert response.status_code == 400
    assert response.json() == {
        "message": "[query.callbackURL] Field required",
        "code": "VALIDATION_ERROR",
    }


async def test_posting_get_session_says_which_method_is_allowed(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/get-session")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert response.json()["code"] == "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED"


async def test_a_number_is_not_a_timestamp(client: httpx.AsyncClient, alice: User) -> None:
    # pydantic alone read 0 as 1970-01-01; the document says an RFC 3339 string.
    response = await client.post(
        f"/api/{alice.id}/import", json=[{"title": "x", "archived_at": 0}], headers=alice.auth
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert "row 1.archived_at" in error["details"]


def test_timestamps_are_documented_with_the_pattern_the_server_enforces() -> None:
    schemas = _document()["components"]["schemas"]
    field = schemas["ImportedTask"]["properties"]["created_at"]
    (string,) = [option for option in field["anyOf"] if option.get("type") == "string"]
    assert string["format"] == "date-time"
    assert string["pattern"].startswith("^(?!0000-")


def test_etag_lists_are_documented_with_their_syntax() -> None:
    operation = _document()["paths"]["/api/{user_id}/tasks/{task_id}"]["put"]
    (if_match,) = [p for p in operation["parameters"] if p["name"] == "If-Match"]
    assert if_match["schema"]["format"] == "entity-tags"
    assert if_match["schema"]["pattern"].startswith("^(")


async def test_a_query_string_too_long_is_a_documented_414(
    client: httpx.AsyncClient, alice: User
) -> None:
    # A cursor of allowed length in multi-byte characters, percent-encoded, passed the
    # query-string bound: 414, which the task routes did not document.
    cursor = "\u00b5" * 2000
    response = await client.get(
        f"/api/{alice.id}/tasks", params={"cursor": cursor}, headers=alice.auth
    )
    assert_error(response, 414, "URI_TOO_LONG")
    for path, operations in _document()["paths"].items():
        if path.startswith("/api/{user_id}"):
            for method, operation in operations.items():
                assert "414" in operation["responses"], (method, path)
