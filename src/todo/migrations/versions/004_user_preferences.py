"""The web UI's per-user preferences (the task list's sort), private to each user by RLS.

Revision ID: 004
Revises: 003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "004"
down_revision: str | None = "003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "todo_app"


def upgrade() -> None:
    op.create_table(
        "user_preferences",
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("task_sort", sa.String(16), nullable=False),
        sa.Column("task_order", sa.String(4), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_user_preferences"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_user_preferences_user_id",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.CheckConstraint(
            "task_sort IN ('created_at', 'updated_at', 'title')",
            name="chk_user_preferences_task_sort",
        ),
        sa.CheckConstraint("task_order IN ('asc', 'desc')", name="chk_user_preferences_task_order"),
    )
    op.execute(
        "CREATE TRIGGER trg_user_preferences_updated_at BEFORE UPDATE ON user_preferences "
        "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
    )
    # Same defence in depth as tasks: the runtime role only ever sees the caller's row.
    op.execute("ALTER TABLE user_preferences ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE user_preferences FORCE ROW LEVEL SECURITY")
    op.execute(
        f"""
        CREATE POLICY user_preferences_owner ON user_preferences FOR ALL TO {ROLE}
            USING (user_id = current_user_id())
            WITH CHECK (user_id = current_user_id())
        """
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON user_preferences TO {ROLE}")


def downgrade() -> None:
    op.execute(f"REVOKE ALL ON user_preferences FROM {ROLE}")
    op.drop_table("user_preferences")
