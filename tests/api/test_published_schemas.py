"""The published request schemas say what the server enforces: every body the server refuses
is invalid by the OpenAPI document's schema, and every body it accepts is valid by it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from .conftest import Shared
from .support import assert_error

LIST, ONE, IMPORT = (
    "/api/{user_id}/tasks",
    "/api/{user_id}/tasks/{task_id}",
    "/api/{user_id}/import",
)

# (body, whether the server takes it)
CREATE: list[tuple[Any, bool]] = [
    ({}, False),
    ({"title": "x"}, True),
    ({"title": "x", "completed": True, "id": "mine"}, True),  # fields it may not set: ignored
    ({"title": " \t\n"}, False),
    ({"title": ""}, False),
    ({"title": "x" * 201}, False),
    ({"title": 5}, False),
    ({"title": "a\u0000b"}, False),
    ({"title": "x", "description": "y" * 1001}, False),
    ({"description": "no title"}, False),
    (None, False),
    (["x"], False),
]
UPDATE: list[tuple[Any, bool]] = [
    ({}, False),
    ({"unknown": 1}, False),
    ({"id": "00000000-0000-0000-0000-000000000000"}, False),
    ({"title": "x"}, True),
    ({"title": None}, False),
    ({"title": "   "}, False),
    ({"description": None}, True),
    ({"description": "d\u0000"}, False),
    ({"completed": True}, True),
    ({"completed": None}, False),
    ({"completed": "yes"}, False),
    ({"title": "x", "unknown": 1}, True),
    ([], False),
    ("text", False),
]
IMPORT_BODIES: list[tuple[Any, bool]] = [
    ({}, False),
    ([], True),
    ({"tasks": []}, True),
    ([{"title": "x"}], True),
    (
        {"format": "todo-export", "version": 1, "exported_at": "any", "tasks": [{"title": "x"}]},
        True,
    ),
    ({"tasks": [{"title": "x", "id": "old", "user_id": 7}]}, True),
    ({"format": "something-else", "tasks": []}, False),
    ({"format": None, "tasks": []}, False),
    ({"tasks": {}}, False),
    ({"tasks": [{"title": "x", "colour": "red"}]}, False),
    ({"tasks": [{"title": "x", "completed": "yes"}]}, False),
    ([{"title": ""}], False),
    ([{"title": "  "}], False),
    ([1], False),
    ([{"description": "no title"}], False),
    ("text", False),
    (3, False),
]


def body_schema(document: dict[str, Any], path: str, method: str) -> Draft202012Validator:
    """The JSON body schema of an operation, resolvable against the document's components."""
    body = document["paths"][path][method]["requestBody"]["content"]["application/json"]
    schema = {**body["schema"], "components": document["components"]}
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


async def agree(shared: Shared, path: str, method: str, cases: list[tuple[Any, bool]]) -> None:
    client, alice = shared.client, shared.alice
    document = (await client.get("/openapi.json")).json()
    schema = body_schema(document, path, method)
    for body, accepted in cases:
        url = path.format(user_id=alice.id, task_id="{task_id}")
        if "{task_id}" in url:
            made = await client.post(
                alice.tasks_url(), json={"title": "target"}, headers=alice.auth
            )
            url = url.format(task_id=made.json()["data"]["id"])
        response = await client.request(
            method.upper(),
            url,
            content=json.dumps(body),
            headers=alice.auth | {"Content-Type": "application/json"},
        )
        if accepted:
            assert response.status_code in (200, 201), (body, response.text)
        else:
            assert_error(response, 400, "VALIDATION_ERROR")
        assert schema.is_valid(body) is accepted, (body, list(schema.iter_errors(body)))


@pytest.mark.parametrize(
    ("path", "method", "cases"),
    [(LIST, "post", CREATE), (ONE, "put", UPDATE), (IMPORT, "post", IMPORT_BODIES)],
    ids=["create", "update", "import"],
)
async def test_the_server_and_the_published_schema_agree_on_bodies(
    shared: Shared, path: str, method: str, cases: list[tuple[Any, bool]]
) -> None:
    await agree(shared, path, method, cases)


async def test_an_export_is_a_valid_import_by_the_schema_too(shared: Shared) -> None:
    client, alice = shared.client, shared.alice
    await client.post(
        alice.tasks_url(), json={"title": "exported", "description": "d"}, headers=alice.auth
    )
    export = (await client.get(f"/api/{alice.id}/export", headers=alice.auth)).json()
    assert export["tasks"]
    await agree(shared, IMPORT, "post", [(export, True)])
