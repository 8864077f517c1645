"""What the account services share: the signed-in and session views, email normalisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from email_validator import EmailNotValidError, validate_email

from todo.auth.errors import AuthError
from todo.db import Row

MAX_EMAIL_LENGTH = 255


@dataclass(frozen=True)
class SignedIn:
    user: Row
    session: Row
    token: str  # the raw session token (only its hash is stored)


@dataclass(frozen=True)
class SessionView:
    user: Row
    session: Row
    refreshed: bool  # the expiry was slid forward: the cookie should be set again


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


def normalize_email(email: str) -> str:
    """The address lower-cased, if its syntax is valid (no DNS lookup); else INVALID_EMAIL."""
    try:
        valid = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise AuthError("INVALID_EMAIL") from None
    normalized = valid.normalized.lower()
    if len(normalized) > MAX_EMAIL_LENGTH:
        raise AuthError("INVALID_EMAIL")
    return normalized
