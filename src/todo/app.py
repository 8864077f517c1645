"""create_app(): the web process (routers, middleware, handlers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from starlette.types import ASGIApp

from todo import __version__, health, logs, migrate
from todo.api.mount import mount as mount_api
from todo.auth import api as auth_api
from todo.config import Settings, SettingsError, load_settings
from todo.db import Database
from todo.edge.barrier import Barrier
from todo.edge.middleware import InputGuard
from todo.transfer import api as transfer_api
from todo.web import mount as web

_NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
"""Without it FastAPI looks up the OpenTelemetry providers (and the environment) on every
request, about 5 % of a worker's time on a simple GET."""


class Service(FastAPI):
    """The application, with the edge's barrier outside everything Starlette adds (see
    todo.edge.barrier: no exception may reach the server)."""

    def build_middleware_stack(self) -> ASGIApp:
        return Barrier(super().build_middleware_stack())


def create_app(settings: Settings, *, database_url: str) -> FastAPI:
    """The ASGI application, talking to the database at `database_url`."""
    db = Database.from_settings(settings, database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await db.open()
        try:
            yield
        finally:
            await auth_api.shutdown(app)
            await db.close()

    telemetry = None if settings.opentelemetry else _NO_TELEMETRY
    app = Service(title="todo", version=__version__, lifespan=lifespan, telemetry=telemetry)
    app.state.settings = settings
    app.state.db = db
    app.add_middleware(
        InputGuard,
        max_bytes=settings.max_body_bytes,
        body_timeout=settings.body_timeout,
        max_query_bytes=settings.max_query_bytes,
        # Imports carry a whole account's tasks (the web form's file too).
        larger={
            transfer_api.IMPORT_PATH: settings.import_max_bytes,
            "/account/import": settings.import_max_bytes,
        },
    )
    auth_api.mount(app, settings, db)
    mount_api(app, settings=settings, db=db)

    @app.get("/healthz", tags=["probes"], summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    head = migrate.head(database_url)  # the migrations ship with the code: known at start

    @app.get("/readyz", tags=["probes"], summary="Readiness: database answers, schema at head")
    async def readyz() -> JSONResponse:
        result = await health.readiness(db.url, head=head, limit_seconds=settings.readyz_timeout)
        return JSONResponse(result.as_body(), status_code=200 if result.ready else 503)

    web.install(app)

    return app


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory`: settings from the environment, DATABASE_URL required."""
    settings = load_settings()
    logs.configure(settings.log_level)
    if settings.database_url is None:
        raise SystemExit("DATABASE_URL is not set; start the service with `todo serve`")
    try:
        return create_app(settings, database_url=settings.database_url)
    except SettingsError as error:
        raise SystemExit(f"{error}; start the service with `todo serve`") from None
