"""Cross-site request forgery defences and the security headers of every page.

Every cookie-authenticated state change carries a token derived from the session (an HMAC of
the session id under BETTER_AUTH_SECRET, so nothing extra is stored) in a hidden field or the
`X-CSRF-Token` header, and must come from one of our own origins (`Origin`, else `Referer`).
Forms used before signing in (sign-in, sign-up, password reset) have no session to bind a token
to; for them the origin check is the defence, as in Better Auth.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from uuid import UUID

from starlette.requests import Request

from todo.auth import origin
from todo.config import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
PAGE_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # Pages hold one user's tasks: never keep them in a shared or back-forward cache.
    "cache-control": "no-store",
}


def csrf_token(settings: Settings, session_id: UUID) -> str:
    """The token forms and in-page requests of this session must send back."""
    digest = hmac.new(
        settings.secret.encode(), b"todo-web-csrf:" + session_id.bytes, hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def csrf_token_valid(settings: Settings, session_id: UUID, sent: str | None) -> bool:
    """Whether `sent` is this session's token (compared in constant time)."""
    return bool(sent) and hmac.compare_digest(str(sent), csrf_token(settings, session_id))


def _own_origin(request: Request) -> str | None:
    # The origin this request was addressed to (its Host), which is what a browser on one of
    # our pages sends, whatever name the operator reached the service by.
    host = request.headers.get("host")
    return origin.origin_of(f"{request.url.scheme}://{host}") if host else None


def same_origin(request: Request, settings: Settings) -> bool:
    """Whether a state-changing request comes from one of our own pages: its Origin (else
    Referer) is the service's, a trusted one (as /api/auth trusts), or this request's own."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    sent = request.headers.get("origin") or request.headers.get("referer")
    if sent is None:
        # No browser sends a cross-site POST without Origin; other clients carry no cookies
        # of ours unless given them, and still need the token.
        return True
    found = origin.origin_of(sent)
    if found is None:
        return False
    return found == _own_origin(request) or origin.is_trusted(settings, found, allow_relative=False)


def remembers_choices(request: Request) -> bool:
    """Whether a GET may save a preference: not when another site sent the browser here."""
    return request.headers.get("sec-fetch-site") not in ("cross-site", "same-site")
