"""Who is signed in: the `better-auth.session_token` cookie, resolved by the accounts service.

The session is looked up once per request. When the service slides its expiry forward, or the
cookie names a session that is gone, the web route sets or clears the cookie on its way out
(`http.WebRoute`), as Better Auth's get-session does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, NoReturn
from urllib.parse import unquote

from fastapi import Depends, Request
from starlette.responses import Response

from todo import logs
from todo.auth import cookies, service, tokens
from todo.auth.mail import Mailer
from todo.config import Settings
from todo.db import Database, Row
from todo.errors import Forbidden, Unauthorized
from todo.web import security


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
    """The signed-in user of a request, their session and the raw session token."""

    view: service.SessionView
    token: str
    csrf_token: str

    @property
    def user(self) -> Row:
        return self.view.user

    @property
    def session(self) -> Row:
        return self.view.session


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def db_of(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def mailer_of(request: Request) -> Mailer:
    mailer: Mailer = request.app.state.mailer
    return mailer


def _cookie_token(request: Request, settings: Settings) -> str | None:
    # Pages read the cookie only: a browser never sends our bearer tokens by itself.
    value = request.cookies.get(cookies.cookie_name(settings, cookies.SESSION_TOKEN))
    return tokens.unsign(unquote(value), settings.secret) if value else None


async def current(request: Request) -> WebSession | None:
    """The request's signed-in session, or None."""
    if hasattr(request.state, "web_session"):
        cached: WebSession | None = request.state.web_session
        return cached
    settings = settings_of(request)
    found = None
    token = _cookie_token(request, settings)
    if token is not None:
        refresh = cookies.wants_remembering(request, settings)
        view = await service.get_session(db_of(request), settings, token=token, refresh=refresh)
        if view is not None:
            csrf = security.csrf_token(settings, view.session["id"])
            found = WebSession(view=view, token=token, csrf_token=csrf)
    stale = (
        found is None and cookies.cookie_name(settings, cookies.SESSION_TOKEN) in request.cookies
    )
    if stale:
        logs.audit("web.session", outcome="failure", reason="NO_LIVE_SESSION")
    request.state.web_session = found
    request.state.stale_cookie = stale
    return found


def keep_cookie_current(request: Request, response: Response) -> None:
    """Re-set a slid session's cookie, or expire a cookie whose session is gone, unless the
    handler already wrote the session cookie itself (sign-in, sign-out)."""
    if getattr(request.state, "session_cookie_written", False):
        return
    settings = settings_of(request)
    found: WebSession | None = getattr(request.state, "web_session", None)
    if found is not None and found.view.refreshed:
        cookies.set_session_cookie(response, settings, found.token, remember=True)
    elif getattr(request.state, "stale_cookie", False):
        cookies.clear_session_cookies(response, settings)


def wrote_session_cookie(request: Request) -> None:
    """Tell `keep_cookie_current` that this response carries the session cookie already."""
    request.state.session_cookie_written = True


async def required(request: Request) -> WebSession:
    """The signed-in session, or SignInRequired."""
    found = await current(request)
    if found is None:
        logs.audit("web.access", outcome="denied", reason="SIGN_IN_REQUIRED", path=request.url.path)
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
        await request.close()  # the parsed form's uploads, if it had any
        _csrf_refused(request, user_id=found.user["id"])
    return found


async def checked_anonymous(request: Request) -> None:
    """A form sent before signing in: it must at least come from one of our pages."""
    if not security.same_origin(request, settings_of(request)):
        _csrf_refused(request, user_id=None)


def _csrf_refused(request: Request, *, user_id: object) -> NoReturn:
    logs.audit("web.csrf", outcome="refused", user_id=user_id, path=request.url.path)
    raise CsrfRejected()


OptionalSession = Annotated[WebSession | None, Depends(current)]
CurrentSession = Annotated[WebSession, Depends(required)]
ChangeSession = Annotated[WebSession, Depends(checked_change)]
AnonymousForm = Annotated[None, Depends(checked_anonymous)]
