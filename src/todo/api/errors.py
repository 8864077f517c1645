"""The error handlers of the application: every error becomes an answer in the shape of the
route family it was meant for (`todo.edge.family`).

Domain errors, FastAPI's parameter validation and unexpected exceptions are rendered by family
everywhere. Starlette's HTTPException (such as 404 and 405) is rendered as the task API's
envelope on the task API's paths; elsewhere it keeps the handler registered before `install`
(the web pages' HTML 404), or the framework's default.

A 405 lists in `Allow` every method the path serves; the same list answers `OPTIONS` (204),
which reaches the app as a 405 because no route declares it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.exception_handlers import (
    http_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

from todo.api import envelope
from todo.auth.errors import AuthError
from todo.edge import family
from todo.errors import DomainError, InvalidParameter, ValidationFailed

Handler = Callable[[Request, Any], Awaitable[Response]]
AnyHandler = Callable[[Request, Any], Response | Awaitable[Response]]

_HTTP_CODES = {
    400: "INVALID_PARAMETER",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    429: "RATE_LIMITED",
}


def is_api_request(request: Request) -> bool:
    """Whether the request is the task API's (under /api/, but not the accounts' /api/auth)."""
    return family.family_of(request.scope["path"]) is family.Family.API


def field_messages(problems: Iterable[Mapping[str, Any]], *, skip: int = 0) -> dict[str, list[str]]:
    """Pydantic error entries as {field: [messages]} (`body` for the body as a whole); `skip`
    drops leading parts of each location (FastAPI's "query", "path", "body")."""
    details: dict[str, list[str]] = {}
    for problem in problems:
        field = ".".join(str(part) for part in problem.get("loc", ())[skip:]) or "body"
        message = str(problem.get("msg", "invalid")).removeprefix("Value error, ")
        details.setdefault(field, []).append(message)
    return details


def as_domain_error(error: RequestValidationError, *, path: str = "/api/") -> DomainError:
    """Query and path problems are INVALID_PARAMETER, body problems VALIDATION_ERROR; either way
    `details` maps each parameter or field to its messages. On /api/auth, Better Auth's
    VALIDATION_ERROR with zod's `[query.name] message` wording."""
    problems = error.errors()
    if family.family_of(path) is family.Family.AUTH:
        issues = (
            f"[{'.'.join(str(part) for part in problem.get('loc', ()))}] {problem.get('msg')}"
            for problem in problems
        )
        return AuthError("VALIDATION_ERROR", 400, "; ".join(issues))
    details = field_messages(problems, skip=1)
    if any(tuple(problem.get("loc", ()))[:1] == ("body",) for problem in problems):
        return ValidationFailed("Invalid request body", details=details)
    return InvalidParameter("Invalid request parameters", details=details)


async def _domain_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)
    return family.render(request, error)


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    return family.render(request, as_domain_error(error, path=request.scope["path"]))


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> str:
    """`Allow` for the request's path: every method some route serves there, and OPTIONS.
    (Starlette's 405 names only the methods of the first route whose path matched.) The
    router is asked for each method, so routes of included routers count too."""
    routes = request.app.router.routes
    allowed = {
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    }
    return ", ".join(sorted(allowed | {"OPTIONS"}))


async def _http_error(request: Request, error: HTTPException) -> Response:
    code = _HTTP_CODES.get(error.status_code, "ERROR")
    caller = getattr(request.state, "caller", None)
    headers = {**(caller.headers() if caller is not None else {}), **(error.headers or {})}
    if error.status_code == 405:
        headers["Allow"] = allowed_methods(request)
        if request.method == "OPTIONS":  # what may I do here? (CORS preflights never get here)
            return envelope.empty(headers=headers)
    return envelope.failure(error.status_code, code, str(error.detail), headers=headers)


async def _internal_error(request: Request, error: Exception) -> Response:
    # No details leave the server; the edge's barrier logs the error with the request id.
    return family.render(request, family.InternalError())


def _for_api(app: FastAPI, kind: type[Exception], render: Handler, default: Handler) -> None:
    """Register `render` for task API requests; others keep what they had (or `default`)."""
    other: AnyHandler = app.exception_handlers.get(kind, default)

    async def handle(request: Request, error: Any) -> Response:
        if is_api_request(request):
            return await render(request, error)
        response = other(request, error)
        return await response if inspect.isawaitable(response) else response

    app.add_exception_handler(kind, handle)


def install(app: FastAPI) -> None:
    """Register the error handlers on `app`."""
    app.add_exception_handler(DomainError, _domain_error)
    # Starlette hands the Exception handler to its outermost middleware: unhandled errors.
    app.add_exception_handler(Exception, _internal_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    _for_api(app, HTTPException, _http_error, http_exception_handler)
