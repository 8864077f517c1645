"""A user's preferences: the rules, for the API, the web pages and the CLI.

A user without a saved row is in UTC, sorted newest first. Changing the time zone keeps every
all-day task on its calendar date: their due instants move to the start of that date in the
new zone, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import psycopg

from todo.db import Transaction
from todo.errors import ValidationFailed
from todo.preferences import repository
from todo.tasks import due as dues


@dataclass(frozen=True)
class Preferences:
    time_zone: str = dues.DEFAULT_ZONE
    task_sort: str = "created_at"
    task_order: str = "desc"


_UNKNOWN_ZONE = {"time_zone": ["must be an IANA time zone name, such as Europe/Paris"]}


async def get_preferences(tx: Transaction, *, user_id: UUID) -> Preferences:
    """The user's preferences (the defaults if never saved)."""
    row = await repository.get_preferences(tx, user_id=user_id)
    return Preferences() if row is None else Preferences(**row)


async def set_time_zone(tx: Transaction, *, user_id: UUID, zone: str) -> Preferences:
    """Move the user to `zone` (an IANA name); all-day tasks keep their dates."""
    if not dues.is_zone(zone):
        raise ValidationFailed("Unknown time zone", details=_UNKNOWN_ZONE)
    try:
        await repository.set_time_zone(tx, user_id=user_id, zone=zone)
    except psycopg.errors.InvalidParameterValue:  # a name this PostgreSQL does not know
        raise ValidationFailed("Unknown time zone", details=_UNKNOWN_ZONE) from None
    return await get_preferences(tx, user_id=user_id)
