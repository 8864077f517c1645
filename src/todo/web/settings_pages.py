"""Account settings: name, password, the devices signed in (with "sign out everywhere"),
exporting and importing tasks, and deleting the account."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from todo.auth import cookies, deps, service
from todo.auth.errors import AuthError
from todo.db import Row
from todo.errors import ValidationFailed
from todo.transfer import service as transfer
from todo.transfer.formats import ImportRejected
from todo.web import forms, http, planning, templating
from todo.web.forms import FormState, text
from todo.web.session import (
    ChangeSession,
    CurrentSession,
    WebSession,
    db_of,
    settings_of,
    wrote_session_cookie,
)

router = APIRouter(route_class=http.WebRoute, include_in_schema=False)

NOTICES = {
    "profile": "Your name has been saved.",
    "password": "Your password has been changed, and your other devices have been signed out.",
    "session-ended": "That device has been signed out.",
    "others": "Your other devices have been signed out.",
    "time-zone": "Your time zone has been saved.",
}
_BROWSERS = [
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]
_SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
]


def device_of(user_agent: str | None) -> str:
    """A short name for the browser behind a User-Agent, such as "Firefox on Windows"."""
    agent = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (re.sub(r"\s+", " ", agent)[:60] or "An unknown device")


@dataclass(frozen=True)
class Device:
    """One signed-in session, as the settings page lists it."""

    id: UUID
    name: str
    ip_address: str
    signed_in_at: datetime
    last_seen_at: datetime
    current: bool


def _devices(rows: list[Row], current_id: UUID) -> list[Device]:
    return [
        Device(
            id=row["id"],
            name=device_of(row["user_agent"]),
            ip_address=row["ip_address"] or "unknown address",
            signed_in_at=row["created_at"],
            last_seen_at=row["updated_at"],
            current=row["id"] == current_id,
        )
        for row in rows
    ]


@dataclass
class AccountForms:
    profile: FormState = field(default_factory=FormState)
    time_zone: FormState = field(default_factory=FormState)
    password: FormState = field(default_factory=FormState)
    data: FormState = field(default_factory=FormState)
    delete: FormState = field(default_factory=FormState)


def _notice(request: Request) -> str | None:
    """The message for what was just done (`?done=...`), if anything."""
    done = request.query_params.get("done", "")
    if done != "imported":
        return NOTICES.get(done)
    counts = [request.query_params.get(name, "") for name in ("created", "archived")]
    if not all(count.isdigit() for count in counts):
        return None
    created, archived = (int(count) for count in counts)
    tasks = f"{created} {'task' if created == 1 else 'tasks'}"
    return f"Imported {tasks}" + (f" and {archived} archived." if archived else ".")


async def render_account(
    request: Request, found: WebSession, states: AccountForms | None = None, status_code: int = 200
) -> Response:
    """The settings page, with the values and messages of a refused form if there is one."""
    states = states or AccountForms()
    states.profile.values.setdefault("name", found.user["name"] or "")
    db, user_id = db_of(request), found.user["id"]
    if "time_zone" not in states.time_zone.values:
        states.time_zone.values["time_zone"] = await planning.time_zone_of(db, user_id=user_id)
    rows = await service.list_sessions(db, user_id=user_id)
    context: dict[str, Any] = {
        "session": found,
        "forms": states,
        "time_zones": time_zones(),
        "devices": _devices(rows, found.session["id"]),
        "notice": _notice(request),
        "page_title": "Account",
    }
    return templating.render(request, "account.html", context, status_code=status_code)


@router.get("/account")
async def account(request: Request, found: CurrentSession) -> Response:
    """The account settings page."""
    return await render_account(request, found)


@router.post("/account/profile")
async def save_profile(request: Request, found: ChangeSession) -> Response:
    """Change the name shown for the account."""
    form = await request.form()
    name = text(form, "name").strip()
    states = AccountForms(profile=FormState(values={"name": text(form, "name")}))
    states.profile.require(form, {"name": "Enter your name."})
    if not states.profile.failed:
        try:
            changes = {"name": name}
            await service.update_user(db_of(request), user_id=found.user["id"], changes=changes)
            return http.redirect("/account?done=profile")
        except AuthError as error:
            states.profile.refuse(error)
    return await render_account(request, found, states, status_code=states.profile.status)


@cache
def time_zones() -> list[str]:
    """The IANA zone names a user may choose, sorted ("UTC" among them)."""
    return sorted(zoneinfo.available_timezones() | {"UTC"})


@router.post("/account/time-zone")
async def save_time_zone(request: Request, found: ChangeSession) -> Response:
    """Set the time zone that "today", due dates and the quick add's words are read in."""
    form = await request.form()
    states = AccountForms(time_zone=FormState(values={"time_zone": text(form, "time_zone")}))
    try:
        await planning.set_time_zone(
            db_of(request), user_id=found.user["id"], time_zone=text(form, "time_zone")
        )
    except ValidationFailed as error:
        states.time_zone.errors["time_zone"] = _refusal(error)
        return await render_account(request, found, states, status_code=400)
    return http.redirect("/account?done=time-zone")


