"""Mounting the task API on the app: routes, middleware, error handlers, OpenAPI."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from todo.api import errors, openapi, ratelimit, repository
from todo.api.deps import ApiState
from todo.auth.credentials import KeyLoader, PublicKeys, Verifier
from todo.config import Settings
from todo.db import Database
from todo.preferences import api as preferences_api
from todo.tags import api as tags_api
from todo.tasks import api as tasks_api
from todo.transfer import api as transfer_api

# What a browser script may read from a cross-origin answer.
EXPOSED_HEADERS = [
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Retry-After",
    "ETag",
    "Idempotent-Replayed",
    "set-auth-token",
    "set-auth-jwt",
]
# What a browser script may send cross-origin (beyond the CORS-safelisted headers).
ALLOWED_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
]


def _key_loader(db: Database) -> KeyLoader:
    async def load() -> dict[str, str]:
        async with db.transaction(None) as tx:
            return await repository.current_public_keys(tx)

    return load


def mount(app: FastAPI, *, settings: Settings, db: Database) -> None:
    """Serve the task API on `app` (routes under /api/{user_id}/: tasks, tags, preferences,
    export and import)."""
    secret = settings.better_auth_secret
    verifier = Verifier(
        secret=secret.get_secret_value() if secret is not None else None,
        keys=PublicKeys(_key_loader(db)),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        secure_cookie=settings.base_url.startswith("https://"),
    )
    app.state.api = ApiState(
        verifier=verifier,
        windows=ratelimit.windows(settings),
        sweeper=ratelimit.CounterSweeper(),
    )
    app.include_router(tasks_api.router)
    app.include_router(tags_api.router)
    app.include_router(preferences_api.router)
    app.include_router(transfer_api.router)
    errors.install(app)
    # Added last = outermost: CORS headers reach every answer, the edge's refusals included.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=Settings.split(settings.cors_origins),
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
    )
    bodies = (
        *tasks_api.BODY_MODELS,
        *tags_api.BODY_MODELS,
        *preferences_api.BODY_MODELS,
        *transfer_api.BODY_MODELS,
    )
    openapi.install(app, prefix="/api/{user_id}/", bodies=bodies)
