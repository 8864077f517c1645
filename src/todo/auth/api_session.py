"""/api/auth routes that open, read and close sessions; the JWT plugin's /token and /jwks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field

from todo.auth import cookies, service, shapes
from todo.auth.deps import (
    Body,
    CallerDep,
    DbDep,
    EmailField,
    GivenPassword,
    Image,
    KeysDep,
    MailerDep,
    MaybeCallerDep,
    Name,
    NewPassword,
    RedirectTarget,
    SettingsDep,
    body,
    client_ip,
    request_body,
)
from todo.auth.errors import MethodNotAllowed

router = APIRouter()


class SignUpBody(Body):
    name: Name
    email: EmailField
    password: NewPassword
    image: Image | None = None
    callback_url: RedirectTarget | None = Field(default=None, alias="callbackURL")
    remember_me: bool = Field(default=True, alias="rememberMe")


class SignInBody(Body):
    email: EmailField
    password: GivenPassword
    callback_url: RedirectTarget | None = Field(default=None, alias="callbackURL")
    remember_me: bool = Field(default=True, alias="rememberMe")


def _user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")


@router.post(
    "/sign-up/email",
    summary="Create an account (signed in at once unless verification is required)",
    openapi_extra=request_body(SignUpBody),
    responses=shapes.responses(shapes.TokenAndUser, 400, 415, 422),
)
async def sign_up(
    request: Request,
    response: Response,
    settings: SettingsDep,
    db: DbDep,
    mailer: MailerDep,
    data: Annotated[SignUpBody, Depends(body(SignUpBody))],
) -> dict[str, Any]:
    user, signed_in = await service.sign_up(
        db,
        settings,
        mailer,
        email=data.email,
        password=data.password,
        name=data.name,
        image=data.image,
        remember=data.remember_me,
        ip=client_ip(request),
        user_agent=_user_agent(request),
        callback_url=data.callback_url,
    )
    if signed_in is not None:
        cookies.set_session_cookie(response, settings, signed_in.token, remember=data.remember_me)
    return {"token": signed_in.token if signed_in else None, "user": shapes.user(user)}


@router.post(
    "/sign-in/email",
    summary="Sign in with email and password",
    openapi_extra=request_body(SignInBody),
    responses=shapes.responses(shapes.SignedInOut, 400, 401, 415),
)
async def sign_in(
    request: Request,
    response: Response,
    settings: SettingsDep,
    db: DbDep,
    mailer: MailerDep,
    data: Annotated[SignInBody, Depends(body(SignInBody))],
) -> dict[str, Any]:
    signed_in = await service.sign_in(
        db,
        settings,
        mailer,
        email=data.email,
        password=data.password,
        remember=data.remember_me,
        ip=client_ip(request),
        user_agent=_user_agent(request),
    )
    cookies.set_session_cookie(response, settings, signed_in.token, remember=data.remember_me)
    result: dict[str, Any] = {
        "redirect": bool(data.callback_url),
        "token": signed_in.token,
        "user": shapes.user(signed_in.user),
    }
    if data.callback_url:
        result["url"] = data.callback_url
        response.headers["location"] = data.callback_url
    return result


@router.post(
    "/sign-out",
    summary="End the current session",
    responses=shapes.responses(shapes.SuccessOut),
)
async def sign_out(
    request: Request, response: Response, settings: SettingsDep, db: DbDep
) -> dict[str, bool]:
    token = cookies.session_token_from_request(request, settings)
    if token:
        await service.sign_out(db, token=token)
    cookies.clear_session_cookies(response, settings)
    return {"success": True}


@router.get(
    "/get-session",
    summary="The current session and user, or null",
    responses=shapes.responses(shapes.SessionAndUser | None),
)
async def get_session(
    response: Response,
    caller: MaybeCallerDep,
    keys: KeysDep,
    disable_refresh: Annotated[
        str | None,
        Query(alias="disableRefresh", description="Any value: do not slide the expiry."),
    ] = None,
) -> dict[str, Any] | None:
    """`null` without a live session. (`disableRefresh` is read by the session dependency.)"""
    response.headers["cache-control"] = "no-store"
    response.headers["pragma"] = "no-cache"
    if caller is None:
        return None
    user = shapes.user(caller.view.user)
    # The JWT plugin hands a fresh JWT to every session read.
    session_id = caller.view.session["id"]
    response.headers["set-auth-jwt"] = await keys.issue(user, session_id=session_id)
    cookies.expose_header(response, "set-auth-jwt")
    return {"session": shapes.session(caller.view.session, caller.token), "user": user}


@router.post("/get-session", include_in_schema=False)
async def get_session_post() -> None:
    raise MethodNotAllowed(
        "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED",
        "POST method requires deferSessionRefresh to be enabled in session config",
        allow="GET",
    )


@router.get(
    "/token",
    summary="A short-lived EdDSA JWT for the current user",
    responses=shapes.responses(shapes.JwtOut, 401),
)
async def token(caller: CallerDep, keys: KeysDep) -> dict[str, str]:
    session_id = caller.view.session["id"]
    return {"token": await keys.issue(shapes.user(caller.view.user), session_id=session_id)}


@router.get(
    "/jwks",
    summary="The public keys that verify JWTs from /token",
    responses=shapes.responses(shapes.JwksOut),
)
async def jwks(keys: KeysDep) -> dict[str, Any]:
    return await keys.jwks()


@router.get("/ok", summary="Liveness of the auth routes")
async def ok() -> dict[str, bool]:
    return {"ok": True}
