"""The web UI's own tables: per-user preferences (kept on the server so that every device shares
them) and the changes its pages have had applied (so a resent change is applied once)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import get_args

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from todo import models
from todo.tasks.repository import SortField, SortOrder

SORT_FIELDS: tuple[str, ...] = get_args(SortField)
SORT_ORDERS: tuple[str, ...] = get_args(SortOrder)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class UserPreference(SQLModel, table=True):
    """How one user likes the task list sorted, and their time zone (an IANA name): one row per
    user, created on first choice; without one the user is in UTC."""

    __tablename__ = "user_preferences"
    __table_args__ = (
        sa.CheckConstraint(_in("task_sort", SORT_FIELDS), name="chk_user_preferences_task_sort"),
        sa.CheckConstraint(_in("task_order", SORT_ORDERS), name="chk_user_preferences_task_order"),
    )

    user_id: uuid.UUID = Field(sa_column=models.user_fk(primary_key=True))
    task_sort: str = Field(
        sa_column=sa.Column(sa.String(16), nullable=False, server_default="created_at")
    )
    task_order: str = Field(
        sa_column=sa.Column(sa.String(4), nullable=False, server_default="desc")
    )
    time_zone: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, server_default="UTC"))
    created_at: datetime = Field(sa_column=models.timestamp())
    updated_at: datetime = Field(sa_column=models.timestamp())


class AppliedChange(SQLModel, table=True):
    """A change from a page's write queue that has been applied (kept for a day; see
    todo.web.batch)."""

    __tablename__ = "applied_changes"

    user_id: uuid.UUID = Field(sa_column=models.user_fk(primary_key=True))
    change_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, primary_key=True))
    applied_at: datetime = Field(sa_column=models.timestamp())
