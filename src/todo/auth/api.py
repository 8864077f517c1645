"""The /api/auth router: Better Auth's email-and-password, bearer and JWT endpoints.

Paths, JSON shapes, cookies and error bodies (`{message, code}`) follow Better Auth 1.7 so its
official client works against this server. Every route first passes the per-address rate
limits and the origin (CSRF) check, as Better Auth's global middleware runs before routing.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from todo.auth import api_account, api_email, api_session, shapes
from todo.auth.deps import PREFIX, check_origin, limit_by_address
from todo.auth.errors import AuthError, TooManyRequests
from todo.auth.jwt import KeyStore
from todo.auth.mail import Mailer
from todo.config import Settings
from todo.db import Database
from todo.errors import DomainError, ServiceUnavailable

router = APIRouter(
    prefix=PREFIX,
    tags=["auth"],
    dependencies=[Depends(limit_by_address), Depends(check_origin)],
    responses=shapes.COMMON_ERRORS,
)
router.include_router(api_session.router)
router.include_router(api_account.router)
router.include_router(api_email.router)


async def _render(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AuthError)
    content = (
        {"message": error.message, "code": error.code} if error.code else {"message": error.message}
    )
    headers = {}
    if isinstance(error, TooManyRequests):
        headers = {"Retry-After": str(error.retry_after), "X-Retry-After": str(error.retry_after)}
    return JSONResponse(content, status_code=error.status, headers=headers)


async def _render_unavailable(request: Request, error: Exception) -> Response:
    """503 in Better Auth's shape on /api/auth; elsewhere whatever renders DomainErrors."""
    assert isinstance(error, ServiceUnavailable)
    if request.url.path.startswith(PREFIX + "/"):
        retry = str(error.retry_after)
        return JSONResponse(
            {"message": error.message, "code": error.code},
            status_code=error.status,
            headers={"Retry-After": retry, "X-Retry-After": retry},
        )
    other = request.app.exception_handlers.get(DomainError)
    if other is None:
        raise error
    response: Response = await other(request, error)
    return response


def mount(app: FastAPI, settings: Settings, db: Database) -> None:
    """Serve /api/auth on `app` (its mailer and JWT keys live on `app.state`)."""
    settings.secret  # noqa: B018  (fails now, with one line, when BETTER_AUTH_SECRET is unset)
    app.state.mailer = Mailer.from_settings(settings)
    app.state.jwt_keys = KeyStore(db, settings)
    app.include_router(router)
    app.add_exception_handler(AuthError, _render)
    app.add_exception_handler(ServiceUnavailable, _render_unavailable)


async def shutdown(app: FastAPI) -> None:
    """Let the emails still being sent go out."""
    await app.state.mailer.drain()
