"""The SQLModel metadata shared by every table model; Alembic compares migrations against it."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import SQLModel

# Names follow the spec's convention: pk_, fk_, uk_, idx_ (checks are named by hand: chk_).
SQLModel.metadata.naming_convention = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "uq": "uk_%(table_name)s_%(column_0_name)s",
    "ix": "idx_%(table_name)s_%(column_0_name)s",
}

metadata = SQLModel.metadata


# Column factories: a Column object belongs to one table, so every model asks for fresh ones.
def uuid_pk() -> sa.Column[uuid.UUID]:
    """`id uuid PRIMARY KEY DEFAULT gen_random_uuid()`."""
    return sa.Column(sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()"))


def user_fk(*, primary_key: bool = False) -> sa.Column[uuid.UUID]:
    """`user_id` referencing users, cascading on delete and update (named by the convention)."""
    return sa.Column(
        sa.Uuid,
        sa.ForeignKey("users.id", ondelete="CASCADE", onupdate="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def timestamp(*, nullable: bool = False) -> sa.Column[datetime]:
    """A timestamptz; NOT NULL ones default to now()."""
    return sa.Column(
        sa.DateTime(timezone=True),
        nullable=nullable,
        server_default=None if nullable else sa.func.now(),
    )


def load_all() -> None:
    """Import every table model so that `metadata` knows all tables."""
    from todo.archive import models as archive_models  # noqa: F401
    from todo.auth import models as auth_models  # noqa: F401
    from todo.idempotency import models as idempotency_models  # noqa: F401
    from todo.tags import models as tag_models  # noqa: F401
    from todo.tasks import models as task_models  # noqa: F401
    from todo.web import models as web_models  # noqa: F401
