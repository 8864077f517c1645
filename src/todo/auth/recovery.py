"""Emailed single-use links: password reset and email verification.

A link carries a random token; `verifications` keeps only its SHA-256 with an expiry, so a
database leak opens no account. A token is deleted when it is used, whether or not it had
expired, so no link works twice. Mail goes out in the background: whether an address has an
account makes no difference to the answer or to its timing.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote
from uuid import UUID

from todo import logs
from todo.auth import passwords, repository, throttle, tokens
from todo.auth.domain import SessionView, audited_refusals, normalize_email, now
from todo.auth.errors import AuthError
from todo.auth.mail import Mailer
from todo.config import Settings
from todo.db import Database, Row, Transaction

RESET = "reset-password"
VERIFY = "email-verification"
DEFAULT_RESET_PAGE = "/reset-password"
"""Where a reset link lands (with `?token=`) when the request named no `redirectTo`."""


def _hashed(token: str) -> str:
    return tokens.hash_token(token).hex()


async def _issue(tx: Transaction, *, user_id: UUID, kind: str, lifetime: int) -> str:
    token = tokens.new_token()
    await repository.prune_verifications(tx)
    await repository.insert_verification(
        tx,
        user_id=user_id,
        identifier=kind,
        value=_hashed(token),
        expires_at=now() + timedelta(seconds=lifetime),
    )
    return token


async def issue_verification(tx: Transaction, settings: Settings, *, user_id: UUID) -> str:
    """A new email-verification token for the user (stored hashed)."""
    lifetime = settings.verification_token_expires_in
    return await _issue(tx, user_id=user_id, kind=VERIFY, lifetime=lifetime)


def mail_verification(
    mailer: Mailer, settings: Settings, email: str, token: str, callback_url: str | None
) -> None:
    """Send the verification link (in the background)."""
    link = (
        f"{settings.base_url}/api/auth/verify-email?token={token}"
        f"&callbackURL={quote(callback_url or '/', safe='')}"
    )
    hours = settings.verification_token_expires_in / 3600
    text = (
        "Confirm your email address for todo by opening this link:\n\n"
        f"{link}\n\nThe link works once and expires in {hours:g} hour(s). "
        "If you did not sign up, ignore this message.\n"
    )
    mailer.post(to=email, subject="Verify your email address", text=text, link=link)


async def request_password_reset(
    db: Database, settings: Settings, mailer: Mailer, *, email: str, redirect_to: str | None = None
) -> None:
    """Email a reset link if the address has an account; say nothing either way."""
    email = normalize_email(email)
    async with db.transaction(None) as tx:
        user = await repository.get_user_by_email(tx, email=email)
        logs.audit("auth.request_password_reset", outcome="accepted", email=email)
        if user is None:
            return
        lifetime = settings.reset_password_token_expires_in
        token = await _issue(tx, user_id=user["id"], kind=RESET, lifetime=lifetime)
    target = quote(redirect_to or DEFAULT_RESET_PAGE, safe="")
    link = f"{settings.base_url}/api/auth/reset-password/{token}?callbackURL={target}"
    text = (
        "Someone asked to reset the password of your todo account. To choose a new one, open:\n\n"
        f"{link}\n\nThe link works once and expires in {lifetime / 3600:g} hour(s). "
        "If it was not you, ignore this message; your password stays as it is.\n"
    )
    mailer.post(to=email, subject="Reset your password", text=text, link=link)


async def reset_token_is_valid(db: Database, *, token: str) -> bool:
    """Whether a reset token is known and unexpired (without using it up)."""
    async with db.transaction(None) as tx:
        row = await repository.find_verification(tx, identifier=RESET, value=_hashed(token))
    return row is not None


async def reset_password(
    db: Database, settings: Settings, *, token: str, new_password: str
) -> None:
    """Set a new password with an emailed token; every session of the user ends."""
    passwords.check_policy(new_password)
    password_hash = await passwords.hash_password(settings, new_password)
    async with db.transaction(None) as tx:
        found = await repository.take_verification(tx, identifier=RESET, value=_hashed(token))
        if found is None or found["expired"]:
            user = None
        else:
            user = await repository.get_user(tx, user_id=found["user_id"])
        if user is not None:
            await repository.set_password_hash(tx, user_id=user["id"], password_hash=password_hash)
            await repository.delete_sessions(tx, user_id=user["id"])
            await repository.delete_verifications(tx, user_id=user["id"], identifier=RESET)
            # Whoever reads the mailbox now holds the account: lift the account-wide throttle.
            await repository.reset_counter(tx, key=throttle.account_key(user["email"]))
    if user is None:
        logs.audit("auth.reset_password", outcome="failure", reason="INVALID_TOKEN")
        raise AuthError("INVALID_TOKEN")
    logs.audit("auth.reset_password", outcome="success", user_id=user["id"])


async def send_verification_email(
    db: Database,
    settings: Settings,
    mailer: Mailer,
    *,
    email: str,
    callback_url: str | None = None,
    session: SessionView | None = None,
) -> None:
    """Email a verification link to an unverified account.

    Without a session nothing is revealed (the caller answers the same whatever happens). With
    one, as Better Auth does, the address must be the session's and not yet verified.
    """
    email = normalize_email(email)
    if session is not None:
        if session.user["email"] != email:
            raise AuthError("EMAIL_MISMATCH")
        if session.user["email_verified"]:
            raise AuthError("EMAIL_ALREADY_VERIFIED")
    async with db.transaction(None) as tx:
        user = await repository.get_user_by_email(tx, email=email)
        if user is None or user["email_verified"]:
            return
        token = await issue_verification(tx, settings, user_id=user["id"])
    mail_verification(mailer, settings, email, token, callback_url)


async def verify_email(db: Database, settings: Settings, *, token: str) -> Row:
    """Mark the address of the token's user as verified; the user.

    Errors are Better Auth's for this route: 401 INVALID_TOKEN, TOKEN_EXPIRED, USER_NOT_FOUND.
    """
    async with db.transaction(None) as tx:
        found = await repository.take_verification(tx, identifier=VERIFY, value=_hashed(token))
        user = None
        if found is not None and not found["expired"]:
            user = await repository.mark_email_verified(tx, user_id=found["user_id"])
            await repository.delete_verifications(tx, user_id=found["user_id"], identifier=VERIFY)
    with audited_refusals("auth.verify_email"):
        if found is None:
            raise AuthError("INVALID_TOKEN", 401)
        if found["expired"]:
            raise AuthError("TOKEN_EXPIRED", 401)
        if user is None:
            raise AuthError("USER_NOT_FOUND", 401)
    logs.audit("auth.verify_email", outcome="success", user_id=user["id"])
    return user
