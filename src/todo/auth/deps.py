"""FastAPI dependencies of /api/auth: context, request bodies, the caller's session, guards.

Bodies are parsed here rather than by FastAPI so that every refusal has Better Auth's shape
(415 for other media types, 400 `VALIDATION_ERROR` with `[body.field] message`), whatever
handler the rest of the application installs for its own validation errors.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from todo import logs
from todo.auth import cookies, domain, origin, passwords, ratelimit, service
from todo.auth.errors import AuthError
from todo.auth.jwt import KeyStore
from todo.auth.mail import Mailer
from todo.config import Settings
from todo.db import Database

PREFIX = "/api/auth"
MAX_TOKEN_LENGTH = 255  # session ids, session and emailed tokens are far shorter
SIGN_IN_PATHS = {"/sign-in/email", "/sign-up/email"}  # form posts allowed, stricter CSRF
STRICT_PATHS = SIGN_IN_PATHS | {"/change-password"}
EMAIL_PATHS = {"/request-password-reset", "/send-verification-email"}

M = TypeVar("M", bound=BaseModel)


class Body(BaseModel):
    """A request body: unknown keys ignored, no type coercion (as Better Auth's zod schemas)."""

    model_config = ConfigDict(extra="ignore", strict=True, populate_by_name=False)


# --- body fields: each says in the OpenAPI document what the server enforces ---
# Password rules are the service's (Better Auth's codes: PASSWORD_TOO_SHORT, ...), so their
# bounds are documented here and enforced there, before any hashing.

EmailField = Annotated[
    str,
    Field(
        max_length=domain.MAX_EMAIL_LENGTH,
        description="An email address (INVALID_EMAIL otherwise).",
        json_schema_extra={"format": "email"},
    ),
]
NewPassword = Annotated[
    str,
    Field(
        description=f"{passwords.MIN_LENGTH} to {passwords.MAX_LENGTH} characters with an "
        "upper-case letter, a lower-case letter and a digit (PASSWORD_TOO_SHORT, "
        "PASSWORD_TOO_LONG, PASSWORD_TOO_WEAK).",
        json_schema_extra={
            "format": "password",
            "minLength": passwords.MIN_LENGTH,
            "maxLength": passwords.MAX_LENGTH,
        },
    ),
]
GivenPassword = Annotated[
    str,
    Field(
        description=f"At most {passwords.MAX_LENGTH} characters: no password is longer.",
        json_schema_extra={"format": "password", "maxLength": passwords.MAX_LENGTH},
    ),
]
Name = Annotated[str, Field(max_length=domain.MAX_NAME_LENGTH)]
Image = Annotated[
    str,
    Field(
        max_length=domain.MAX_IMAGE_LENGTH,
        pattern=domain.IMAGE_PATTERN,
        description="An http(s) URL, or a data:image URL, in printable ASCII.",
    ),
]
RedirectTarget = Annotated[
    str,
    Field(
        max_length=origin.MAX_URL_LENGTH,
        description="A path on this site, or a URL on a trusted origin.",
    ),
]
Token = Annotated[str, Field(max_length=MAX_TOKEN_LENGTH)]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _state(name: str) -> Callable[[Request], Any]:
    """A dependency that returns `app.state.<name>` (set up by `todo.auth.api.mount`)."""

    def get(request: Request) -> Any:
        return getattr(request.app.state, name)

    return get


SettingsDep = Annotated[Settings, Depends(_settings)]
DbDep = Annotated[Database, Depends(_state("db"))]
MailerDep = Annotated[Mailer, Depends(_state("mailer"))]
KeysDep = Annotated[KeyStore, Depends(_state("jwt_keys"))]


def client_ip(request: Request) -> str:
    """The client's address (uvicorn resolves X-Forwarded-For from trusted proxies only)."""
    return request.client.host if request.client else ""


def route_path(request: Request) -> str:
    """The path below /api/auth, e.g. `/sign-in/email`."""
    return request.url.path.removeprefix(PREFIX)


# --- bodies ---


def _form_value(value: str) -> object:
    return {"true": True, "false": False}.get(value, value)


async def _raw_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded" and route_path(request) in SIGN_IN_PATHS:
        pairs = parse_qsl(raw.decode(errors="replace"), keep_blank_values=True)
        return {key: _form_value(value) for key, value in pairs}
    if media != "application/json":
        message = f'Content-Type "{media}" is not allowed. Allowed types: application/json'
        raise AuthError("UNSUPPORTED_MEDIA_TYPE", 415, message)
    try:
        data = json.loads(raw)
    except ValueError:
        raise AuthError("BAD_REQUEST", 400, "Invalid JSON in request body") from None
    if not isinstance(data, dict):
        raise AuthError("BODY_MUST_BE_AN_OBJECT")
    return data


def _zod_style(error: ValidationError) -> str:
    issues = []
    for issue in error.errors():
        where = ".".join(str(part) for part in issue["loc"])
        issues.append(f"[body.{where}] {issue['msg']}")
    return "; ".join(issues)


def body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency that parses the body as `model`; redirect targets in it must be trusted."""

    async def parse(request: Request) -> M:
        data = await _raw_body(request)
        settings = _settings(request)
        for field in origin.URL_FIELDS:
            origin.check_url(settings, field, data.get(field))
        callback = request.query_params.get("callbackURL")
        origin.check_url(settings, "callbackURL", callback, where="query")
        try:
            return model.model_validate(data)
        except ValidationError as error:
            raise AuthError("VALIDATION_ERROR", 400, _zod_style(error)) from None

    return parse


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` that documents the JSON body a route parses itself."""
    schema = model.model_json_schema(by_alias=True)
    content = {"application/json": {"schema": schema}}
    return {"requestBody": {"required": True, "content": content}}


# --- the caller ---


@dataclass(frozen=True)
class Caller:
    """A request's live session and the raw token that carried it."""

    view: service.SessionView
    token: str

    @property
    def user_id(self) -> Any:
        return self.view.user["id"]


async def optional_caller(
    request: Request, response: Response, settings: SettingsDep, db: DbDep
) -> Caller | None:
    """The caller's session if any; slides it (and re-sets the cookie) when due."""
    token = cookies.session_token_from_request(request, settings)
    has_cookie = cookies.cookie_name(settings, cookies.SESSION_TOKEN) in request.cookies
    if not token:
        if has_cookie:
            logs.audit("auth.session", outcome="failure", reason="BAD_SIGNATURE")
        return None
    # Better Auth: no sliding for a rememberMe=false browser, nor when the caller asks not to.
    refresh = cookies.wants_remembering(request, settings)
    refresh = refresh and not request.query_params.get("disableRefresh")
    view = await service.get_session(db, settings, token=token, refresh=refresh)
    if view is None:
        logs.audit("auth.session", outcome="failure", reason="NO_LIVE_SESSION")
        if has_cookie:
            cookies.clear_session_cookies(response, settings)
        return None
    if view.refreshed:
        cookies.set_session_cookie(response, settings, token, remember=True)
    return Caller(view=view, token=token)


async def required_caller(caller: Annotated[Caller | None, Depends(optional_caller)]) -> Caller:
    """The caller's session; 401 UNAUTHORIZED without one."""
    if caller is None:
        raise AuthError("UNAUTHORIZED", 401)
    return caller


MaybeCallerDep = Annotated[Caller | None, Depends(optional_caller)]
CallerDep = Annotated[Caller, Depends(required_caller)]


# --- guards for the whole router ---


async def limit_by_address(request: Request, settings: SettingsDep, db: DbDep) -> None:
    """Per-client-address limits, counted in PostgreSQL (shared by every worker)."""
    if not settings.auth_rate_limit_enabled:
        return
    address, path = client_ip(request), route_path(request)
    window = settings.auth_rate_limit_window
    rules = [
        ratelimit.Rule(ratelimit.address_key(address, "all"), settings.auth_rate_limit_max, window)
    ]
    if path in STRICT_PATHS:
        key = ratelimit.address_key(address, path)
        rules.append(ratelimit.Rule(key, settings.auth_rate_limit_sign_in_max, window))
    if path in EMAIL_PATHS:
        key = ratelimit.address_key(address, path)
        limit, email_window = (
            settings.auth_rate_limit_email_max,
            settings.auth_rate_limit_email_window,
        )
        rules.append(ratelimit.Rule(key, limit, email_window))
    await ratelimit.enforce(db, rules)


async def check_origin(request: Request, settings: SettingsDep) -> None:
    """Better Auth's CSRF checks on state-changing requests."""
    path = route_path(request)
    try:
        origin.check_request(request, settings, sign_in_form=path in SIGN_IN_PATHS)
    except AuthError as error:
        logs.audit("auth.origin", outcome="refused", reason=error.code, path=PREFIX + path)
        raise
