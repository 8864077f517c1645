"""The web pages' request plumbing: errors as pages (or JSON for in-page requests), the sign-in
redirect, security headers, and safe redirect targets."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from todo.errors import DomainError, ValidationFailed, response_headers
from todo.web import security, session, templating


def wants_json(request: Request) -> bool:
    """In-page requests ask for JSON; forms and navigation get pages and redirects."""
    return "application/json" in request.headers.get("accept", "")


def local_path(value: str | None, default: str = "/") -> str:
    """`value` if it is a path on this site (open redirects refused), else `default`."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else default


def redirect(url: str) -> RedirectResponse:
    """See Other: after a form post, the browser GETs `url`."""
    return RedirectResponse(url, status_code=303)


def here(request: Request) -> str:
    """This request's path and query, as a redirect target."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def secure(response: Response) -> Response:
    """`response` with the pages' security headers (those it sets itself win)."""
    for name, value in security.PAGE_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def error_response(request: Request, error: DomainError) -> Response:
    """A domain error as JSON for in-page requests, or as an error page."""
    headers = response_headers(error)
    if wants_json(request):
        body: dict[str, Any] = {"code": error.code, "message": error.message}
        if error.details:
            body["details"] = error.details
        return JSONResponse({"error": body}, status_code=error.status, headers=headers)
    found = getattr(request.state, "web_session", None)
    context = {"error": error, "session": found, "page_title": "Something went wrong"}
    page = templating.render(request, "error.html", context, status_code=error.status)
    page.headers.update(headers)
    return page


def _sign_in_required(request: Request, error: DomainError) -> Response:
    if wants_json(request) or request.method not in ("GET", "HEAD"):
        if wants_json(request):
            return error_response(request, error)
        return redirect("/sign-in")
    return redirect(f"/sign-in?next={quote(here(request), safe='/')}")


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class WebRoute(APIRoute):
    """A route of the web UI: renders its own errors and adds the pages' security headers."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                response = await handler(request)
            except session.SignInRequired as error:
                response = _sign_in_required(request, error)
            except DomainError as error:
                response = error_response(request, error)
            except RequestValidationError:
                response = error_response(request, ValidationFailed("The request is not valid."))
            session.keep_cookie_current(request, response)
            return secure(response)

        return route
