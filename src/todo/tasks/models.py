"""The task model family: table, create, update, public."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator
from sqlmodel import Field, SQLModel

from todo import models  # noqa: F401  (naming convention before any table is declared)

TITLE_MAX = 200
DESCRIPTION_MAX = 1000


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


Title = Annotated[str, Field(min_length=1, max_length=TITLE_MAX), AfterValidator(_not_blank)]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX)]


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

    id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()"))
    )
    user_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid,
            sa.ForeignKey(
                "users.id", name="fk_tasks_user_id", ondelete="CASCADE", onupdate="CASCADE"
            ),
            nullable=False,
        )
    )
    title: str = Field(sa_column=sa.Column(sa.String(TITLE_MAX), nullable=False))
    description: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(DESCRIPTION_MAX), nullable=True)
    )
    completed: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    created_at: datetime = Field(
        sa_column=sa.Column(
            sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        )
    )
    updated_at: datetime = Field(
        sa_column=sa.Column(
            sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        )
    )


class TaskCreate(SQLModel):
    """A new task: a title that is not blank and an optional description. Nothing else."""

    title: Title
    description: Description | None = None


class TaskUpdate(SQLModel):
    """A partial change; only the fields that were sent are applied."""

    title: Title | None = None
    description: Description | None = None
    completed: bool | None = None


class TaskPublic(TaskBase):
    """A task as the API shows it."""

    id: uuid.UUID
    user_id: uuid.UUID
    completed: bool
    created_at: datetime
    updated_at: datetime
