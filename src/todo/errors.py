"""Domain errors: each carries a code and an HTTP status; the web layers render them."""

from __future__ import annotations


class DomainError(Exception):
    """A failure the caller can act on. `code` is stable; `message` is for people."""

    code = "ERROR"
    status = 400

    def __init__(self, message: str, *, details: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


def response_headers(error: DomainError) -> dict[str, str]:
    """Headers an error's answer carries in any response shape: Retry-After for errors that
    say when to come back (429, 503), Allow for a 405."""
    headers = {}
    seconds = getattr(error, "retry_after", None)
    if seconds is not None:
        headers["Retry-After"] = str(seconds)
    allow = getattr(error, "allow", None)
    if allow is not None:
        headers["Allow"] = allow
    return headers


class Unauthorized(DomainError):
    code, status = "UNAUTHORIZED", 401


class Forbidden(DomainError):
    code, status = "FORBIDDEN", 403


class NotFound(DomainError):
    code, status = "NOT_FOUND", 404


class InvalidParameter(DomainError):
    code, status = "INVALID_PARAMETER", 400


class ValidationFailed(DomainError):
    code, status = "VALIDATION_ERROR", 400


class PayloadTooLarge(DomainError):
    code, status = "PAYLOAD_TOO_LARGE", 413


class RateLimited(DomainError):
    code, status = "RATE_LIMITED", 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TaskNotFound(NotFound):
    """No such task for this user (another user's task looks exactly the same)."""

    def __init__(self) -> None:
        super().__init__("Task not found")


class Conflict(DomainError):
    code, status = "CONFLICT", 409


class PreconditionFailed(DomainError):
    code, status = "PRECONDITION_FAILED", 412


class UnprocessableContent(DomainError):
    code, status = "UNPROCESSABLE_CONTENT", 422


class ServiceUnavailable(DomainError):
    """The database cannot be reached or did not answer in time; nothing was changed, so the
    request may be retried after `retry_after` seconds."""

    code, status = "SERVICE_UNAVAILABLE", 503

    def __init__(self, message: str, *, retry_after: int = 2) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OutcomeUnknown(ServiceUnavailable):
    """The connection was lost while the change was being committed: it may or may not have
    been saved. Retrying with the same Idempotency-Key settles it."""

    code = "OUTCOME_UNKNOWN"
