"""The planning views: Today, Upcoming (the next seven days by day), a page per tag, search,
and the quick-add preview the task page asks for while the user types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from todo.db import Row
from todo.tasks import service as task_service
from todo.web import http, planning, templating, views
from todo.web.session import CurrentSession, WebSession, db_of

router = APIRouter(route_class=http.WebRoute, include_in_schema=False)

QUERY_MAX = 200  # characters of a search or a quick-add line read; the rest is ignored
SEARCH_HINT = "Type a word or the start of one: every task that has them all is found."


@dataclass(frozen=True)
class ViewPage:
    """Everything task_view.html shows."""

    session: WebSession
    current: str  # "today", "upcoming", "tag:<name, lower case>" or "search"
    heading: str
    tags: list[Row]
    here: str
    items: list[dict[str, Any]]
    days: list[views.Day] | None = None
    query: str = ""
    intro: str | None = None
    empty: str | None = None
    next_page: str | None = None


async def _render(
    request: Request, found: WebSession, wanted: planning.ViewQuery, **page: Any
) -> Response:
    after = request.query_params.get("after")
    listed = await planning.load_view(
        db_of(request), user_id=found.user["id"], query=wanted, after=after
    )
    clock = listed.clock
    next_page = None
    if listed.next_cursor:
        params = {k: v for k, v in request.query_params.items() if k != "after"}
        next_page = f"{request.url.path}?{urlencode({**params, 'after': listed.next_cursor})}"
    if wanted.kind == "upcoming":
        days = task_service.upcoming_days(clock.zone.key, now=clock.now)
        page["days"] = views.upcoming_days(days, listed.rows, clock)
    shown = [views.shown(row, clock) for row in listed.rows]
    view = ViewPage(
        session=found,
        tags=listed.tags,
        here=http.here(request),
        items=shown,
        next_page=next_page,
        **page,
    )
    context = {"page": view, "session": found, "page_title": view.heading}
    return templating.render(request, "task_view.html", context)


@router.get("/today")
async def today(request: Request, found: CurrentSession) -> Response:
    """Open tasks due today or before, in the user's time zone; the overdue ones marked."""
    return await _render(
        request,
        found,
        planning.ViewQuery(kind="today"),
        current="today",
        heading="Today",
        empty="Nothing due today.",
    )


@router.get("/upcoming")
async def upcoming(request: Request, found: CurrentSession) -> Response:
    """Open tasks due in the next seven days, by day."""
    return await _render(
        request, found, planning.ViewQuery(kind="upcoming"), current="upcoming", heading="Upcoming"
    )


@router.get("/tags/{name:path}")
async def tag_page(request: Request, name: str, found: CurrentSession) -> Response:
    """Every task that carries the tag `name` (matched case-insensitively)."""
    return await _render(
        request,
        found,
        planning.ViewQuery(kind="tag", tag=name),
        current=f"tag:{name.lower()}",
        heading=f"#{name}",
        empty="No task has this tag.",
    )


@router.get("/search")
async def search(request: Request, found: CurrentSession) -> Response:
    """Tasks whose title or description has every word typed (each as a prefix), best first."""
    q = request.query_params.get("q", "")[:QUERY_MAX].strip()
    wanted = planning.ViewQuery(kind="search", q=q) if q else planning.ViewQuery(kind="none")
    words: dict[str, Any] = (
        {"heading": f"Search: {q}", "query": q, "empty": "No task matches."}
        if q
        else {"heading": "Search", "intro": SEARCH_HINT}
    )
    return await _render(request, found, wanted, current="search", **words)


@router.get("/tasks/quick-add")
async def quick_add_preview(request: Request, found: CurrentSession) -> Response:
    """What a quick-add line would save (the task page shows it as the user types)."""
    text = request.query_params.get("text", "")[:QUERY_MAX]
    parsed, clock = await planning.read_quick_add(
        db_of(request), user_id=found.user["id"], text=text
    )
    return JSONResponse(
        {
            "title": parsed.title,
            "understood": views.understood(parsed, clock),
            "due_at": parsed.due_at.isoformat() if parsed.due_at else None,
            "priority": parsed.priority,
            "tags": list(parsed.tags),
        }
    )
