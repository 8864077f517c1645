"""The OpenAPI document, made to say what the task API really does.

FastAPI documents its own 422 for every route with parameters; the task API answers such
problems with 400 in its error envelope, so those entries go (a 422 a route declares itself,
an Idempotency-Key reused for another request, stays). Bodies the API parses itself
(`todo.api.deps.json_body`) get their schemas, and the two ways to authenticate are declared.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from todo.auth.credentials import SESSION_COOKIE

SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A JWT from GET /api/auth/token (EdDSA), an HS256 JWT signed with "
        "BETTER_AUTH_SECRET whose `sub` is your user id, or a session token.",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The session cookie set by /api/auth sign-in (`__Secure-` prefixed "
        "when the service runs over https).",
    },
}
_FRAMEWORK_422 = "#/components/schemas/HTTPValidationError"


def _not_null(parameter: dict[str, Any]) -> None:
    """An optional parameter is one that may be left out; in a URL or a header it can never be
    `null` (pydantic's `anyOf [..., null]` would have clients send the text "null")."""
    schema = parameter.get("schema", {})
    kinds = schema.get("anyOf")
    if kinds and {"type": "null"} in kinds and len(kinds) == 2:
        (kind,) = [k for k in kinds if k != {"type": "null"}]
        del schema["anyOf"]
        schema.update(kind)


def _fix(schema: dict[str, Any], *, prefix: str, bodies: Sequence[type[BaseModel]]) -> None:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for model in bodies:
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(model_schema.pop("$defs", {}))
        schemas[model.__name__] = model_schema
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            # Validation failures are answered 400 in every family's shape, never 422.
            responses = operation.get("responses", {})
            if _FRAMEWORK_422 in json.dumps(responses.get("422", {})):
                del responses["422"]
            for parameter in operation.get("parameters", []):
                _not_null(parameter)
            if path.startswith(prefix):
                operation["security"] = [{"bearer": []}, {"sessionCookie": []}]
    if _FRAMEWORK_422 not in json.dumps(schema.get("paths", {})):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)  # only HTTPValidationError refers to it


def install(app: FastAPI, *, prefix: str, bodies: Sequence[type[BaseModel]]) -> None:
    """Post-process `app`'s OpenAPI document for the routes under `prefix`."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            _fix(schema, prefix=prefix, bodies=bodies)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
