"""Logging: the request's context (id, client address) and structured audit events.

Audit events (sign-ins, refused credentials, denied access) are one JSON object per line on
the `todo.audit` logger: UTC time, event, outcome, request id, client address, and the user id
or, where no user is known, a hash of the email address. Nothing secret is ever a field: no
password, token, JWT or key, and no raw email address.
"""

from __future__ import annotations

import hashlib
import json
import logging
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

AUDIT_LOGGER = "todo.audit"
REQUEST_ID_HEADER = "X-Request-ID"


@dataclass(frozen=True)
class RequestContext:
    """Who is asking, for the logs: the request id and the client's address."""

    request_id: str
    client: str | None


_context: ContextVar[RequestContext | None] = ContextVar("todo_request", default=None)
_audit = logging.getLogger(AUDIT_LOGGER)


def bind(context: RequestContext) -> Token[RequestContext | None]:
    """Make `context` the current request's (the edge sets it per request); `unbind` undoes."""
    return _context.set(context)


def unbind(token: Token[RequestContext | None]) -> None:
    """Forget the context `bind` set."""
    _context.reset(token)


def current() -> RequestContext | None:
    """The current request's context, if a request is being served."""
    return _context.get()


def email_hash(email: str) -> str:
    """A stable pseudonym for an email address (the logs never hold the address itself)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def audit(event: str, *, outcome: str, **fields: Any) -> None:
    """Log one audit event as JSON, with the current request's id and client address.

    `fields` must hold no secret; pass `email=` to have it logged as `email_hash`."""
    if not _audit.isEnabledFor(logging.INFO):
        return
    context = _context.get()
    record: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "event": event,
        "outcome": outcome,
        "request_id": context.request_id if context else None,
        "client": context.client if context else None,
    }
    email = fields.pop("email", None)
    if email is not None:
        record["email_hash"] = email_hash(str(email))
    record.update({key: value for key, value in fields.items() if value is not None})
    _audit.info(json.dumps(record, default=str, separators=(",", ":")))


class _Plain(logging.Formatter):
    """Audit lines are already JSON; everything else becomes a JSON line too."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name == AUDIT_LOGGER:
            return record.getMessage()
        context = _context.get()
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if context is not None:
            entry["request_id"] = context.request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, separators=(",", ":"))


def configure(level: str) -> None:
    """Send the service's own logs (`todo.*`) to stderr as JSON lines, at `level`.

    Idempotent: calling it again only changes the level."""
    logger = logging.getLogger("todo")
    logger.setLevel(level.upper())
    if not any(getattr(handler, "_todo", False) for handler in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(_Plain())
        handler._todo = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = True
