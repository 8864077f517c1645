"""The /api/auth router: Better Auth's email-and-password, bearer and JWT endpoints.

Paths, JSON shapes, cookies and error bodies (`{message, code}`) follow Better Auth 1.7 so its
official client works against this server. Every route first passes the per-address rate
limits and the origin (CSRF) check, as Better Auth's global middleware runs before routing.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from todo.auth import api_account, api_email, api_session, shapes
from todo.auth.deps import PREFIX, check_origin, limit_by_address
from todo.auth.jwt import KeyStore
from todo.auth.mail import Mailer
from todo.config import Settings
from todo.db import Database

router = APIRouter(
    prefix=PREFIX,
    tags=["auth"],
    dependencies=[Depends(limit_by_address), Depends(check_origin)],
    responses=shapes.COMMON_ERRORS,
)
router.include_router(api_session.router)
router.include_router(api_account.router)
router.include_router(api_email.router)


def mount(app: FastAPI, settings: Settings, db: Database) -> None:
    """Serve /api/auth on `app` (its mailer and JWT keys live on `app.state`)."""
    settings.secret  # noqa: B018  (fails now, with one line, when BETTER_AUTH_SECRET is unset)
    app.state.mailer = Mailer.from_settings(settings)
    app.state.jwt_keys = KeyStore(db, settings)
    app.include_router(router)  # its errors are rendered by todo.api.errors, as Better Auth's


async def shutdown(app: FastAPI) -> None:
    """Let the emails still being sent go out."""
    await app.state.mailer.drain()
