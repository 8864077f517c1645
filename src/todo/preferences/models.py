"""The preference shapes of the API (the table is todo.web.models.UserPreference)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StrictStr
from sqlmodel import Field, SQLModel

from todo.tasks.due import DEFAULT_ZONE, ZONE_MAX

TimeZone = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=ZONE_MAX,
        description="An IANA time zone name, such as Europe/Paris or Pacific/Kiritimati.",
    ),
]


class PreferencesPublic(SQLModel):
    """Your preferences."""

    time_zone: str = Field(
        description=f"Your IANA time zone ({DEFAULT_ZONE} until you choose one): all-day due "
        "dates, date filters and the Today view follow it."
    )


class PreferencesUpdate(SQLModel):
    """A change of preferences."""

    time_zone: TimeZone
