"""Better Auth's origin (CSRF) checks and its checks of redirect targets.

Trusted origins are the base URL's origin plus TRUSTED_ORIGINS (entries may use `*` and `?`
inside the host, e.g. `https://*.example.com`). When BETTER_AUTH_URL is unset and the service
listens on a loopback address, the loopback aliases on the same port are trusted too, so a
browser at http://localhost:8000 works with a server bound to 127.0.0.1:8000.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.requests import Request

from todo.auth.errors import AuthError, InvalidField
from todo.config import Settings

LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
MAX_URL_LENGTH = 2048
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

URL_FIELDS = {
    "callbackURL": "INVALID_CALLBACK_URL",
    "redirectTo": "INVALID_REDIRECT_URL",
    "errorCallbackURL": "INVALID_ERROR_CALLBACK_URL",
    "newUserCallbackURL": "INVALID_NEW_USER_CALLBACK_URL",
}


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL, lower-cased; None otherwise."""
    if _CONTROL.search(url):
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def trusted_origins(settings: Settings) -> list[str]:
    """The origins allowed to send credentialed requests and to be redirected to."""
    base = origin_of(settings.base_url)
    found = [base] if base else []
    if settings.better_auth_url is None and settings.host in {"127.0.0.1", "localhost", "::1"}:
        found += [f"http://{host}:{settings.port}" for host in LOOPBACK]
    found += [entry.lower() for entry in Settings.split(settings.trusted_origins)]
    return found


def _matches(candidate: str, pattern: str) -> bool:
    if "*" not in pattern and "?" not in pattern:
        return candidate == pattern
    # A wildcard never crosses into the path: origins have none, so `/` cannot be matched.
    regex = re.escape(pattern).replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
    return re.fullmatch(regex, candidate) is not None


def _is_relative_path(url: str) -> bool:
    # "/tasks" stays on this site; "//evil.example" and "/\evil.example" would not.
    return (
        url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and "\\" not in url
        and not _CONTROL.search(url)
    )


def is_trusted(settings: Settings, url: str, *, allow_relative: bool = True) -> bool:
    """Whether a redirect target (or an Origin) points at a trusted origin."""
    if allow_relative and _is_relative_path(url):
        return True
    candidate = origin_of(url)
    return candidate is not None and any(
        _matches(candidate, pattern) for pattern in trusted_origins(settings)
    )


def check_url(settings: Settings, field: str, value: object, *, where: str = "body") -> None:
    """Refuse an untrusted redirect target in `field` with Better Auth's code for it, and one
    longer than MAX_URL_LENGTH (it would come back in a Location header)."""
    if value is None or value == "":
        return
    if not isinstance(value, str):
        raise AuthError("BAD_REQUEST", 400, f"Invalid {field}: expected a string")
    if len(value) > MAX_URL_LENGTH:
        message = f"Too long: at most {MAX_URL_LENGTH} characters"
        raise InvalidField(field, message, where=where)
    if not is_trusted(settings, value):
        raise AuthError(URL_FIELDS.get(field, "INVALID_CALLBACK_URL"), 403)


def _validate_origin(request: Request, settings: Settings) -> None:
    value = request.headers.get("origin") or request.headers.get("referer") or ""
    if not value or value == "null":
        raise AuthError("MISSING_OR_NULL_ORIGIN", 403)
    if not is_trusted(settings, value, allow_relative=False):
        raise AuthError("INVALID_ORIGIN", 403)


def check_request(request: Request, settings: Settings, *, sign_in_form: bool) -> None:
    """Better Auth's CSRF rules for a state-changing request.

    With cookies, Origin (or Referer) must be trusted. Sign-in and sign-up also refuse a
    cross-site navigation (a form posted from another site) and validate any Origin sent by a
    browser, cookies or not. Requests without cookies and browser headers (curl, servers,
    bearer clients) pass.

    One deviation: Better Auth treats any Fetch Metadata header as a browser's, but Node's
    fetch (undici) sends `Sec-Fetch-Mode: cors` alone and no Origin, so Better Auth itself
    refuses its own client under Node with MISSING_OR_NULL_ORIGIN. Browsers always send
    `Sec-Fetch-Site` with the others, so only that header marks a browser here; browsers stay
    exactly as protected.
    """
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    if "cookie" in request.headers:
        _validate_origin(request, settings)
        return
    if not sign_in_form:
        return
    headers = request.headers
    site, mode = headers.get("sec-fetch-site"), headers.get("sec-fetch-mode")
    if site:
        if site == "cross-site" and mode == "navigate":
            raise AuthError("CROSS_SITE_NAVIGATION_LOGIN_BLOCKED", 403)
        _validate_origin(request, settings)
    elif headers.get("origin") or headers.get("referer"):
        _validate_origin(request, settings)