@router.post("/account/password")
async def change_password(request: Request, found: ChangeSession) -> Response:
    """Replace the password (the current one is checked); other devices are signed out."""
    form = await request.form()
    states = AccountForms()
    state = states.password
    state.require(
        form,
        {
            "current_password": "Enter your current password.",
            "new_password": "Choose a new password.",
            "confirm_password": "Type the new password again.",
        },
    )
    if not state.failed and text(form, "new_password") != text(form, "confirm_password"):
        mismatch = "The two new passwords are not the same."
        state.errors["confirm_password"] = mismatch
    if not state.failed:
        try:
            await forms.limit(request, "/change-password")
            await service.change_password(
                db_of(request),
                settings_of(request),
                session=found.view,
                current_password=text(form, "current_password"),
                new_password=text(form, "new_password"),
                ip=deps.client_ip(request),
                user_agent=request.headers.get("user-agent"),
            )
            return http.redirect("/account?done=password")
        except AuthError as error:
            state.refuse(error, fields={"password": "new_password"})
    return await render_account(request, found, states, status_code=state.status)


def _signed_out(request: Request, target: str) -> Response:
    response = http.redirect(target)
    cookies.clear_session_cookies(response, settings_of(request))
    wrote_session_cookie(request)
    return response


@router.post("/account/sessions/{session_id:uuid}/revoke")
async def revoke_session(request: Request, session_id: UUID, found: ChangeSession) -> Response:
    """Sign one device out (this one too, if it is chosen)."""
    user_id = found.user["id"]
    await service.revoke_session(db_of(request), user_id=user_id, session_id=session_id)
    if session_id == found.session["id"]:
        return _signed_out(request, "/sign-in?done=signed-out")
    return http.redirect("/account?done=session-ended")


@router.post("/account/sessions/revoke-others")
async def revoke_others(request: Request, found: ChangeSession) -> Response:
    """Sign out every device but this one."""
    await service.revoke_other_sessions(
        db_of(request), user_id=found.user["id"], keep_session_id=found.session["id"]
    )
    return http.redirect("/account?done=others")


@router.post("/account/sessions/revoke-all")
async def sign_out_everywhere(request: Request, found: ChangeSession) -> Response:
    """Sign out on every device, this one included."""
    await service.revoke_sessions(db_of(request), user_id=found.user["id"])
    return _signed_out(request, "/sign-in?done=everywhere")


@router.post("/account/delete")
async def delete_account(request: Request, found: ChangeSession) -> Response:
    """Delete the account and all its tasks, once the password is confirmed."""
    form = await request.form()
    states = AccountForms()
    state = states.delete
    state.require(form, {"delete_password": "Enter your password to confirm."})
    if not state.failed:
        try:
            await service.delete_user(
                db_of(request),
                settings_of(request),
                session=found.view,
                password=text(form, "delete_password"),
            )
            return _signed_out(request, "/sign-in?done=deleted")
        except AuthError as error:
            state.refuse(error, fields={"current_password": "delete_password"})
    return await render_account(request, found, states, status_code=state.status)


def _refusal(error: ValidationFailed) -> str:
    """Why an import was refused, in a sentence that says nothing was imported."""
    message = error.message
    if not isinstance(error, ImportRejected):  # the file itself: say what the parser said
        reason = next(iter((error.details or {}).values()), [""])[0]
        message += f" ({reason})" if reason else ""
    message = message[:1].upper() + message[1:]
    return message if "nothing was imported" in message else f"{message}. Nothing was imported."


async def _uploaded(request: Request) -> tuple[bytes, transfer.ImportKind] | None:
    """The file chosen in the import form and its kind; None when none was chosen."""
    form = await request.form()
    try:
        upload = form.get("tasks_file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return None
        csv = upload.content_type == "text/csv" or upload.filename.lower().endswith(".csv")
        return await upload.read(), "csv" if csv else "json"
    finally:
        await form.close()  # the upload's temporary file


@router.post("/account/import")
async def import_tasks(request: Request, found: ChangeSession) -> Response:
    """Import a file of tasks (an export, or a CSV), all or nothing."""
    states = AccountForms()
    uploaded = await _uploaded(request)
    if uploaded is None:
        states.data.errors["tasks_file"] = "Choose a file: a JSON export or a CSV."
        return await render_account(request, found, states, status_code=400)
    raw, kind = uploaded
    user_id = found.user["id"]
    try:
        async with db_of(request).transaction(user_id) as tx:
            result = await transfer.import_bytes(tx, user_id=user_id, raw=raw, kind=kind)
    except ValidationFailed as error:
        states.data.errors["tasks_file"] = _refusal(error)
        return await render_account(request, found, states, status_code=400)
    counts = f"created={result.created}&archived={result.archived}"
    return http.redirect(f"/account?done=imported&{counts}")
