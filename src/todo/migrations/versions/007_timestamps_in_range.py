"""Repair task timestamps outside the range the service can show.

Before imports bounded their timestamps (todo.inputs.TIMESTAMP_MIN / TIMESTAMP_MAX), a task could
be imported with a moment such as 0001-01-01T00:00:00+14:00, which lies before year 1 in UTC:
PostgreSQL stores it, Python cannot read it back, and that user's list, export and task page
failed for good. Such moments are clamped into the range. The row-level security and the
updated_at trigger are set aside for the repair only, inside this migration's transaction, so
that an owner confined by FORCE ROW LEVEL SECURITY still sees every row and updated_at keeps its
repaired value. Downgrading leaves the repaired values.

Revision ID: 007
Revises: 006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "007"
down_revision: str | None = "006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The range an import accepts whatever the offset (todo.inputs.TIMESTAMP_PATTERN), so that an
# export of the repaired tasks imports again.
LOW = "'0001-01-03 00:00:00+00'::timestamptz"
HIGH = "'9999-12-29 23:59:59.999999+00'::timestamptz"
COLUMNS = {
    "tasks": ("created_at", "updated_at"),
    "tasks_archive": ("created_at", "updated_at", "archived_at"),
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        assignments = ", ".join(
            f"{column} = least(greatest({column}, {LOW}), {HIGH})" for column in columns
        )
        outside = " OR ".join(f"{column} NOT BETWEEN {LOW} AND {HIGH}" for column in columns)
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE TRIGGER trg_{table}_updated_at")
        op.execute(f"UPDATE {table} SET {assignments} WHERE {outside}")
        op.execute(f"ALTER TABLE {table} ENABLE TRIGGER trg_{table}_updated_at")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    pass  # the repaired moments stay repaired
