"""The task page (`/`, `/active`, `/completed`) and the per-task edit page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from uuid import UUID

from fastapi import APIRouter, Request
from starlette.responses import Response

from todo.errors import TaskNotFound
from todo.web import http, listing, planning, security, tasks, templating, views
from todo.web.session import CurrentSession, WebSession, db_of, settings_of

router = APIRouter(route_class=http.WebRoute, include_in_schema=False)

BLANK_TASK: dict[str, Any] = {
    "id": "",
    "title": "",
    "description": None,
    "completed": False,
    "due_label": None,
    "overdue": False,
    "priority_name": "none",
    "tags": [],
}


@dataclass(frozen=True)
class TaskPage:
    """Everything tasks.html shows."""

    session: WebSession
    view: listing.Filter
    tasks: tasks.TaskList
    here: str
    next_page: str | None
    first_page: str | None
    new_title: str = ""
    new_title_error: str | None = None
    added: dict[str, Any] | None = None  # the task a quick add just saved, to say what it read
    filter_paths: dict[listing.Filter, str] = field(
        default_factory=lambda: dict(listing.FILTER_PATHS)
    )
    blank_task: dict[str, Any] = field(default_factory=lambda: dict(BLANK_TASK))


def view_of(path: str) -> listing.Filter:
    """The filter a task page path shows."""
    return next((view for view, p in listing.FILTER_PATHS.items() if p == path), "all")


async def render_task_page(
    request: Request,
    found: WebSession,
    location: str,
    *,
    remember: bool = False,
    new_title: str = "",
    new_title_error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The task page at `location` (a path and query such as `/active?sort=title`)."""
    parts = urlsplit(location)
    view = view_of(parts.path)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    added = await _added(request, found, query.pop("added", None))
    parts = parts._replace(query=urlencode(query))
    ordering = listing.parse_ordering(query.get("sort"), query.get("order"))
    task_list = await tasks.load_list(
        db_of(request),
        user_id=found.user["id"],
        view=view,
        ordering=ordering,
        remember=remember,
        after=query.get("after"),
        limit=settings_of(request).web_page_size,
    )
    path = listing.FILTER_PATHS[view]
    chosen = {"sort": task_list.ordering.sort, "order": task_list.ordering.order}
    next_page = None
    if task_list.next_cursor:
        next_page = f"{path}?{urlencode({**chosen, 'after': task_list.next_cursor})}"
    first_page = None
    if query.get("after"):
        first_page = f"{path}?{urlencode(chosen)}" if ordering else path
    page = TaskPage(
        session=found,
        view=view,
        tasks=task_list,
        here=f"{path}?{parts.query}" if parts.query else path,
        next_page=next_page,
        first_page=first_page,
        new_title=new_title,
        new_title_error=new_title_error,
        added=added,
    )
    context = {"page": page, "session": found, "page_title": "todos"}
    return templating.render(request, "tasks.html", context, status_code=status_code)


async def _added(request: Request, found: WebSession, task_id: str | None) -> dict[str, Any] | None:
    """The task named by `?added=` (just saved by a quick add), if it is one of the user's."""
    try:
        wanted = UUID(task_id or "")
    except ValueError:
        return None
    try:
        task = await planning.get_shown_task(
            db_of(request), user_id=found.user["id"], task_id=wanted
        )
    except TaskNotFound:
        return None
    return {**task, "parts": views.parts_of(task)}


async def _page(request: Request, found: WebSession) -> Response:
    return await render_task_page(
        request, found, http.here(request), remember=security.remembers_choices(request)
    )


@router.get("/")
async def all_tasks(request: Request, found: CurrentSession) -> Response:
    """Every task (TodoMVC's "All")."""
    return await _page(request, found)


@router.get("/active")
async def active_tasks(request: Request, found: CurrentSession) -> Response:
    """Tasks not yet done."""
    return await _page(request, found)


@router.get("/completed")
async def completed_tasks(request: Request, found: CurrentSession) -> Response:
    """Tasks done."""
    return await _page(request, found)


def edit_values(task: dict[str, Any]) -> dict[str, Any]:
    """The edit form's fields filled from a shown task."""
    day, _, at = (task["due_iso"] or "").partition("T")
    return {
        "title": task["title"],
        "description": task["description"] or "",
        "due_date": day,
        "due_time": at,
        "priority": task["priority_name"],
        "tags": [tag["name"] for tag in task["tags"]],
        "new_tags": "",
    }


async def render_edit_page(
    request: Request,
    found: WebSession,
    task_id: UUID,
    *,
    back: str,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    """The edit form of one task, showing `values` (what was typed, over what is stored) and
    `errors`."""
    task, tags = await planning.load_edit(db_of(request), user_id=found.user["id"], task_id=task_id)
    shown = {**edit_values(task), **(values or {})}
    ticked = {name.lower() for name in shown["tags"]}
    context = {
        "session": found,
        "task": task,
        "values": shown,
        "ticked": ticked,
        "all_tags": tags,
        "priorities": views.PRIORITY_NAMES,
        "errors": errors or {},
        "back": back,
        "page_title": "Edit task",
    }
    return templating.render(request, "task_edit.html", context, status_code=status_code)


@router.get("/tasks/{task_id:uuid}/edit")
async def edit_task(request: Request, task_id: UUID, found: CurrentSession) -> Response:
    """A page to change a task: title, description, due date, priority and tags (also the
    no-JavaScript edit)."""
    back = http.local_path(request.query_params.get("next"))
    return await render_edit_page(request, found, task_id, back=back)
