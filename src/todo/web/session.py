"""Who is signed in: the `better-auth.session_token` cookie resolved to a user and session.

Until the accounts service is merged this resolves the cookie itself (unsign, hash, look up);
`current` is the one function to switch to `todo.auth.service.get_session`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Request

from todo.auth import repository as auth_sql
from todo.auth import tokens
from todo.config import Settings
from todo.db import Database, Row
from todo.errors import Forbidden, Unauthorized
from todo.web import security

COOKIE_NAME = "better-auth.session_token"


class SignInRequired(Unauthorized):
    """The page needs a signed-in user; browsers are sent to the sign-in page."""

    def __init__(self) -> None:
        super().__init__("Sign in to continue.")


class CsrfRejected(Forbidden):
    """A state change without this session's token or from another site."""

    def __init__(self) -> None:
        super().__init__(
            "This form was sent from another site or has expired. Reload the page and try again."
        )


@dataclass(frozen=True)
class WebSession:
    """The signed-in user of a request, their session row and the raw session token."""

    user: Row
    session: Row
    token: str
    csrf_token: str
    refreshed: bool = False


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def db_of(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def cookie_name(settings: Settings) -> str:
    """Better Auth's cookie name: `__Secure-` prefixed when the service is served over https."""
    secure = settings.base_url.startswith("https://")
    return f"__Secure-{COOKIE_NAME}" if secure else COOKIE_NAME


def session_token(request: Request, settings: Settings) -> str | None:
    """The raw token in the request's session cookie, if its signature holds."""
    value = request.cookies.get(cookie_name(settings))
    return tokens.unsign(unquote(value), settings.secret) if value else None


async def current(request: Request) -> WebSession | None:
    """The request's signed-in session (looked up once per request), or None."""
    if hasattr(request.state, "web_session"):
        cached: WebSession | None = request.state.web_session
        return cached
    settings = settings_of(request)
    found = None
    token = session_token(request, settings)
    if token is not None:
        async with db_of(request).transaction(None) as tx:
            session = await auth_sql.find_active_session(tx, token_hash=tokens.hash_token(token))
            user = session and await auth_sql.get_user(tx, user_id=session["user_id"])
        if session and user:
            found = WebSession(
                user=user,
                session=session,
                token=token,
                csrf_token=security.csrf_token(settings, session["id"]),
            )
    request.state.web_session = found
    return found


async def required(request: Request) -> WebSession:
    """The signed-in session, or SignInRequired."""
    found = await current(request)
    if found is None:
        raise SignInRequired()
    return found


async def checked_change(request: Request) -> WebSession:
    """The signed-in session of a state change that passed the CSRF checks."""
    found = await required(request)
    settings = settings_of(request)
    sent = request.headers.get(security.CSRF_HEADER)
    if sent is None:
        sent = str((await request.form()).get(security.CSRF_FIELD) or "")
    if not security.same_origin(request, settings) or not security.csrf_token_valid(
        settings, found.session["id"], sent
    ):
        raise CsrfRejected()
    return found


async def checked_anonymous(request: Request) -> None:
    """A form sent before signing in: it must at least come from one of our pages."""
    if not security.same_origin(request, settings_of(request)):
        raise CsrfRejected()


OptionalSession = Annotated[WebSession | None, Depends(current)]
CurrentSession = Annotated[WebSession, Depends(required)]
ChangeSession = Annotated[WebSession, Depends(checked_change)]
