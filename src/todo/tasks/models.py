"""The task model family: table, create, update, public."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import AfterValidator, StrictBool, StrictStr
from sqlmodel import Field, SQLModel

from todo import models

TITLE_MAX = 200
DESCRIPTION_MAX = 1000


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


def _storable(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refusing it here keeps it a 400, not a database error.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Title = Annotated[
    StrictStr,
    Field(min_length=1, max_length=TITLE_MAX),
    AfterValidator(_not_blank),
    AfterValidator(_storable),
]
Description = Annotated[StrictStr, Field(max_length=DESCRIPTION_MAX), AfterValidator(_storable)]


class TaskBase(SQLModel):
    title: str = Field(max_length=TITLE_MAX)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)


class Task(TaskBase, table=True):
    """A row of `tasks`."""

    __tablename__ = "tasks"
    __table_args__ = (
        sa.CheckConstraint(
            "length(trim(title)) > 0 AND title ~ '[^[:space:]]'", name="chk_title_not_empty"
        ),
        sa.Index("idx_tasks_user_id", "user_id"),
        sa.Index("idx_tasks_user_completed", "user_id", "completed"),
        sa.Index("idx_tasks_created_at", sa.literal_column("created_at").desc()),
        sa.Index("idx_tasks_updated_at", sa.literal_column("updated_at").desc()),
        sa.Index(
            "idx_tasks_user_completed_created",
            "user_id",
            "completed",
            sa.literal_column("created_at").desc(),
        ),
    )

    id: uuid.UUID = Field(sa_column=models.uuid_pk())
    user_id: uuid.UUID = Field(sa_column=models.user_fk())  # fk_tasks_user_id
    title: str = Field(sa_column=sa.Column(sa.String(TITLE_MAX), nullable=False))
    description: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(DESCRIPTION_MAX), nullable=True)
    )
    completed: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    created_at: datetime = Field(sa_column=models.timestamp())
    updated_at: datetime = Field(sa_column=models.timestamp())


class TaskCreate(SQLModel):
    """A new task: a title that is not blank and an optional description. Nothing else (other
    fields, `completed` included, are ignored)."""

    title: Title
    description: Description | None = None


def _no_default(schema: dict[str, Any]) -> None:
    # An omitted field means "unchanged"; the schema must not claim a null default is allowed.
    schema.pop("default", None)


class TaskUpdate(SQLModel):
    """A partial change; only the fields that were sent are applied. `title` and `completed`
    may be left out but not set to null; `description: null` clears the description."""

    title: Title = Field(default=None, schema_extra={"json_schema_extra": _no_default})
    description: Description | None = None
    completed: StrictBool = Field(default=None, schema_extra={"json_schema_extra": _no_default})


class TaskPublic(TaskBase):
    """A task as the API shows it."""

    id: uuid.UUID
    user_id: uuid.UUID
    completed: bool
    created_at: datetime
    updated_at: datetime
