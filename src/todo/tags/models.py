"""The tag model family (table, create, update, public) and the task-tag link table."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, StrictStr
from sqlmodel import Field, SQLModel

from todo import inputs, models

NAME_MAX = 50
TAGS_MAX = 100  # on one task
COLOR_PATTERN = "^#[0-9a-fA-F]{6}$"


TagName = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=NAME_MAX,
        schema_extra={"json_schema_extra": {"pattern": inputs.NOT_BLANK}},
    ),
    AfterValidator(inputs.not_blank),
    AfterValidator(inputs.storable),
]
Color = Annotated[
    StrictStr,
    Field(
        min_length=7,
        max_length=7,
        schema_extra={"json_schema_extra": {"pattern": COLOR_PATTERN}},
    ),
    AfterValidator(str.lower),
]


class Tag(SQLModel, table=True):
    """A row of `tags` (migration 009)."""

    __tablename__ = "tags"
    __table_args__ = (
        sa.UniqueConstraint("id", "user_id", name="uk_tags_id_user"),
        sa.CheckConstraint("name ~ '[^[:space:]]'", name="chk_tags_name_not_blank"),
        sa.CheckConstraint("color ~ '^#[0-9a-f]{6}$'", name="chk_tags_color"),
        sa.Index("uk_tags_user_name", "user_id", sa.text("lower(name::text)"), unique=True),
    )

    id: uuid.UUID = Field(sa_column=models.uuid_pk())
    user_id: uuid.UUID = Field(sa_column=models.user_fk())  # fk_tags_user_id
    name: str = Field(sa_column=sa.Column(sa.String(NAME_MAX), nullable=False))
    color: str | None = Field(default=None, sa_column=sa.Column(sa.String(7), nullable=True))
    created_at: datetime = Field(sa_column=models.timestamp())
    updated_at: datetime = Field(sa_column=models.timestamp())


class TaskTag(SQLModel, table=True):
    """A row of `task_tags`: this task carries this tag (both the same user's)."""

    __tablename__ = "task_tags"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["tag_id", "user_id"],
            ["tags.id", "tags.user_id"],
            name="fk_task_tags_tag_id",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.Index("idx_task_tags_user_tag", "user_id", "tag_id", "task_id"),
    )

    user_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    task_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
        )
    )
    tag_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, primary_key=True))


class TagCreate(SQLModel):
    """A new tag: a name (unique among yours, whatever the case) and an optional colour."""

    name: TagName
    color: Color | None = None


class TagUpdate(SQLModel):
    """A rename and/or a new colour (`color: null` removes it); at least one of them."""

    name: TagName = Field(default=None)
    color: Color | None = None


class TagPublic(SQLModel):
    """A tag as a task shows it."""

    id: uuid.UUID
    name: str
    color: str | None = Field(description="`#rrggbb`, or null for none.")


class TagListed(TagPublic):
    """A tag as the tag list shows it."""

    open_tasks: int = Field(description="How many of your open tasks carry it.")
    created_at: datetime
    updated_at: datetime
