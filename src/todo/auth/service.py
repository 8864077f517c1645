"""Accounts and sessions: the rules behind /api/auth, callable from the CLI and tests too.

Each function is one unit of work on the runtime role without a user identity (the auth tables
are not under row-level security; tasks are only ever touched by the cascade of a user delete).
Rows are dicts with the database's snake_case columns; the HTTP layer shapes them as Better Auth.
Emailed-token flows (password reset, email verification) live in `todo.auth.recovery` and are
re-exported here.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from uuid import UUID

from todo import logs
from todo.auth import passwords, recovery, repository, throttle, tokens
from todo.auth.domain import SessionView as SessionView
from todo.auth.domain import SignedIn as SignedIn
from todo.auth.domain import audited_refusals, check_image, check_name, normalize_email, now
from todo.auth.errors import AuthError as AuthError
from todo.auth.errors import TooManyRequests
from todo.auth.mail import Mailer
from todo.auth.recovery import request_password_reset as request_password_reset
from todo.auth.recovery import reset_password as reset_password
from todo.auth.recovery import send_verification_email as send_verification_email
from todo.auth.recovery import verify_email as verify_email
from todo.config import Settings
from todo.db import Database, Row, Transaction
from todo.errors import ServiceUnavailable

DONT_REMEMBER_LIFETIME = 86400  # Better Auth: a rememberMe=false session lasts one day


async def _start_session(
    tx: Transaction,
    settings: Settings,
    user: Row,
    *,
    remember: bool,
    ip: str | None,
    user_agent: str | None,
) -> SignedIn:
    token = tokens.new_token()
    lifetime = settings.session_expires_in
    if not remember:
        lifetime = min(lifetime, DONT_REMEMBER_LIFETIME)
    session = await repository.insert_session(
        tx,
        user_id=user["id"],
        token_hash=tokens.hash_token(token),
        expires_at=now() + timedelta(seconds=lifetime),
        ip_address=ip or "",
        user_agent=user_agent or "",
    )
    return SignedIn(user=user, session=session, token=token)


def _synthetic_user(email: str, name: str, image: str | None) -> Row:
    # Better Auth answers a duplicate sign-up this way when verification is required, so that
    # sign-up does not reveal which addresses have accounts.
    stamp = now()
    return {
        "id": uuid.uuid4(),
        "email": email,
        "email_verified": False,
        "name": name,
        "image": image,
        "created_at": stamp,
        "updated_at": stamp,
    }


async def sign_up(
    db: Database,
    settings: Settings,
    mailer: Mailer,
    *,
    email: str,
    password: str,
    name: str,
    image: str | None = None,
    remember: bool = True,
    ip: str | None = None,
    user_agent: str | None = None,
    callback_url: str | None = None,
) -> tuple[Row, SignedIn | None]:
    """Create an account; signed in at once unless email verification is required."""
    with audited_refusals("auth.sign_up", email=email):
        email = normalize_email(email)
        check_name(name)
        check_image(image)
        passwords.check_policy(password)
        password_hash = await passwords.hash_password(settings, password)
        signed_in, link_token = None, None
        async with db.transaction(None) as tx:
            user = await repository.insert_user(tx, email=email, name=name, image=image)
            if user is not None:
                user_id = user["id"]
                await repository.set_password_hash(tx, user_id=user_id, password_hash=password_hash)
                if not settings.require_email_verification:
                    signed_in = await _start_session(
                        tx, settings, user, remember=remember, ip=ip, user_agent=user_agent
                    )
                if settings.send_verification_on_sign_up or settings.require_email_verification:
                    link_token = await recovery.issue_verification(tx, settings, user_id=user_id)
        if user is None:
            if not settings.require_email_verification:
                raise AuthError("USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", 422)
            # The answer hides that the address is taken; the log need not.
            logs.audit(
                "auth.sign_up",
                outcome="failure",
                reason="USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
                email=email,
            )
            return _synthetic_user(email, name, image), None
    if link_token is not None:
        recovery.mail_verification(mailer, settings, email, link_token, callback_url)
    session_id = signed_in.session["id"] if signed_in else None
    logs.audit("auth.sign_up", outcome="success", user_id=user["id"], session_id=session_id)
    return user, signed_in


async def _checked(
    db: Database, settings: Settings, *, email: str, password: str, ip: str | None
) -> tuple[Row | None, passwords.Verdict, throttle.Keys]:
    """The account behind `email` (None if there is none) and whether `password` is its
    password, once the throttle has counted the attempt (429 when it says wait)."""
    counted = throttle.keys(ip or "", email)
    async with db.transaction(None) as tx:
        found = await repository.get_sign_in_candidate(tx, email=email, address=ip or None)
        known = found is not None and found["known_address"]
        wait = await throttle.admit(tx, settings, counted, known_address=known)
    if wait is not None:
        raise TooManyRequests(wait)
    try:
        stored = found["password"] if found else None
        return found, await passwords.verify_password(settings, stored, password), counted
    except ServiceUnavailable:
        async with db.transaction(None) as tx:  # no password was checked: nothing to count
            await throttle.forgive(tx, counted, signed_in=False)
        raise


async def _rehash(settings: Settings, password: str) -> str | None:
    """The password hashed with the current parameters, or None when hashing is too busy now
    (the next sign-in does it)."""
    try:
        return await passwords.hash_password(settings, password)
    except ServiceUnavailable:
        return None


async def sign_in(
    db: Database,
    settings: Settings,
    mailer: Mailer,
    *,
    email: str,
    password: str,
    remember: bool = True,
    ip: str | None = None,
    user_agent: str | None = None,
) -> SignedIn:
    """Check the password and start a session.

    Unknown email and wrong password answer alike (401 INVALID_EMAIL_OR_PASSWORD), after the
    same work: one lookup, the throttle's counters, one argon2 verification. The throttle
    (`todo.auth.throttle`) slows down failures per client address and account (1, 2, 4 ...
    seconds, then the window past SIGN_IN_MAX_FAILURES), per address and per account, with 429
    and Retry-After; the account's own signed-in addresses are never held back by failures
    from elsewhere, and a success takes its attempt's count back.
    """
    with audited_refusals("auth.sign_in", email=email):
        email = normalize_email(email)
        if len(password) > passwords.MAX_LENGTH:
            raise AuthError("PASSWORD_TOO_LONG")
        found, verdict, counted = await _checked(
            db, settings, email=email, password=password, ip=ip
        )
        if found is None or not verdict.ok:
            raise AuthError("INVALID_EMAIL_OR_PASSWORD", 401)
        user = {k: v for k, v in found.items() if k not in {"password", "known_address"}}
        if settings.require_email_verification and not user["email_verified"]:
            raise AuthError("EMAIL_NOT_VERIFIED", 403)
    rehashed = await _rehash(settings, password) if verdict.needs_rehash else None
    async with db.transaction(None) as tx:
        await throttle.forgive(tx, counted, signed_in=True)
        if rehashed is not None:
            await repository.set_password_hash(tx, user_id=user["id"], password_hash=rehashed)
        await repository.delete_expired_sessions(tx, user_id=user["id"])
        signed_in = await _start_session(
            tx, settings, user, remember=remember, ip=ip, user_agent=user_agent
        )
    session_id = signed_in.session["id"]
    logs.audit("auth.sign_in", outcome="success", user_id=user["id"], session_id=session_id)
    return signed_in


def _split(row: Row) -> tuple[Row, Row]:
    prefix = repository.USER_PREFIX
    user = {key.removeprefix(prefix): value for key, value in row.items() if key.startswith(prefix)}
    session = {key: value for key, value in row.items() if not key.startswith(prefix)}
    return user, session


async def get_session(
    db: Database, settings: Settings, *, token: str, refresh: bool = True
) -> SessionView | None:
    """The live session for a raw token, slid forward if due (at most every SESSION_UPDATE_AGE).

    An expired session is deleted and answers None, like an unknown one.
    """
    token_hash = tokens.hash_token(token)
    async with db.transaction(None) as tx:
        row = await repository.find_session_with_user(tx, token_hash=token_hash)
        if row is None:
            return None
        user, session = _split(row)
        current = now()
        if session["expires_at"] <= current:
            await repository.delete_session_by_hash(tx, token_hash=token_hash)
            return None
        last_slid = session["expires_at"] - timedelta(seconds=settings.session_expires_in)
        due = last_slid + timedelta(seconds=settings.session_update_age) <= current
        if not (refresh and due):
            return SessionView(user=user, session=session, refreshed=False)
        expires_at = current + timedelta(seconds=settings.session_expires_in)
        slid = await repository.extend_session(tx, session_id=session["id"], expires_at=expires_at)
    return SessionView(user=user, session=slid or session, refreshed=slid is not None)


def require_fresh(settings: Settings, view: SessionView, *, code: str, status: int) -> None:
    """Refuse (with `code`) a session created more than SESSION_FRESH_AGE ago."""
    if now() - view.session["created_at"] >= timedelta(seconds=settings.session_fresh_age):
        raise AuthError(code, status)


async def sign_out(db: Database, *, token: str) -> None:
    """End the session of this raw token (nothing happens if there is none)."""
    async with db.transaction(None) as tx:
        ended = await repository.delete_session_by_hash(tx, token_hash=tokens.hash_token(token))
    if ended is not None:
        logs.audit("auth.sign_out", outcome="success", **ended)


async def update_user(db: Database, *, user_id: UUID, changes: dict[str, Any]) -> Row:
    """Change the user's name and/or image (other keys are ignored); the updated user.

    Each must be within the profile's bounds (InvalidField)."""
    check_name(changes.get("name"))
    check_image(changes.get("image"))
    async with db.transaction(None) as tx:
        user = await repository.update_user(tx, user_id=user_id, changes=changes)
    if user is None:
        raise AuthError("USER_NOT_FOUND", 404)
    return user


