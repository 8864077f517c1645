"""Plugging the web UI into the application: its routers and its static files."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from todo.web import account_pages, settings_pages, task_actions, task_pages, templating


def install(app: FastAPI) -> None:
    """Serve the web pages and /static on `app`."""
    app.mount(templating.STATIC_PREFIX, StaticFiles(directory=templating.STATIC_DIR), name="static")
    app.include_router(task_pages.router)
    app.include_router(task_actions.router)
    app.include_router(account_pages.router)
    app.include_router(settings_pages.router)
