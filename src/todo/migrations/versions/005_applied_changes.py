"""The web UI's applied changes: each queued change is applied once, however often it is sent.

Revision ID: 005
Revises: 004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "005"
down_revision: str | None = "004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "todo_app"


def upgrade() -> None:
    op.create_table(
        "applied_changes",
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("change_id", sa.Uuid, nullable=False),
        sa.Column(
            "applied_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("user_id", "change_id", name="pk_applied_changes"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_applied_changes_user_id",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
    )
    # Same defence in depth as tasks: the runtime role only ever sees the caller's rows.
    op.execute("ALTER TABLE applied_changes ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE applied_changes FORCE ROW LEVEL SECURITY")
    op.execute(
        f"""
        CREATE POLICY applied_changes_owner ON applied_changes FOR ALL TO {ROLE}
            USING (user_id = current_user_id())
            WITH CHECK (user_id = current_user_id())
        """
    )
    op.execute(f"GRANT SELECT, INSERT, DELETE ON applied_changes TO {ROLE}")


def downgrade() -> None:
    op.execute(f"REVOKE ALL ON applied_changes FROM {ROLE}")
    op.drop_table("applied_changes")
