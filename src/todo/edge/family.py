"""Route families and the one way each renders an error.

The task API answers in its envelope (`{"error": {code, message, details?}, "meta"}`), the
accounts API (`/api/auth`) in Better Auth's shape (`{message, code}`), and everything else (the
web pages, probes, docs) with an HTML page, or JSON when the page's own script asked for it.
Whatever fails, wherever it fails, the client gets the shape it was promised.
"""

from __future__ import annotations

from enum import Enum

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from todo.api import envelope
from todo.auth.errors import AuthError
from todo.errors import DomainError, ValidationFailed, response_headers
from todo.inputs import BadInput
from todo.web import http

AUTH_PREFIX = "/api/auth"


class Family(Enum):
    API = "api"
    AUTH = "auth"
    WEB = "web"


def family_of(path: str) -> Family:
    """The family of the route a path is meant for."""
    if path.startswith("/api/"):
        if path == AUTH_PREFIX or path.startswith(AUTH_PREFIX + "/"):
            return Family.AUTH
        return Family.API
    return Family.WEB


class InternalError(DomainError):
    """Anything unexpected: no detail leaves the server."""

    code, status = "INTERNAL_ERROR", 500

    def __init__(self) -> None:
        super().__init__("Something went wrong on our side")


def invalid_body(path: str, bad: BadInput) -> DomainError:
    """A body the edge could not decode, as the family of `path` words such a refusal."""
    if family_of(path) is Family.AUTH:
        if bad.malformed:
            return AuthError("BAD_REQUEST", 400, "Invalid JSON in request body")
        return AuthError("VALIDATION_ERROR", 400, f"[body.{bad.where}] {bad.message}")
    return ValidationFailed("Invalid request body", details={bad.where: [bad.message]})


def _caller_headers(request: Request) -> dict[str, str]:
    caller = getattr(request.state, "caller", None)
    return dict(caller.headers()) if caller is not None else {}


def render(
    request: Request, error: DomainError, *, headers: dict[str, str] | None = None
) -> Response:
    """`error` as the family of `request` shows errors."""
    extra = {**response_headers(error), **(headers or {})}
    family = family_of(request.scope["path"])
    if family is Family.API:
        return envelope.failure(
            error.status,
            error.code,
            error.message,
            details=error.details,
            headers={**_caller_headers(request), **extra},
        )
    if family is Family.AUTH:
        if "Retry-After" in extra:
            extra["X-Retry-After"] = extra["Retry-After"]  # Better Auth's client reads this one
        content = (
            {"message": error.message, "code": error.code}
            if error.code
            else {"message": error.message}
        )
        return JSONResponse(content, status_code=error.status, headers=extra)
    response = http.error_response(request, error)
    response.headers.update(headers or {})
    return http.secure(response)
