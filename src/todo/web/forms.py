"""What the account forms share: reading fields, explaining refusals next to the right field,
and the per-address limits that /api/auth applies (the same counters, so a form is no way
around them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from starlette.datastructures import FormData
from starlette.requests import Request

from todo.auth import deps, ratelimit
from todo.auth.errors import AuthError, InvalidField, TooManyRequests
from todo.web.session import db_of, settings_of

# Each refusal of the accounts service, in words for people, and the field it belongs to
# ("password" stands for whichever field holds the new password).
EXPLAINED: dict[str, tuple[str | None, str]] = {
    "INVALID_EMAIL": ("email", "Enter an email address like name@example.com."),
    "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL": (
        "email",
        "An account with this email already exists. Sign in, or use another email.",
    ),
    "PASSWORD_TOO_SHORT": ("password", "Use at least 8 characters."),
    "PASSWORD_TOO_LONG": ("password", "Use at most 128 characters."),
    "PASSWORD_TOO_WEAK": (
        "password",
        "Include an upper-case letter, a lower-case letter and a digit.",
    ),
    "INVALID_PASSWORD": ("current_password", "That is not your current password."),
    "INVALID_EMAIL_OR_PASSWORD": (None, "The email or the password is not right."),
    "EMAIL_NOT_VERIFIED": (
        None,
        "Verify your email address first: open the link we emailed you, or ask for a new one.",
    ),
    "INVALID_TOKEN": (None, "This link is not valid any more. Ask for a new one."),
    "TOKEN_EXPIRED": (None, "This link has expired. Ask for a new one."),
    "CREDENTIAL_ACCOUNT_NOT_FOUND": (None, "This account has no password to check."),
}

Limit = Literal["/sign-in/email", "/sign-up/email", "/change-password"]
EmailLimit = Literal["/request-password-reset", "/send-verification-email"]


@dataclass
class FormState:
    """What a form page shows again after a refusal: the values typed (never passwords), the
    message of each field, and a message for the whole form."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None
    status: int = 400

    @property
    def first_error(self) -> str | None:
        """The field to focus: the first one with a message."""
        return next(iter(self.errors), None)

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.message)

    def require(self, form: FormData, messages: dict[str, str]) -> None:
        """A message for each named field left blank."""
        for name, message in messages.items():
            if not text(form, name).strip():
                self.errors.setdefault(name, message)

    def refuse(self, error: AuthError, *, fields: dict[str, str] | None = None) -> None:
        """Put the service's refusal next to its field (or over the form); `fields` renames
        the fields of EXPLAINED to this form's (e.g. password to new_password)."""
        self.status = error.status
        if isinstance(error, InvalidField):
            self.errors[(fields or {}).get(error.field, error.field)] = error.explanation
            return
        if isinstance(error, TooManyRequests):
            unit = "second" if error.retry_after == 1 else "seconds"
            self.message = f"Too many attempts. Wait {error.retry_after} {unit} and try again."
            return
        target, message = EXPLAINED.get(error.code, (None, error.message))
        if target is not None and fields:
            target = fields.get(target, target)
        if target is None:
            self.message = message
        else:
            self.errors[target] = message


def text(form: FormData, name: str) -> str:
    """A text field's value ('' when absent)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def limit(request: Request, scope: Limit | EmailLimit) -> None:
    """Count an attempt from this address at `scope` (an /api/auth path: the counters are
    shared with it); TooManyRequests past the limit. Emails have their own, lower limit."""
    settings = settings_of(request)
    if not settings.auth_rate_limit_enabled:
        return
    if scope in get_args(EmailLimit):
        most, window = settings.auth_rate_limit_email_max, settings.auth_rate_limit_email_window
    else:
        most, window = settings.auth_rate_limit_sign_in_max, settings.auth_rate_limit_window
    key = ratelimit.address_key(deps.client_ip(request), scope)
    await ratelimit.enforce(db_of(request), [ratelimit.Rule(key, most, window)])
