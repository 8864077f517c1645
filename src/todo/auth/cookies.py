"""Better Auth's session cookies and its bearer plugin, on Starlette requests and responses.

Cookies are written exactly as better-call serialises them (`name=value; Max-Age=N; Path=/;
HttpOnly; Secure; SameSite=Lax`); `Secure` and the `__Secure-` name prefix only when the base
URL is https, so plain-http local use works. Whenever a response sets a session cookie it also
carries `set-auth-token` (the signed token), as the bearer plugin adds, for clients without a
cookie jar.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import Response

from todo.auth import tokens
from todo.config import Settings

PREFIX = "better-auth."
SESSION_TOKEN = "session_token"  # noqa: S105 (a cookie name)
SESSION_DATA = "session_data"
DONT_REMEMBER = "dont_remember"
AUTH_TOKEN_HEADER = "set-auth-token"  # noqa: S105 (a header name)


def is_secure(settings: Settings) -> bool:
    """Whether cookies get `Secure` (and the `__Secure-` prefix): only behind https."""
    return settings.base_url.startswith("https://")


def cookie_name(settings: Settings, name: str) -> str:
    """The full cookie name, e.g. `better-auth.session_token`."""
    return ("__Secure-" if is_secure(settings) else "") + PREFIX + name


def _cookie(settings: Settings, name: str, value: str, max_age: int | None) -> str:
    parts = [f"{cookie_name(settings, name)}={value}"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    parts += ["Path=/", "HttpOnly"]
    if is_secure(settings):
        parts.append("Secure")
    parts.append("SameSite=Lax")
    return "; ".join(parts)


def expose_header(response: Response, name: str) -> None:
    """Add `name` to Access-Control-Expose-Headers, keeping what is there."""
    current = [
        h.strip() for h in response.headers.get("access-control-expose-headers", "").split(",")
    ]
    if name not in current:
        response.headers["access-control-expose-headers"] = ", ".join(
            [*filter(None, current), name]
        )


def set_session_cookie(
    response: Response, settings: Settings, token: str, *, remember: bool = True
) -> None:
    """Set the signed session cookie (a browser-session cookie unless `remember`)."""
    signed = tokens.sign(token, settings.secret)
    max_age = settings.session_expires_in if remember else None
    response.headers.append(
        "set-cookie", _cookie(settings, SESSION_TOKEN, quote(signed, ""), max_age)
    )
    if remember:
        response.headers.append("set-cookie", _cookie(settings, DONT_REMEMBER, "", 0))
    else:
        flag = quote(tokens.sign("true", settings.secret), "")
        response.headers.append("set-cookie", _cookie(settings, DONT_REMEMBER, flag, None))
    response.headers[AUTH_TOKEN_HEADER] = signed
    expose_header(response, AUTH_TOKEN_HEADER)


def clear_session_cookies(response: Response, settings: Settings) -> None:
    """Expire every session cookie (sign-out, revoked or deleted session)."""
    for name in (SESSION_TOKEN, SESSION_DATA, DONT_REMEMBER):
        response.headers.append("set-cookie", _cookie(settings, name, "", 0))


def _signed_cookie(request: Request, settings: Settings, name: str) -> str | None:
    value = request.cookies.get(cookie_name(settings, name))
    return tokens.unsign(unquote(value), settings.secret) if value else None


def _bearer(request: Request, settings: Settings) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        return None
    if "%" in value:
        value = unquote(value)
    # Without a dot it is a raw token from a JSON body; the plugin signs such tokens itself.
    return tokens.unsign(value, settings.secret) if "." in value else value


def session_token_from_request(request: Request, settings: Settings) -> str | None:
    """The raw session token: from `Authorization: Bearer` (signed or raw), else the cookie.

    A bearer value that does not verify (a JWT, say) is ignored, as the bearer plugin does.
    """
    return _bearer(request, settings) or _signed_cookie(request, settings, SESSION_TOKEN)


def wants_remembering(request: Request, settings: Settings) -> bool:
    """False when the browser signed in with rememberMe=false (its `dont_remember` cookie)."""
    return _signed_cookie(request, settings, DONT_REMEMBER) != "true"
