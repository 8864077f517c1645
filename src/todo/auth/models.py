"""The user model (Better Auth's "user", snake_case), in the SQLModel family style."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import EmailStr
from sqlmodel import Field, SQLModel

from todo import models  # noqa: F401  (naming convention before any table is declared)


class UserBase(SQLModel):
    email: EmailStr = Field(max_length=255)
    name: str | None = Field(default=None, max_length=255)
    image: str | None = None


class User(UserBase, table=True):
    """A row of `users`."""

    __tablename__ = "users"
    __table_args__ = (
        sa.UniqueConstraint("email", name="uk_users_email"),
        sa.Index("idx_users_email", "email"),
        sa.Index("idx_users_created_at", "created_at"),
    )

    id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()"))
    )
    email: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    email_verified: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    name: str | None = Field(default=None, sa_column=sa.Column(sa.String(255), nullable=True))
    image: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
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


class UserCreate(UserBase):
    """What sign-up takes (the password travels beside it, never in the user row)."""


class UserUpdate(SQLModel):
    name: str | None = Field(default=None, max_length=255)
    image: str | None = None


class UserPublic(UserBase):
    id: uuid.UUID
    email_verified: bool
    created_at: datetime
    updated_at: datetime
