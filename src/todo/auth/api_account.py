"""/api/auth routes for the signed-in user: profile, password, sessions, account deletion."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field

from todo.auth import cookies, service, shapes
from todo.auth.deps import (
    Body,
    CallerDep,
    DbDep,
    GivenPassword,
    Image,
    Name,
    NewPassword,
    RedirectTarget,
    SettingsDep,
    Token,
    body,
    client_ip,
    request_body,
)
from todo.auth.errors import AuthError

router = APIRouter()


class UpdateUserBody(Body):
    name: Name | None = None
    image: Image | None = None
    email: Any = Field(default=None, description="Refused: the email cannot be changed here.")


class ChangePasswordBody(Body):
    new_password: NewPassword = Field(alias="newPassword")
    current_password: GivenPassword = Field(alias="currentPassword")
    revoke_other_sessions: bool = Field(default=False, alias="revokeOtherSessions")


class RevokeSessionBody(Body):
    token: Token = Field(description="A session id from list-sessions, or a session token.")


class DeleteUserBody(Body):
    password: GivenPassword | None = None
    token: Token | None = None
    callback_url: RedirectTarget | None = Field(default=None, alias="callbackURL")


@router.post(
    "/update-user",
    summary="Change the user's name or image",
    openapi_extra=request_body(UpdateUserBody),
    responses=shapes.responses(shapes.StatusOut, 400, 401),
)
async def update_user(
    request: Request,
    response: Response,
    settings: SettingsDep,
    db: DbDep,
    caller: CallerDep,
    data: Annotated[UpdateUserBody, Depends(body(UpdateUserBody))],
) -> dict[str, bool]:
    if "email" in data.model_fields_set:
        raise AuthError("EMAIL_CAN_NOT_BE_UPDATED")
    changes = {field: getattr(data, field) for field in data.model_fields_set}
    if not changes:
        raise AuthError("", 400, "No fields to update")
    await service.update_user(db, user_id=caller.user_id, changes=changes)
    remember = cookies.wants_remembering(request, settings)
    cookies.set_session_cookie(response, settings, caller.token, remember=remember)
    return {"status": True}


@router.post(
    "/change-password",
    summary="Change the password; other sessions end",
    openapi_extra=request_body(ChangePasswordBody),
    responses=shapes.responses(shapes.TokenAndUser, 400, 401),
)
async def change_password(
    request: Request,
    response: Response,
    settings: SettingsDep,
    db: DbDep,
    caller: CallerDep,
    data: Annotated[ChangePasswordBody, Depends(body(ChangePasswordBody))],
) -> dict[str, Any]:
    signed_in = await service.change_password(
        db,
        settings,
        session=caller.view,
        current_password=data.current_password,
        new_password=data.new_password,
        revoke_other_sessions=data.revoke_other_sessions,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    if signed_in is not None:
        cookies.set_session_cookie(response, settings, signed_in.token)
    return {"token": signed_in.token if signed_in else None, "user": shapes.user(caller.view.user)}


@router.get(
    "/list-sessions",
    summary="The user's active sessions (needs a fresh session)",
    responses=shapes.responses(list[shapes.SessionOut], 401, 403),
)
async def list_sessions(
    settings: SettingsDep, db: DbDep, caller: CallerDep
) -> list[dict[str, Any]]:
    """Better Auth returns each session's raw token; only hashes are stored here, so `token`
    holds the session id instead, and /revoke-session accepts that id."""
    service.require_fresh(settings, caller.view, code="SESSION_NOT_FRESH", status=403)
    rows = await service.list_sessions(db, user_id=caller.user_id)
    return [shapes.session(row, str(row["id"])) for row in rows]


def _session_id(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


@router.post(
    "/revoke-session",
    summary="End one of the user's sessions (by the id from list-sessions, or a raw token)",
    openapi_extra=request_body(RevokeSessionBody),
    responses=shapes.responses(shapes.StatusOut, 400, 401),
)
async def revoke_session(
    response: Response,
    settings: SettingsDep,
    db: DbDep,
    caller: CallerDep,
    data: Annotated[RevokeSessionBody, Depends(body(RevokeSessionBody))],
) -> dict[str, bool]:
    session_id = _session_id(data.token)
    if session_id is None:
        target = await service.get_session(db, settings, token=data.token, refresh=False)
        session_id = target.session["id"] if target else None
    if session_id is not None:
        await service.revoke_session(db, user_id=caller.user_id, session_id=session_id)
        if session_id == caller.view.session["id"]:
            cookies.clear_session_cookies(response, settings)
    return {"status": True}


@router.post(
    "/revoke-sessions",
    summary="End every session of the user",
    responses=shapes.responses(shapes.StatusOut, 401),
)
async def revoke_sessions(
    response: Response, settings: SettingsDep, db: DbDep, caller: CallerDep
) -> dict[str, bool]:
    await service.revoke_sessions(db, user_id=caller.user_id)
    cookies.clear_session_cookies(response, settings)
    return {"status": True}


@router.post(
    "/revoke-other-sessions",
    summary="End every session but the current one",
    responses=shapes.responses(shapes.StatusOut, 401),
)
async def revoke_other_sessions(db: DbDep, caller: CallerDep) -> dict[str, bool]:
    keep = caller.view.session["id"]
    await service.revoke_other_sessions(db, user_id=caller.user_id, keep_session_id=keep)
    return {"status": True}


@router.post(
    "/delete-user",
    summary="Delete the account and everything in it",
    openapi_extra=request_body(DeleteUserBody),
    responses=shapes.responses(shapes.SuccessOut, 400, 401, 404),
)
async def delete_user(
    response: Response,
    settings: SettingsDep,
    db: DbDep,
    caller: CallerDep,
    data: Annotated[DeleteUserBody, Depends(body(DeleteUserBody))],
) -> dict[str, Any]:
    if data.token is not None:
        # Deletion by emailed confirmation is not offered, so no such token can exist.
        raise AuthError("INVALID_TOKEN", 404)
    if data.password is None:
        service.require_fresh(settings, caller.view, code="SESSION_EXPIRED", status=400)
    await service.delete_user(db, settings, session=caller.view, password=data.password)
    cookies.clear_session_cookies(response, settings)
    return {"success": True, "message": "User deleted"}
