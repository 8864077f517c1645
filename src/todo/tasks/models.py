"""The task model family: table, create, update, public."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, StrictBool, StrictStr
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from todo import inputs, models
from todo.tags.models import TAGS_MAX, TagName, TagPublic
from todo.tasks.due import DueInput, Priority

TITLE_MAX = 200
DESCRIPTION_MAX = 1000


Title = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=TITLE_MAX,
        schema_extra={"json_schema_extra": {"pattern": inputs.NOT_BLANK}},
    ),
    AfterValidator(inputs.not_blank),
    AfterValidator(inputs.storable),
]
Description = Annotated[
    StrictStr,
    Field(
        max_length=DESCRIPTION_MAX, schema_extra={"json_schema_extra": {"pattern": inputs.NO_NUL}}
    ),
    AfterValidator(inputs.storable),
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
    # The ids of its tags in task_tags, sorted (migration 010): a listing reads no link table.
    tag_ids: list[uuid.UUID] = Field(
        default_factory=list,
        sa_column=sa.Column(
            postgresql.ARRAY(sa.Uuid), nullable=False, server_default=sa.text("'{}'")
        ),
    )


TagNames = Annotated[
    list[TagName],
    Field(
        max_length=TAGS_MAX,
        description="Tag names (matched whatever the case; an unknown one is created). "
        f"The task's tags become exactly these and `tag_ids`: at most {TAGS_MAX} in all.",
    ),
]
TagIds = Annotated[
    list[uuid.UUID],
    Field(
        max_length=TAGS_MAX,
        description="Ids of your tags, beside or instead of `tags` (anyone else's, or an "
        "unknown one, is refused).",
    ),
]
DueAt = Annotated[
    DueInput | None,
    Field(
        description="When the task is due: a date (`2026-12-05`, all day), a date-time with an "
        "offset (that instant) or without one (in your time zone); null for none."
    ),
]
PriorityField = Annotated[Priority, Field(description="none, low, medium or high.")]


class TaskCreate(SQLModel):
    """A new task: a title that is not blank, and optionally a description, a due date, a
    priority and tags. Nothing else (other fields, `completed` included, are ignored)."""

    title: Title
    description: Description | None = None
    due_at: DueAt = None
    priority: PriorityField = "none"
    tags: TagNames = Field(default_factory=list)
    tag_ids: TagIds = Field(default_factory=list)


class TaskUpdate(models.PartialChange):
    """A partial change; only the fields that were sent are applied (at least one of them).
    `title`, `completed`, `priority`, `tags` and `tag_ids` may be left out but not set to null;
    `description: null` clears the description and `due_at: null` the due date. `tags` and
    `tag_ids`, when either is sent, replace the task's tags."""

    title: Title = Field(default=None)
    description: Description | None = None
    completed: StrictBool = Field(default=None)
    due_at: DueAt = None
    priority: PriorityField = Field(default=None)
    tags: TagNames = Field(default=None)
    tag_ids: TagIds = Field(default=None)

    NOT_NULL = ("title", "completed", "priority", "tags", "tag_ids")


class TaskPublic(TaskBase):
    """A task as the API shows it."""

    id: uuid.UUID
    user_id: uuid.UUID
    completed: bool
    created_at: datetime
    updated_at: datetime
    due_at: str | None = Field(
        description="An all-day task's date (`2026-12-05`), or the instant a timed task is due "
        "(RFC 3339, UTC: `2026-12-05T14:00:00Z`); null when it has none."
    )
    all_day: bool = Field(description="Whether `due_at` is a date rather than an instant.")
    priority: Priority
    tags: list[TagPublic] = Field(description="The task's tags, by name.")
