"""The user model (Better Auth's "user", snake_case), in the SQLModel family style."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import EmailStr
from sqlmodel import Field, SQLModel

from todo import models
from todo.auth.domain import IMAGE_PATTERN, MAX_EMAIL_LENGTH, MAX_IMAGE_LENGTH, MAX_NAME_LENGTH


class UserBase(SQLModel):
    email: EmailStr = Field(max_length=MAX_EMAIL_LENGTH)
    name: str | None = Field(default=None, max_length=MAX_NAME_LENGTH)
    image: str | None = Field(default=None, max_length=MAX_IMAGE_LENGTH, regex=IMAGE_PATTERN)


class User(UserBase, table=True):
    """A row of `users`."""

    __tablename__ = "users"
    __table_args__ = (
        sa.UniqueConstraint("email", name="uk_users_email"),  # also the index email lookups use
    )

    id: uuid.UUID = Field(sa_column=models.uuid_pk())
    email: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    email_verified: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    name: str | None = Field(default=None, sa_column=sa.Column(sa.String(255), nullable=True))
    image: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    created_at: datetime = Field(sa_column=models.timestamp())
    updated_at: datetime = Field(sa_column=models.timestamp())


class UserCreate(UserBase):
    """What sign-up takes (the password travels beside it, never in the user row)."""


class UserUpdate(SQLModel):
    name: str | None = Field(default=None, max_length=MAX_NAME_LENGTH)
    image: str | None = Field(default=None, max_length=MAX_IMAGE_LENGTH, regex=IMAGE_PATTERN)


class UserPublic(UserBase):
    id: uuid.UUID
    email_verified: bool
    created_at: datetime
    updated_at: datetime


class Account(SQLModel, table=True):
    """A way to sign in (Better Auth's "account"); `credential` accounts hold a password hash."""

    __tablename__ = "accounts"
    __table_args__ = (
        sa.UniqueConstraint("provider_id", "account_id", name="uk_accounts_provider_account"),
        sa.Index("idx_accounts_user_id", "user_id"),
    )

    id: uuid.UUID = Field(sa_column=models.uuid_pk())
    user_id: uuid.UUID = Field(sa_column=models.user_fk())
    account_id: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    provider_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    password: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    access_token: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    refresh_token: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    id_token: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    access_token_expires_at: datetime | None = Field(
        default=None, sa_column=models.timestamp(nullable=True)
    )
    refresh_token_expires_at: datetime | None = Field(
        default=None, sa_column=models.timestamp(nullable=True)
    )
    scope: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    created_at: datetime = Field(sa_column=models.timestamp())
    updated_at: datetime = Field(sa_column=models.timestamp())


class Session(SQLModel, table=True):
    """A signed-in browser or client. Only a SHA-256 of the token is stored."""

    __tablename__ = "sessions"
    __table_args__ = (
        sa.UniqueConstraint("token_hash", name="uk_sessions_token_hash"),
        sa.Index("idx_sessions_user_id", "user_id"),
        sa.Index("idx_sessions_expires_at", "expires_at"),
    )

    id: uuid.UUID = Field(sa_column=models.uuid_pk())
    user_id: uuid.UUID = Field(sa_column=models.user_fk())
    token_hash: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    expires_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    ip_address: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    user_agent: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    created_at: datetime = Field(sa_column=models.timestamp())
    updated_at: datetime = Field(sa_column=models.timestamp())


class Verification(SQLModel, table=True):
    """A single-use emailed token (email verification, password reset). Only its hash is kept."""

    __tablename__ = "verifications"
    __table_args__ = (
        sa.UniqueConstraint("value", name="uk_verifications_value"),
        sa.Index("idx_verifications_user_id", "user_id"),
        sa.Index("idx_verifications_expires_at", "expires_at"),
    )

    id: uuid.UUID = Field(sa_column=models.uuid_pk())
    user_id: uuid.UUID = Field(sa_column=models.user_fk())
    identifier: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    value: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    expires_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    created_at: datetime = Field(sa_column=models.timestamp())
    updated_at: datetime = Field(sa_column=models.timestamp())


class Jwk(SQLModel, table=True):
    """A signing key pair for the JWTs this service issues; the private half is encrypted."""

    __tablename__ = "jwks"

    id: uuid.UUID = Field(sa_column=models.uuid_pk())
    public_key: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    private_key: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(sa_column=models.timestamp())
    expires_at: datetime | None = Field(default=None, sa_column=models.timestamp(nullable=True))


class RateLimit(SQLModel, table=True):
    """A counter shared by every worker (sign-in throttling, request limits)."""

    __tablename__ = "rate_limits"
    __table_args__ = {"prefixes": ["UNLOGGED"]}

    key: str = Field(sa_column=sa.Column(sa.String(255), primary_key=True))
    window_started_at: datetime = Field(
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False)
    )
    hits: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
