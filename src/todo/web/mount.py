"""Plugging the web UI into the application: its routers and its static files."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response

from todo.errors import NotFound
from todo.web import (
    account_pages,
    http,
    settings_pages,
    task_actions,
    task_pages,
    templating,
    view_pages,
)


def install(app: FastAPI) -> None:
    """Serve the web pages and /static on `app`."""
    app.mount(templating.STATIC_PREFIX, StaticFiles(directory=templating.STATIC_DIR), name="static")
    app.include_router(task_pages.router)
    app.include_router(task_actions.router)
    app.include_router(view_pages.router)
    app.include_router(account_pages.router)
    app.include_router(settings_pages.router)
    _html_not_found(app)


def _html_not_found(app: FastAPI) -> None:
    """A person who mistypes an address gets a page, not JSON; the APIs keep their own shape."""
    other: Any = app.exception_handlers.get(HTTPException, http_exception_handler)

    async def handle(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        wants_page = "text/html" in request.headers.get("accept", "")
        if error.status_code == 404 and wants_page and not request.url.path.startswith("/api/"):
            return http.secure(http.error_response(request, NotFound("There is no such page.")))
        answer = other(request, error)
        fallback: Response = await answer if inspect.isawaitable(answer) else answer
        return fallback

    app.add_exception_handler(HTTPException, handle)
