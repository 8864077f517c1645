"""Jinja2 templates and versioned static URLs for the web pages."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
STATIC_PREFIX = "/static"


@cache
def _fingerprint(path: str) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


def static_url(path: str) -> str:
    """The URL of a file under static/, versioned by its content so browsers may cache it."""
    return f"{STATIC_PREFIX}/{path}?v={_fingerprint(path)}"


_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.globals["static"] = static_url
templates = Jinja2Templates(env=_environment)


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """A page rendered from `name` with `context` (the template also sees `request`)."""
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def render_fragment(name: str, context: dict[str, Any]) -> str:
    """Markup from a template without a response around it."""
    return _environment.get_template(name).render(context)
