"""Signing up, in and out, a forgotten password, and the email verification pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from todo.auth import cookies, deps, recovery, service
from todo.auth.errors import AuthError
from todo.web import forms, http, templating
from todo.web.forms import FormState, text
from todo.web.session import (
    AnonymousForm,
    ChangeSession,
    OptionalSession,
    db_of,
    mailer_of,
    settings_of,
    wrote_session_cookie,
)

router = APIRouter(route_class=http.WebRoute, include_in_schema=False)

VERIFIED_PAGE = "/email-verified"
NOTICES = {
    "signed-out": "You have signed out.",
    "everywhere": "You have been signed out on every device.",
    "password-reset": "Your password has been changed. Sign in with the new one.",
    "deleted": "Your account and all its tasks have been deleted.",
}


def render_form(
    request: Request, template: str, state: FormState, *, status_code: int = 200, **extra: Any
) -> Response:
    """A form page showing `state` (values, messages), plus whatever else it needs."""
    context = {
        "form": state,
        "session": getattr(request.state, "web_session", None),
        "notice": NOTICES.get(request.query_params.get("done", "")),
        **extra,
    }
    return templating.render(request, template, context, status_code=status_code)


def _signed_in(request: Request, token: str, back: str, *, remember: bool) -> Response:
    response = http.redirect(back)
    cookies.set_session_cookie(response, settings_of(request), token, remember=remember)
    wrote_session_cookie(request)
    return response


@router.get("/sign-in")
async def sign_in_page(request: Request, found: OptionalSession) -> Response:
    """The sign-in form; signed-in visitors go straight on to `next`."""
    back = http.local_path(request.query_params.get("next"))
    if found is not None:
        return http.redirect(back)
    state = FormState(values={"email": request.query_params.get("email", "")})
    return render_form(
        request, "sign_in.html", state, back=back, page_title="Sign in", unverified=False
    )


@router.post("/sign-in")
async def sign_in(request: Request, _: AnonymousForm) -> Response:
    """Check the password, start a session, go back to where the visitor was going."""
    form = await request.form()
    back = http.local_path(text(form, "next"))
    state = FormState(values={"email": text(form, "email")})
    state.require(form, {"email": "Enter your email address.", "password": "Enter your password."})
    remember = text(form, "remember") == "on"
    if not state.failed:
        try:
            await forms.limit(request, "/sign-in/email")
            signed = await service.sign_in(
                db_of(request),
                settings_of(request),
                mailer_of(request),
                email=text(form, "email"),
                password=text(form, "password"),
                remember=remember,
                ip=deps.client_ip(request),
                user_agent=request.headers.get("user-agent"),
            )
            return _signed_in(request, signed.token, back, remember=remember)
        except AuthError as error:
            state.refuse(error)
    return render_form(
        request,
        "sign_in.html",
        state,
        status_code=state.status,
        back=back,
        page_title="Sign in",
        unverified=state.message == forms.EXPLAINED["EMAIL_NOT_VERIFIED"][1],
    )


@router.get("/sign-up")
async def sign_up_page(request: Request, found: OptionalSession) -> Response:
    """The form to create an account."""
    back = http.local_path(request.query_params.get("next"))
    if found is not None:
        return http.redirect(back)
    return render_form(request, "sign_up.html", FormState(), back=back, page_title="Sign up")


@router.post("/sign-up")
async def sign_up(request: Request, _: AnonymousForm) -> Response:
    """Create the account and, unless the address must be verified first, sign in at once."""
    form = await request.form()
    back = http.local_path(text(form, "next"))
    state = FormState(values={"name": text(form, "name"), "email": text(form, "email")})
    state.require(
        form,
        {
            "name": "Enter your name.",
            "email": "Enter your email address.",
            "password": "Choose a password.",
        },
    )
    if not state.failed:
        try:
            await forms.limit(request, "/sign-up/email")
            user, signed = await service.sign_up(
                db_of(request),
                settings_of(request),
                mailer_of(request),
                email=text(form, "email"),
                password=text(form, "password"),
                name=text(form, "name").strip(),
                callback_url=VERIFIED_PAGE,
                ip=deps.client_ip(request),
                user_agent=request.headers.get("user-agent"),
            )
        except AuthError as error:
            state.refuse(error)
        else:
            if signed is None:
                return http.redirect("/verify-email?" + urlencode({"email": user["email"]}))
            return _signed_in(request, signed.token, back, remember=True)
    return render_form(
        request, "sign_up.html", state, status_code=state.status, back=back, page_title="Sign up"
    )


@router.post("/sign-out")
async def sign_out(request: Request, found: ChangeSession) -> Response:
    """End this browser's session."""
    await service.sign_out(db_of(request), token=found.token)
    response = http.redirect("/sign-in?done=signed-out")
    cookies.clear_session_cookies(response, settings_of(request))
    wrote_session_cookie(request)
    return response


