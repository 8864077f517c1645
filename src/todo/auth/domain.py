"""What the account services share: the signed-in and session views, email normalisation,
and the bounds of what a user may put in their profile.

Name, email and image travel in every JWT (and so in the `set-auth-jwt` header) and the
profile is echoed by get-session, so each is bounded: the largest profile these bounds allow
still makes a JWT of about 6 KB, which every HTTP client and proxy accepts in a header (and
which the task API's own limit on credentials, 8 KB, lets in).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from todo import logs
from todo.auth.errors import AuthError, InvalidField, TooManyRequests
from todo.db import Row

MAX_EMAIL_LENGTH = 254  # what email_validator (RFC 5321's path limit) allows
MAX_NAME_LENGTH = 255  # users.name is varchar(255)
MAX_IMAGE_LENGTH = 2048
IMAGE_PATTERN = r"^(https?://|data:image/)[!-~]+$"
"""An avatar is an http(s) URL or an inline `data:image/...` one, in printable ASCII (a URL's
other characters are percent-encoded): no `javascript:` or other scheme that a client might
turn into a link, and 2,048 characters are 2,048 bytes in a JWT."""


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


def check_name(name: str | None) -> None:
    """Refuse a name longer than the column holds (InvalidField)."""
    if name is not None and len(name) > MAX_NAME_LENGTH:
        raise InvalidField("name", f"Keep your name to {MAX_NAME_LENGTH} characters or fewer.")


def check_image(image: str | None) -> None:
    """Refuse an image that is too long or not an http(s) or data:image URL (InvalidField)."""
    if image is None:
        return
    if len(image) > MAX_IMAGE_LENGTH:
        raise InvalidField("image", f"Use an image URL of at most {MAX_IMAGE_LENGTH} characters.")
    if not re.fullmatch(IMAGE_PATTERN, image):
        raise InvalidField("image", "Use an http(s) URL or a data:image URL.")


@contextmanager
def audited_refusals(event: str, **fields: Any) -> Iterator[None]:
    """Write an audit line for a refusal (AuthError) raised inside, then let it go on: outcome
    `throttled` (with `retry_after`) for 429, else `failure`, with the code as `reason`.
    `fields` name who (`user_id`, or `email`, which is logged as a hash)."""
    try:
        yield
    except TooManyRequests as error:
        logs.audit(event, outcome="throttled", retry_after=error.retry_after, **fields)
        raise
    except AuthError as error:
        logs.audit(event, outcome="failure", reason=error.code, **fields)
        raise
