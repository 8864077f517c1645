"""What the crash drill's clients attempted and what each learned of its write.

Every write ends in one of three verdicts, from the client's side only:

- acked: a success response reached the client (the write must be stored, exactly once);
- refused: an error response (the change was not made), or a connection that could not even
  be opened (nothing was sent); the write must not be stored;
- unknown: no response (a reset, a timeout, the server gone), or 503 OUTCOME_UNKNOWN (the
  connection to the database was lost during COMMIT); either outcome is allowed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

import httpx

OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
NOT_SENT = "connection refused (nothing sent)"


class Verdict(StrEnum):
    ACKED = "acked"
    REFUSED = "refused"
    UNKNOWN = "unknown"


def judge_response(response: httpx.Response, success: int) -> tuple[Verdict, str]:
    """The verdict on a write answered with `response`, and why."""
    if response.status_code == success:
        return Verdict.ACKED, str(success)
    code = _error_code(response)
    reason = f"{response.status_code} {code}"
    if response.status_code == 503 and code == OUTCOME_UNKNOWN:
        return Verdict.UNKNOWN, reason
    return Verdict.REFUSED, reason


def judge_failure(error: httpx.HTTPError) -> tuple[Verdict, str]:
    """The verdict on a write that got no response."""
    if isinstance(error, httpx.ConnectError):
        return Verdict.REFUSED, NOT_SENT
    if isinstance(error, httpx.TimeoutException):
        return Verdict.UNKNOWN, "timeout"
    return Verdict.UNKNOWN, type(error).__name__


def _error_code(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
        return str(body["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "(not the API's error shape)"


@dataclass
class Toggles:
    """The toggles sent for one task."""

    acked: int = 0
    refused: int = 0
    unknown: int = 0

    def allows(self, completed: bool) -> bool:
        """Whether `completed` can result from these toggles of an open task: every acked one
        applied, no refused one, any number of the unknown ones."""
        if self.unknown:
            return True
        return completed == (self.acked % 2 == 1)


@dataclass
class Ledger:
    """Every create (by its unique title) and toggle (by task) and its verdict."""

    creates: dict[str, Verdict] = field(default_factory=dict)
    toggles: dict[UUID, Toggles] = field(default_factory=dict)
    reasons: Counter[str] = field(default_factory=Counter)

    def created(self, title: str, verdict: Verdict, reason: str) -> None:
        self.creates[title] = verdict
        self.reasons[f"create {verdict}: {reason}"] += 1

    def toggled(self, task_id: UUID, verdict: Verdict, reason: str) -> None:
        counts = self.toggles.setdefault(task_id, Toggles())
        setattr(counts, verdict.value, getattr(counts, verdict.value) + 1)
        self.reasons[f"toggle {verdict}: {reason}"] += 1

    def count(self, verdict: Verdict) -> int:
        return sum(1 for seen in self.creates.values() if seen is verdict)

    def toggle_count(self, verdict: Verdict) -> int:
        return sum(getattr(counts, verdict.value) for counts in self.toggles.values())


def violations(ledger: Ledger, stored: dict[str, list[tuple[UUID, bool]]]) -> list[str]:
    """Every broken guarantee, given the stored tasks by title: [(id, completed), ...]."""
    found: list[str] = []
    for title, verdict in ledger.creates.items():
        copies = len(stored.get(title, []))
        if verdict is Verdict.ACKED and copies != 1:
            found.append(f"acknowledged create {title!r} stored {copies} times")
        elif verdict is Verdict.REFUSED and copies:
            found.append(f"refused create {title!r} stored {copies} times")
        elif verdict is Verdict.UNKNOWN and copies > 1:
            found.append(f"create {title!r} of unknown outcome stored {copies} times")
    for title in stored.keys() - ledger.creates.keys():
        found.append(f"{title!r} stored but never sent")
    for rows in stored.values():
        for task_id, completed in rows:
            toggles = ledger.toggles.get(task_id, Toggles())
            if not toggles.allows(completed):
                found.append(f"task {task_id}: completed={completed} after toggles {toggles}")
    return found