@router.get("/forgot-password")
async def forgot_password_page(request: Request) -> Response:
    """Ask for a link to choose a new password."""
    state = FormState(values={"email": request.query_params.get("email", "")})
    return render_form(
        request, "forgot_password.html", state, sent=False, page_title="Forgotten password"
    )


async def _email_form(
    request: Request,
    scope: forms.EmailLimit,
    send: Callable[[str], Awaitable[None]],
    *,
    template: str,
    page_title: str,
) -> Response:
    """A form that emails a link to the address typed in, saying the same whether or not the
    address has an account."""
    form = await request.form()
    state = FormState(values={"email": text(form, "email")})
    state.require(form, {"email": "Enter your email address."})
    sent = False
    if not state.failed:
        try:
            await forms.limit(request, scope)
            await send(text(form, "email"))
            sent = True
        except AuthError as error:
            state.refuse(error)
    status = 200 if sent else state.status
    return render_form(
        request, template, state, status_code=status, sent=sent, page_title=page_title
    )


@router.post("/forgot-password")
async def forgot_password(request: Request, _: AnonymousForm) -> Response:
    """Email a reset link if the address has an account; the answer is the same either way."""

    async def send(email: str) -> None:
        await recovery.request_password_reset(
            db_of(request), settings_of(request), mailer_of(request), email=email
        )

    return await _email_form(
        request,
        "/request-password-reset",
        send,
        template="forgot_password.html",
        page_title="Forgotten password",
    )


@router.get("/reset-password")
async def reset_password_page(request: Request) -> Response:
    """Where an emailed reset link lands (`?token=`, or `?error=` from /api/auth)."""
    token = request.query_params.get("token", "")
    state = FormState()
    usable = bool(token) and not request.query_params.get("error")
    if not (usable and await recovery.reset_token_is_valid(db_of(request), token=token)):
        state.message = forms.EXPLAINED["INVALID_TOKEN"][1]
    return render_form(
        request,
        "reset_password.html",
        state,
        status_code=400 if state.message else 200,
        token=token,
        page_title="Choose a new password",
    )


@router.post("/reset-password")
async def reset_password(request: Request, _: AnonymousForm) -> Response:
    """Set the new password; every session of the account ends."""
    form = await request.form()
    token = text(form, "token")
    state = FormState()
    state.require(
        form, {"password": "Choose a new password.", "confirm": "Type the new password again."}
    )
    if not state.failed and text(form, "password") != text(form, "confirm"):
        state.errors["confirm"] = "The two passwords are not the same."
    if not state.failed:
        try:
            await service.reset_password(
                db_of(request),
                settings_of(request),
                token=token,
                new_password=text(form, "password"),
            )
            return http.redirect("/sign-in?done=password-reset")
        except AuthError as error:
            state.refuse(error)
    return render_form(
        request,
        "reset_password.html",
        state,
        status_code=state.status,
        token=token,
        page_title="Choose a new password",
    )


@router.get("/verify-email")
async def verify_email_page(request: Request, found: OptionalSession) -> Response:
    """Check your inbox: the link is on its way (and a form to send another)."""
    email = found.user["email"] if found else request.query_params.get("email", "")
    state = FormState(values={"email": email})
    return render_form(
        request, "verify_email.html", state, sent=False, page_title="Verify your email"
    )


@router.post("/verify-email")
async def resend_verification(request: Request, _: AnonymousForm) -> Response:
    """Send a new verification link to an unverified address (revealing nothing)."""

    async def send(email: str) -> None:
        await service.send_verification_email(
            db_of(request),
            settings_of(request),
            mailer_of(request),
            email=email,
            callback_url=VERIFIED_PAGE,
        )

    return await _email_form(
        request,
        "/send-verification-email",
        send,
        template="verify_email.html",
        page_title="Verify your email",
    )


@router.get(VERIFIED_PAGE)
async def email_verified(request: Request, found: OptionalSession) -> Response:
    """Where a verification link lands, with `?error=` when it did not work."""
    state = FormState()
    error = request.query_params.get("error")
    if error:
        state.message = forms.EXPLAINED.get(error, forms.EXPLAINED["INVALID_TOKEN"])[1]
    return render_form(
        request,
        "email_verified.html",
        state,
        status_code=400 if error else 200,
        page_title="Email verification",
    )
