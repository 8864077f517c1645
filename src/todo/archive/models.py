"""The archived task model: a task's columns plus `archived_at` and its tags' names."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field

from todo import models
from todo.tasks.models import DESCRIPTION_MAX, TITLE_MAX, TaskBase, priority_column


class TaskArchive(TaskBase, table=True):
    """A row of `tasks_archive` (migration 003)."""

    __tablename__ = "tasks_archive"
    __table_args__ = (
        sa.CheckConstraint("length(trim(title)) > 0", name="chk_tasks_archive_title_not_empty"),
        sa.Index("idx_tasks_archive_user_id", "user_id"),
    )

    id: uuid.UUID = Field(sa_column=models.uuid_pk())
    user_id: uuid.UUID = Field(sa_column=models.user_fk())  # fk_tasks_archive_user_id
    title: str = Field(sa_column=sa.Column(sa.String(TITLE_MAX), nullable=False))
    description: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(DESCRIPTION_MAX), nullable=True)
    )
    completed: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    created_at: datetime = Field(sa_column=models.timestamp())
    updated_at: datetime = Field(sa_column=models.timestamp())
    archived_at: datetime = Field(sa_column=models.timestamp())
    due_at: datetime | None = Field(default=None, sa_column=models.timestamp(nullable=True))
    due_date: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    priority: int = Field(default=0, sa_column=priority_column())
    tags: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(
            postgresql.ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'::text[]")
        ),
    )
