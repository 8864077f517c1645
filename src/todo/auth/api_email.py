"""/api/auth routes of the emailed links: password reset and email verification."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import Field

from todo.auth import origin, recovery, service, shapes
from todo.auth.deps import (
    Body,
    DbDep,
    EmailField,
    MailerDep,
    MaybeCallerDep,
    NewPassword,
    RedirectTarget,
    SettingsDep,
    Token,
    body,
    request_body,
)
from todo.auth.errors import AuthError
from todo.auth.jwt import origin as origin_of_base
from todo.config import Settings

router = APIRouter()

RESET_REQUESTED = "If this email exists in our system, check your email for the reset link"


class RequestResetBody(Body):
    email: EmailField
    redirect_to: RedirectTarget | None = Field(default=None, alias="redirectTo")


class ResetBody(Body):
    new_password: NewPassword = Field(alias="newPassword")
    token: Token | None = Field(default=None, description="Or in the query string (?token=).")


class SendVerificationBody(Body):
    email: EmailField
    callback_url: RedirectTarget | None = Field(default=None, alias="callbackURL")


def _redirect(settings: Settings, target: str, **params: str) -> RedirectResponse:
    if target.startswith("/"):
        target = origin_of_base(settings.base_url) + target
    if params:
        target += ("&" if "?" in target else "?") + urlencode(params)
    return RedirectResponse(target, status_code=302)


CALLBACK_DOC = "Where to send the browser (a path, or a URL on a trusted origin)."
CallbackQuery = Annotated[str | None, Query(alias="callbackURL", description=CALLBACK_DOC)]
RequiredCallbackQuery = Annotated[str, Query(alias="callbackURL", description=CALLBACK_DOC)]


def _callback(settings: Settings, value: str | None) -> str | None:
    origin.check_url(settings, "callbackURL", value, where="query")
    return value or None


@router.post(
    "/request-password-reset",
    summary="Email a password-reset link (the answer never says whether the account exists)",
    openapi_extra=request_body(RequestResetBody),
    responses=shapes.responses(shapes.StatusOut, 400),
)
async def request_password_reset(
    settings: SettingsDep,
    db: DbDep,
    mailer: MailerDep,
    data: Annotated[RequestResetBody, Depends(body(RequestResetBody))],
) -> dict[str, Any]:
    await service.request_password_reset(
        db, settings, mailer, email=data.email, redirect_to=data.redirect_to
    )
    return {"status": True, "message": RESET_REQUESTED}


@router.get(
    "/reset-password/{token}",
    summary="The emailed link: redirects to callbackURL with ?token= (or ?error=INVALID_TOKEN)",
    response_class=RedirectResponse,
    status_code=302,
    responses=shapes.responses(None, 400),
)
async def reset_password_link(
    token: str, settings: SettingsDep, db: DbDep, callback_url: RequiredCallbackQuery
) -> RedirectResponse:
    """`callbackURL` is required (400 VALIDATION_ERROR without it), as in Better Auth."""
    callback = _callback(settings, callback_url) or recovery.DEFAULT_RESET_PAGE
    if await recovery.reset_token_is_valid(db, token=token):
        return _redirect(settings, callback, token=token)
    return _redirect(settings, callback, error="INVALID_TOKEN")


@router.post(
    "/reset-password",
    summary="Set a new password with a reset token; every session ends",
    openapi_extra=request_body(ResetBody),
    responses=shapes.responses(shapes.StatusOut, 400),
)
async def reset_password(
    request: Request,
    settings: SettingsDep,
    db: DbDep,
    data: Annotated[ResetBody, Depends(body(ResetBody))],
) -> dict[str, bool]:
    token = data.token or request.query_params.get("token")
    if not token:
        raise AuthError("INVALID_TOKEN")
    await service.reset_password(db, settings, token=token, new_password=data.new_password)
    return {"status": True}


@router.post(
    "/send-verification-email",
    summary="Email a verification link to an unverified address",
    openapi_extra=request_body(SendVerificationBody),
    responses=shapes.responses(shapes.StatusOut, 400),
)
async def send_verification_email(
    settings: SettingsDep,
    db: DbDep,
    mailer: MailerDep,
    caller: MaybeCallerDep,
    data: Annotated[SendVerificationBody, Depends(body(SendVerificationBody))],
) -> dict[str, bool]:
    await service.send_verification_email(
        db,
        settings,
        mailer,
        email=data.email,
        callback_url=data.callback_url,
        session=caller.view if caller else None,
    )
    return {"status": True}


@router.get(
    "/verify-email",
    summary="The emailed link: marks the address verified, then redirects to callbackURL",
    response_model=None,
    responses={
        **shapes.responses(None, 401),
        302: {"description": "To callbackURL (with ?error=<code> when the link failed)"},
    },
)
async def verify_email(
    settings: SettingsDep,
    db: DbDep,
    token: Annotated[str, Query(description="The token from the emailed link.")] = "",
    callback_url: CallbackQuery = None,
) -> dict[str, Any] | RedirectResponse:
    callback = _callback(settings, callback_url)
    try:
        await service.verify_email(db, settings, token=token)
    except AuthError as error:
        if callback is None:
            raise
        return _redirect(settings, callback, error=error.code)
    if callback is not None:
        return _redirect(settings, callback)
    return {"status": True, "user": None}
