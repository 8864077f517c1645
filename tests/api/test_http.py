"""HTTP plumbing: the 1 MB body limit, CORS, the OpenAPI document and docs, error envelopes for
what is not a route and for server errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from todo.tasks import due as dues
from todo.tasks import service

from .conftest import MakeClient
from .support import ORIGIN, User, api_settings, assert_error, assert_success

MB = 1_048_576


def _title_body(size: int) -> bytes:
    """A JSON body of exactly `size` bytes (a long title, so it is refused if it arrives)."""
    frame = b'{"title": ""}'
    return frame[:-2] + b"x" * (size - len(frame)) + frame[-2:]


async def test_bodies_over_1_mb_are_refused(client: httpx.AsyncClient, alice: User) -> None:
    at_limit = await client.post(alice.tasks_url(), content=_title_body(MB), headers=alice.auth)
    assert_error(at_limit, 400, "VALIDATION_ERROR")  # read and judged on its merits
    headers = alice.auth | {"Content-Type": "application/json"}
    for method in ("POST", "PUT", "PATCH", "GET"):
        url = alice.tasks_url() if method in ("POST", "GET") else alice.tasks_url("x")
        response = await client.request(method, url, content=_title_body(MB + 1), headers=headers)
        assert_error(response, 413, "PAYLOAD_TOO_LARGE")


async def test_a_streamed_body_is_cut_off_past_the_limit(
    make_client: MakeClient, alice: User
) -> None:
    client = await make_client(api_settings(max_body_bytes=1000))

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"title": "'
        for _ in range(20):
            yield b"x" * 100  # no Content-Length: only the bytes received tell
        yield b'"}'

    headers = alice.auth | {"Content-Type": "application/json"}
    response = await client.post(alice.tasks_url(), content=chunks(), headers=headers)
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    small = await client.post(alice.tasks_url(), json={"title": "fits"}, headers=alice.auth)
    assert_success(small, 201)


async def test_the_body_limit_holds_outside_the_task_api_too(client: httpx.AsyncClient) -> None:
    # Each family refuses in its own shape: a page for the web, Better Auth's for /api/auth.
    page = await client.post("/healthz", content=b"x" * (MB + 1))
    assert page.status_code == 413
    assert page.headers["content-type"].startswith("text/html")
    assert "Request body too large" in page.text
    auth = await client.post("/api/auth/sign-in/email", content=b"x" * (MB + 1))
    assert auth.status_code == 413
    assert auth.json() == {
        "message": "Request body too large (at most 1048576 bytes)",
        "code": "PAYLOAD_TOO_LARGE",
    }


PREFLIGHT = {
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "authorization, content-type",
}


async def test_cors_preflight_from_an_allowed_origin(
    client: httpx.AsyncClient, alice: User
) -> None:
    response = await client.options(alice.tasks_url("x"), headers={"Origin": ORIGIN, **PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "PUT" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


async def test_cors_preflight_allows_the_conditional_and_idempotency_headers(
    client: httpx.AsyncClient, alice: User
) -> None:
    asked = "authorization, content-type, if-match, if-none-match, idempotency-key"
    response = await client.options(
        alice.tasks_url("x"),
        headers={"Origin": ORIGIN, **PREFLIGHT, "Access-Control-Request-Headers": asked},
    )
    assert response.status_code == 200
    allowed = {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }
    assert set(asked.split(", ")) <= allowed


async def test_cors_preflight_from_another_origin_is_refused(
    client: httpx.AsyncClient, alice: User
) -> None:
    response = await client.options(
        alice.tasks_url("x"), headers={"Origin": "https://evil.example", **PREFLIGHT}
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_cors_answers_expose_the_rate_limit_headers(
    client: httpx.AsyncClient, alice: User
) -> None:
    allowed = await client.get(alice.tasks_url(), headers=alice.auth | {"Origin": ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    exposed = {
        h.strip().lower() for h in allowed.headers["access-control-expose-headers"].split(",")
    }
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= exposed
    assert {"retry-after", "set-auth-token", "etag", "idempotent-replayed"} <= exposed
    other = await client.get(
        alice.tasks_url(), headers=alice.auth | {"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers
    # Error answers carry CORS headers too, or a browser could not read them.
    refused = await client.get(alice.tasks_url(), headers={"Origin": ORIGIN})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == ORIGIN


async def test_unknown_paths_and_methods_answer_in_the_envelope(
    client: httpx.AsyncClient, alice: User
) -> None:
    assert_error(await client.get("/api/nothing/here", headers=alice.auth), 404, "NOT_FOUND")
    response = await client.post(alice.tasks_url("x"), headers=alice.auth)
    assert_error(response, 405, "METHOD_NOT_ALLOWED")


TASK = "/tasks/00000000-0000-0000-0000-000000000001"
ALLOWED = {
    "/tasks": "GET, OPTIONS, POST",
    TASK: "DELETE, GET, OPTIONS, PUT",
    TASK + "/complete": "OPTIONS, PATCH",
    "/import": "OPTIONS, POST",
    "/export": "GET, OPTIONS",
}


@pytest.mark.parametrize(("suffix", "allow"), ALLOWED.items())
async def test_405_and_options_list_every_method_the_path_allows(
    client: httpx.AsyncClient, alice: User, suffix: str, allow: str
) -> None:
    url = f"/api/{alice.id}{suffix}"
    refused = "PATCH" if "PATCH" not in allow else "POST"
    response = await client.request(refused, url, headers=alice.auth)
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == allow
    options = await client.options(url)
    assert options.status_code == 204
    assert options.content == b""
    assert options.headers["allow"] == allow
    # A plain OPTIONS from an allowed origin (not a preflight) gets CORS headers as well.
    from_app = await client.options(url, headers={"Origin": ORIGIN})
    assert from_app.status_code == 204
    assert from_app.headers["access-control-allow-origin"] == ORIGIN


async def test_server_errors_are_500_without_details(
    make_client: MakeClient, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "list_tasks", broken)
    client = await make_client(raise_app_exceptions=False)
    response = await client.get(alice.tasks_url(), headers=alice.auth)
    error = assert_error(response, 500, "INTERNAL_ERROR")
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert "details" not in error


async def test_answers_are_not_cached(client: httpx.AsyncClient, alice: User) -> None:
    for response in (
        await client.get(alice.tasks_url(), headers=alice.auth),
        await client.get(alice.tasks_url()),
    ):
        assert response.headers["cache-control"] == "no-store"


LIST, ONE = "/api/{user_id}/tasks", "/api/{user_id}/tasks/{task_id}"
ANY = {"400", "401", "403", "413", "414", "429", "500"}  # every route can answer these
ROUTES = {
    (LIST, "get"): ANY | {"200"},
    (LIST, "post"): ANY | {"201", "409", "422"},
    (ONE, "get"): ANY | {"200", "304", "404"},
    (ONE, "put"): ANY | {"200", "404", "412"},
    (ONE, "delete"): ANY | {"204", "404", "412"},
    (ONE + "/complete", "patch"): ANY | {"200", "404", "412"},
    ("/api/{user_id}/export", "get"): ANY | {"200"},
    ("/api/{user_id}/import", "post"): ANY | {"201", "409", "422"},
    ("/api/{user_id}/tags", "get"): ANY | {"200"},
    ("/api/{user_id}/tags", "post"): ANY | {"201", "409"},
    ("/api/{user_id}/tags/{tag_id}", "patch"): ANY | {"200", "404", "409"},
    ("/api/{user_id}/tags/{tag_id}", "delete"): ANY | {"204", "404"},
    ("/api/{user_id}/preferences", "get"): ANY | {"200"},
    ("/api/{user_id}/preferences", "patch"): ANY | {"200"},
}


async def test_openapi_states_every_route_and_its_codes(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    paths = document["paths"]
    found = {
        (path, method)
        for path, ops in paths.items()
        if path.startswith("/api/{user_id}")
        for method in ops
    }
    assert found == set(ROUTES)
    schemas = document["components"]["schemas"]
    for (path, method), codes in ROUTES.items():
        operation = paths[path][method]
        assert set(operation["responses"]) == codes, (path, method)
        for code, answer in operation["responses"].items():
            if code.startswith(("4", "5")):
                assert answer["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorEnvelope"
                }
        assert operation["security"] == [{"bearer": []}, {"sessionCookie": []}]
        parameters = {p["name"]: p for p in operation["parameters"]}
        assert parameters["user_id"]["schema"]["format"] == "uuid"
        for name in ("task_id", "tag_id"):
            if f"{{{name}}}" in path:
                assert parameters[name]["schema"]["format"] == "uuid"
    assert "HTTPValidationError" not in json.dumps(document)  # FastAPI's 422s are gone
    for path, method in ((LIST, "post"), ("/api/{user_id}/import", "post")):
        operation = paths[path][method]
        key = {p["name"]: p for p in operation["parameters"]}["Idempotency-Key"]
        assert (key["in"], key["required"]) == ("header", False)
        assert key["schema"]["maxLength"] == 255
        assert "Idempotent-Replayed" in operation["responses"]["201"]["headers"]
    for (path, method), codes in ROUTES.items():
        operation = paths[path][method]
        names = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        writes_one = path.startswith(ONE) and method != "get"
        assert ("If-Match" in names) is writes_one, (path, method)
        assert ("If-None-Match" in names) is ((path, method) == (ONE, "get")), (path, method)
        one_task = [code for code in ("200", "201", "304") if code in codes]
        if path.startswith(ONE) or (path, method) == (LIST, "post"):
            for code in one_task:
                assert "ETag" in operation["responses"][code]["headers"], (path, method, code)
    assert "ETag" not in paths[LIST]["get"]["responses"]["200"]["headers"]
    listing = {p["name"]: p["schema"] for p in paths[LIST]["get"]["parameters"]}
    assert (listing["limit"]["minimum"], listing["limit"]["maximum"]) == (
        service.LIMIT_MIN,
        service.LIMIT_MAX,
    )
    assert listing["limit"]["default"] == 50
    assert listing["offset"]["minimum"] == 0
    assert listing["sort"]["enum"] == [
        *("created_at", "updated_at", "title"),
        *("due_at", "priority", "relevance"),  # issue 11
    ]
    assert listing["order"]["enum"] == ["asc", "desc"]
    assert listing["priority"]["enum"] == ["none", "low", "medium", "high"]
    assert (listing["tag"]["type"], listing["tag"]["maxItems"]) == ("array", 16)
    assert listing["q"]["maxLength"] == service.SEARCH_MAX
    assert listing["overdue"]["type"] == "boolean"
    for bound in ("due_before", "due_after"):
        assert listing[bound]["pattern"] == dues.BOUND_PATTERN
    bodies = {
        method: paths[path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        for path, method in (
            ("/api/{user_id}/tasks", "post"),
            ("/api/{user_id}/tasks/{task_id}", "put"),
        )
    }
    assert bodies == {
        "post": "#/components/schemas/TaskCreate",
        "put": "#/components/schemas/TaskUpdate",
    }
    assert schemas["TaskCreate"]["properties"]["title"]["maxLength"] == 200
    assert schemas["TaskCreate"]["required"] == ["title"]
    assert "required" not in schemas["TaskUpdate"]
    assert schemas["TaskUpdate"]["properties"]["title"]["type"] == "string"  # never null
    assert set(schemas["TaskPublic"]["properties"]) == {
        "id",
        "user_id",
        "title",
        "description",
        "completed",
        "created_at",
        "updated_at",
        *("due_at", "all_day", "priority", "tags"),  # issue 11, additive
    }
    for name in ("TaskCreate", "TaskUpdate"):
        assert schemas[name]["properties"]["tags"]["maxItems"] == 100
        assert schemas[name]["properties"]["tag_ids"]["maxItems"] == 100
        due = schemas[name]["properties"]["due_at"]["anyOf"]
        assert due == [
            {"type": "string", "format": dues.DUE_FORMAT, "pattern": dues.DUE_PATTERN},
            {"type": "null"},
        ]
    assert schemas["TagCreate"]["properties"]["name"]["maxLength"] == 50
    assert schemas["PreferencesUpdate"]["required"] == ["time_zone"]
    assert set(document["components"]["securitySchemes"]) == {"bearer", "sessionCookie"}


async def test_interactive_docs(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "swagger-ui" in response.text
    assert "/openapi.json" in response.text
