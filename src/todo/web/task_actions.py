"""Task changes: plain form posts (answered with a redirect) and the page's in-page requests
(the same routes, asked for JSON)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from uuid import UUID

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import JSONResponse, Response

from todo.db import Row
from todo.errors import InvalidParameter, ValidationFailed
from todo.tasks.repository import TaskCounts
from todo.web import batch, http, planning, tasks, views
from todo.web.session import ChangeSession, WebSession, db_of
from todo.web.task_pages import render_edit_page, render_task_page

router = APIRouter(route_class=http.WebRoute, include_in_schema=False)


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _flag(form: FormData, name: str) -> bool:
    value = _text(form, name)
    if value not in ("true", "false"):
        raise InvalidParameter(f"{name} must be true or false")
    return value == "true"


def task_json(row: Row) -> dict[str, Any]:
    """A task as the page's script sees it."""
    return {
        "id": str(row["id"]),
        "title": row["title"],
        "description": row["description"],
        "completed": row["completed"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


def counts_json(counts: TaskCounts) -> dict[str, int]:
    return {"total": counts.total, "completed": counts.completed, "active": counts.active}


def _done(request: Request, change: tasks.Change, back: str, status_code: int = 200) -> Response:
    if not http.wants_json(request):
        return http.redirect(back)
    task = task_json(change.task) if change.task else None
    body = {"task": task, "counts": counts_json(change.counts)}
    return JSONResponse(body, status_code=status_code)


@router.post("/tasks")
async def create_task(request: Request, found: ChangeSession) -> Response:
    """Add a task, read as a quick-add line ("Call dentist tomorrow 3pm !high #health"). A
    blank title is ignored, as TodoMVC does."""
    form = await request.form()
    back = http.local_path(_text(form, "next"))
    title = _text(form, "title") or ""
    if not title.strip() and not http.wants_json(request):
        return http.redirect(back)
    try:
        change, parsed, clock = await planning.quick_add(
            db_of(request),
            user_id=found.user["id"],
            text=title,
            description=_text(form, "description"),
        )
    except ValidationFailed as error:
        if http.wants_json(request):
            raise
        return await render_task_page(
            request,
            found,
            back,
            new_title=title,
            new_title_error=batch.describe(error),
            status_code=400,
        )
    if not http.wants_json(request):
        return http.redirect(_with_added(back, change.task) if parsed.understood else back)
    body = {
        "task": task_json(change.task) if change.task else None,
        "counts": counts_json(change.counts),
        "understood": views.understood(parsed, clock),
    }
    return JSONResponse(body, status_code=201)


def _with_added(back: str, task: Row | None) -> str:
    """`back` with `added=<id>`: the page it leads to says what the quick add understood."""
    if task is None:
        return back
    parts = urlsplit(back)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "added"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("added", str(task["id"]))])))


@router.post("/tasks/toggle-all")
async def toggle_all(request: Request, found: ChangeSession) -> Response:
    """Mark every task done (completed=true) or not done (completed=false)."""
    form = await request.form()
    change = await tasks.set_all_completed(
        db_of(request), user_id=found.user["id"], completed=_flag(form, "completed")
    )
    return _done(request, change, http.local_path(_text(form, "next")))


@router.post("/tasks/clear-completed")
async def clear_completed(request: Request, found: ChangeSession) -> Response:
    """Delete every completed task."""
    form = await request.form()
    change = await tasks.clear_completed(db_of(request), user_id=found.user["id"])
    return _done(request, change, http.local_path(_text(form, "next")))


@router.post("/tasks/batch")
async def apply_batch(request: Request, body: batch.Batch, found: ChangeSession) -> Response:
    """The page's queued changes, applied in order (JSON in, JSON out)."""
    errors, counts = await batch.apply_batch(db_of(request), user_id=found.user["id"], batch=body)
    return JSONResponse({"errors": errors, "counts": counts_json(counts)})


@router.post("/tasks/{task_id:uuid}")
async def update_task(request: Request, task_id: UUID, found: ChangeSession) -> Response:
    """Change any of a task's title, description and completed state."""
    form = await request.form()
    back = http.local_path(_text(form, "next"))
    if "due_date" in form:
        return await _edit(request, task_id, found, form, back)
    changes: dict[str, Any] = {
        name: value for name in ("title", "description") if (value := _text(form, name)) is not None
    }
    if "completed" in form:
        changes["completed"] = _flag(form, "completed")
    db, user_id = db_of(request), found.user["id"]
    try:
        change = await tasks.update_task(db, user_id=user_id, task_id=task_id, changes=changes)
    except ValidationFailed as error:
        if http.wants_json(request):
            raise
        typed = {name: _text(form, name) or "" for name in ("title", "description")}
        return await render_edit_page(
            request,
            found,
            task_id,
            back=back,
            values=typed,
            errors=error.details,
            status_code=400,
        )
    return _done(request, change, back)


def _edit_of(form: FormData) -> planning.Edit:
    return planning.Edit(
        title=_text(form, "title") or "",
        description=_text(form, "description") or "",
        due_date=_text(form, "due_date") or "",
        due_time=_text(form, "due_time") or "",
        priority=_text(form, "priority") or "none",
        tags=[value for value in form.getlist("tags") if isinstance(value, str)],
        new_tags=_text(form, "new_tags") or "",
    )


async def _edit(
    request: Request, task_id: UUID, found: WebSession, form: FormData, back: str
) -> Response:
    """The edit page's form: every field of the task at once."""
    edit = _edit_of(form)
    try:
        change = await planning.edit_task(
            db_of(request), user_id=found.user["id"], task_id=task_id, edit=edit
        )
    except ValidationFailed as error:
        if http.wants_json(request):
            raise
        return await render_edit_page(
            request,
            found,
            task_id,
            back=back,
            values=asdict(edit),
            errors=error.details,
            status_code=400,
        )
    return _done(request, change, back)


@router.post("/tasks/{task_id:uuid}/delete")
async def delete_task(request: Request, task_id: UUID, found: ChangeSession) -> Response:
    """Delete one task."""
    form = await request.form()
    change = await tasks.delete_task(db_of(request), user_id=found.user["id"], task_id=task_id)
    return _done(request, change, http.local_path(_text(form, "next")))
