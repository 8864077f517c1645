"""The task model family: table, create, update, public."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, GetJsonSchemaHandler, StrictBool, StrictStr
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema
from sqlmodel import Field, SQLModel

from todo import models

TITLE_MAX = 200
DESCRIPTION_MAX = 1000


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


def storable(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refusing it here keeps it a 400, not a database error.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


# The published schema says what the validators enforce: no NUL anywhere and, for a title,
# at least one character that is not whitespace.
_NO_NUL = "^[^\\u0000]*$"
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"

Title = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=TITLE_MAX,
        schema_extra={"json_schema_extra": {"pattern": NOT_BLANK}},
    ),
    AfterValidator(not_blank),
    AfterValidator(storable),
]
Description = Annotated[
    StrictStr,
    Field(max_length=DESCRIPTION_MAX, schema_extra={"json_schema_extra": {"pattern": _NO_NUL}}),
    AfterValidator(storable),
]


def priority_column() -> sa.Column[int]:
    """`priority smallint NOT NULL DEFAULT 0`: 0 none, 1 low, 2 medium, 3 high."""
    return sa.Column(sa.SmallInteger, nullable=False, server_default=sa.text("0"))


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
        # Migration 008's set: each serves a query the service runs (its docstring says which).
        sa.Index(
            "idx_tasks_user_created",
            "user_id",
            sa.literal_column("created_at").desc(),
            sa.literal_column("id").desc(),
        ),
        sa.Index(
            "idx_tasks_user_updated",
            "user_id",
            sa.literal_column("updated_at").desc(),
            sa.literal_column("id").desc(),
        ),
        sa.Index("idx_tasks_user_completed", "user_id", "completed"),
        sa.Index("idx_tasks_updated_at", sa.literal_column("updated_at").desc()),
        sa.Index(
            "idx_tasks_user_completed_created",
            "user_id",
            "completed",
            sa.literal_column("created_at").desc(),
        ),
        # Migration 009's: due dates, priorities, search (its docstring says what each serves).
        sa.CheckConstraint(
            "due_date IS NULL OR due_at IS NOT NULL", name="chk_tasks_due_date_has_due_at"
        ),
        sa.CheckConstraint("priority BETWEEN 0 AND 3", name="chk_tasks_priority"),
        sa.Index("idx_tasks_user_due", "user_id", "due_at", "id"),
        sa.Index(
            "idx_tasks_user_priority",
            "user_id",
            sa.literal_column("priority").desc(),
            sa.literal_column("created_at").desc(),
            sa.literal_column("id").desc(),
        ),
        sa.Index(
            "idx_tasks_search",
            sa.text("tasks_search_vector(title, description)"),
            postgresql_using="gin",
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
    due_at: datetime | None = Field(default=None, sa_column=models.timestamp(nullable=True))
    due_date: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    priority: int = Field(default=0, sa_column=priority_column())


class TaskCreate(SQLModel):
    """A new task: a title that is not blank and an optional description. Nothing else (other
    fields, `completed` included, are ignored)."""

    title: Title
    description: Description | None = None


class TaskUpdate(SQLModel):
    """A partial change; only the fields that were sent are applied (at least one of them).
    `title` and `completed` may be left out but not set to null; `description: null` clears
    the description."""

    title: Title = Field(default=None)
    description: Description | None = None
    completed: StrictBool = Field(default=None)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler.resolve_ref_schema(handler(schema))
        # An omitted field means "unchanged": no null default to claim for the non-nullable
        # ones; and an empty change is refused, so the schema asks for one field at least.
        for name in ("title", "completed"):
            json_schema["properties"][name].pop("default", None)
        json_schema["anyOf"] = [{"required": [name]} for name in cls.model_fields]
        return json_schema


class TaskPublic(TaskBase):
    """A task as the API shows it."""

    id: uuid.UUID
    user_id: uuid.UUID
    completed: bool
    created_at: datetime
    updated_at: datetime