async def _check_password(
    db: Database, settings: Settings, user_id: UUID, password: str
) -> passwords.Verdict:
    async with db.transaction(None) as tx:
        account = await repository.get_password_hash(tx, user_id=user_id)
    if account is None or account["password"] is None:
        raise AuthError("CREDENTIAL_ACCOUNT_NOT_FOUND")
    verdict = await passwords.verify_password(settings, account["password"], password)
    if not verdict.ok:
        raise AuthError("INVALID_PASSWORD")
    return verdict


async def change_password(
    db: Database,
    settings: Settings,
    *,
    session: SessionView,
    current_password: str,
    new_password: str,
    revoke_other_sessions: bool = False,
    ip: str | None = None,
    user_agent: str | None = None,
) -> SignedIn | None:
    """Replace the password after checking the current one; every other session ends.

    Better Auth keeps other sessions unless `revokeOtherSessions`; the issue asks that a
    password change always revokes them. With `revoke_other_sessions` (Better Auth's behaviour)
    the current session is replaced too and the new one returned; without it, it is kept.
    """
    user_id = session.user["id"]
    with audited_refusals("auth.change_password", user_id=user_id):
        passwords.check_policy(new_password)
        await _check_password(db, settings, user_id, current_password)
    password_hash = await passwords.hash_password(settings, new_password)
    signed_in = None
    async with db.transaction(None) as tx:
        await repository.set_password_hash(tx, user_id=user_id, password_hash=password_hash)
        keep = None if revoke_other_sessions else session.session["id"]
        ended = await repository.delete_sessions(tx, user_id=user_id, keep_session_id=keep)
        if revoke_other_sessions:
            signed_in = await _start_session(
                tx, settings, session.user, remember=True, ip=ip, user_agent=user_agent
            )
    logs.audit("auth.change_password", outcome="success", user_id=user_id, sessions_ended=ended)
    return signed_in


