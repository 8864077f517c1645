"""The idempotency key table (migration 006)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from todo import models

KEY_MAX = 255


class IdempotencyKey(SQLModel, table=True):
    """A key a user sent with a creating POST, and the answer to replay for it."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        # A user's expired keys are deleted as they store new ones: a range, not a scan.
        sa.Index("idx_idempotency_keys_user_created", "user_id", "created_at"),
    )

    user_id: uuid.UUID = Field(sa_column=models.user_fk(primary_key=True))
    key: str = Field(sa_column=sa.Column(sa.String(KEY_MAX), primary_key=True))
    fingerprint: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    status: int = Field(sa_column=sa.Column(sa.SmallInteger, nullable=False))
    headers: dict[str, Any] = Field(sa_column=sa.Column(postgresql.JSONB, nullable=False))
    body: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=models.timestamp())
