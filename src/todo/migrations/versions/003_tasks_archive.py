"""tasks_archive: completed tasks moved out of `tasks` by `todo db archive`, same isolation.

Revision ID: 003
Revises: 002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "003"
down_revision: str | None = "002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "todo_app"


def _timestamp(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    # The same columns as tasks (ids are kept, so a task keeps its id in the archive) plus
    # archived_at.
    op.create_table(
        "tasks_archive",
        sa.Column("id", sa.Uuid, nullable=False, server_default=sa.text("gen_random_uuid()")),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.String(1000), nullable=True),
        sa.Column("completed", sa.Boolean, nullable=False, server_default=sa.false()),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _timestamp("archived_at"),
        sa.PrimaryKeyConstraint("id", name="pk_tasks_archive"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_tasks_archive_user_id",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.CheckConstraint("length(trim(title)) > 0", name="chk_tasks_archive_title_not_empty"),
    )
    # Serves a user's export and the cascade when a user is deleted.
    op.create_index("idx_tasks_archive_user_id", "tasks_archive", ["user_id"])
    op.execute(
        "CREATE TRIGGER trg_tasks_archive_updated_at BEFORE UPDATE ON tasks_archive "
        "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
    )
    # The same row-level security as tasks (SPEC section 2).
    op.execute("ALTER TABLE tasks_archive ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE tasks_archive FORCE ROW LEVEL SECURITY")
    op.execute(
        f"""
        CREATE POLICY tasks_archive_owner ON tasks_archive FOR ALL TO {ROLE}
            USING (user_id = current_user_id())
            WITH CHECK (user_id = current_user_id())
        """
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON tasks_archive TO {ROLE}")


def downgrade() -> None:
    op.execute(f"REVOKE ALL ON tasks_archive FROM {ROLE}")
    op.drop_table("tasks_archive")
