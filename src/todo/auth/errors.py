"""Better Auth's errors: `{message, code}` with Better Auth's status for each code."""

from __future__ import annotations

from todo.errors import DomainError

MESSAGES: dict[str, str] = {
    "BAD_REQUEST": "Bad request",
    "BODY_MUST_BE_AN_OBJECT": "Body must be an object",
    "CREDENTIAL_ACCOUNT_NOT_FOUND": "Credential account not found",
    "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED": "Cross-site navigation login blocked. This request "
    "appears to be a CSRF attack.",
    "EMAIL_ALREADY_VERIFIED": "Email is already verified",
    "EMAIL_CAN_NOT_BE_UPDATED": "Email can not be updated",
    "EMAIL_MISMATCH": "Email mismatch",
    "EMAIL_NOT_VERIFIED": "Email not verified",
    "FAILED_TO_CREATE_USER": "Failed to create user",
    "INVALID_CALLBACK_URL": "Invalid callbackURL",
    "INVALID_EMAIL": "Invalid email",
    "INVALID_EMAIL_OR_PASSWORD": "Invalid email or password",
    "INVALID_ERROR_CALLBACK_URL": "Invalid errorCallbackURL",
    "INVALID_NEW_USER_CALLBACK_URL": "Invalid newUserCallbackURL",
    "INVALID_ORIGIN": "Invalid origin",
    "INVALID_PASSWORD": "Invalid password",
    "INVALID_REDIRECT_URL": "Invalid redirectURL",
    "INVALID_TOKEN": "Invalid token",
    "MISSING_OR_NULL_ORIGIN": "Missing or null Origin",
    "PASSWORD_TOO_LONG": "Password too long",
    "PASSWORD_TOO_SHORT": "Password too short",
    # Not in Better Auth, which has no composition rule; the spec asks for one.
    "PASSWORD_TOO_WEAK": "Password must contain an upper-case letter, a lower-case letter "
    "and a digit",
    "SESSION_EXPIRED": "Session expired. Re-authenticate to perform this action.",
    "SESSION_NOT_FRESH": "Session is not fresh",
    "TOKEN_EXPIRED": "Token expired",
    "TOO_MANY_REQUESTS": "Too many requests. Please try again later.",
    "UNAUTHORIZED": "Unauthorized",
    "UNSUPPORTED_MEDIA_TYPE": "Unsupported media type",
    "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL": "User already exists. Use another email.",
    "USER_NOT_FOUND": "User not found",
    "VALIDATION_ERROR": "Validation Error",
}


class AuthError(DomainError):
    """A refusal in Better Auth's terms: its code, its message and its HTTP status."""

    def __init__(self, code: str, status: int = 400, message: str | None = None) -> None:
        super().__init__(message or MESSAGES.get(code, code))
        self.code = code
        self.status = status


class TooManyRequests(AuthError):
    """429 with the seconds until the window ends (sent as Retry-After and X-Retry-After)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("TOO_MANY_REQUESTS", 429)
        self.retry_after = max(1, retry_after)


class InvalidField(AuthError):
    """400 VALIDATION_ERROR about one field of the input; `explanation` says what is wrong in
    words a form can show next to the field."""

    def __init__(self, field: str, explanation: str, *, where: str = "body") -> None:
        super().__init__("VALIDATION_ERROR", 400, f"[{where}.{field}] {explanation}")
        self.field = field
        self.explanation = explanation


class MethodNotAllowed(AuthError):
    """405 with the methods the path does serve (in Allow, as RFC 9110 asks)."""

    def __init__(self, code: str, message: str, *, allow: str) -> None:
        super().__init__(code, 405, message)
        self.allow = allow