async def list_sessions(db: Database, *, user_id: UUID) -> list[Row]:
    """The user's unexpired sessions, newest first."""
    async with db.transaction(None) as tx:
        return await repository.list_active_sessions(tx, user_id=user_id)


async def revoke_session(db: Database, *, user_id: UUID, session_id: UUID) -> None:
    """End one of the user's sessions (someone else's session id does nothing)."""
    async with db.transaction(None) as tx:
        ended = await repository.delete_session(tx, user_id=user_id, session_id=session_id)
    outcome = "success" if ended else "failure"
    logs.audit("auth.revoke_session", outcome=outcome, user_id=user_id, session_id=session_id)


async def revoke_sessions(
    db: Database, *, user_id: UUID, keep_session_id: UUID | None = None
) -> None:
    """End every session of the user, or every one but `keep_session_id`."""
    async with db.transaction(None) as tx:
        ended = await repository.delete_sessions(
            tx, user_id=user_id, keep_session_id=keep_session_id
        )
    logs.audit("auth.revoke_sessions", outcome="success", user_id=user_id, sessions_ended=ended)


async def revoke_other_sessions(db: Database, *, user_id: UUID, keep_session_id: UUID) -> None:
    """End every session of the user but one."""
    await revoke_sessions(db, user_id=user_id, keep_session_id=keep_session_id)


async def delete_user(
    db: Database, settings: Settings, *, session: SessionView, password: str | None = None
) -> None:
    """Delete the account; sessions, credentials and tasks go with it (ON DELETE CASCADE).

    With `password` it is checked first. Without one, the HTTP layer insists on a fresh
    session (`require_fresh`), as Better Auth does.
    """
    user_id = session.user["id"]
    if password is not None:
        with audited_refusals("auth.delete_user", user_id=user_id):
            await _check_password(db, settings, user_id, password)
    async with db.transaction(None) as tx:
        await repository.delete_user(tx, user_id=user_id)
    logs.audit("auth.delete_user", outcome="success", user_id=user_id)
