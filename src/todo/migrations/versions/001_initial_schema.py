"""The spec's schema: users and tasks, updated_at upkeep, row-level security, runtime role.

Revision ID: 001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "todo_app"  # todo.db.RUNTIME_ROLE; spelled here so the migration never changes with code
TITLE_CHECK = "length(trim(title)) > 0 AND title ~ '[^[:space:]]'"


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid, nullable=False, server_default=sa.text("gen_random_uuid()")),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("email_verified", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("image", sa.Text, nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uk_users_email"),
    )
    op.create_index("idx_users_email", "users", ["email"])
    op.create_index("idx_users_created_at", "users", ["created_at"])

    op.create_table(
        "tasks",
        sa.Column("id", sa.Uuid, nullable=False, server_default=sa.text("gen_random_uuid()")),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.String(1000), nullable=True),
        sa.Column("completed", sa.Boolean, nullable=False, server_default=sa.false()),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_tasks_user_id",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        # trim() strips only spaces; the second test also refuses tabs and newlines (issue 3).
        sa.CheckConstraint(TITLE_CHECK, name="chk_title_not_empty"),
    )
    op.create_index("idx_tasks_user_id", "tasks", ["user_id"])
    op.create_index("idx_tasks_user_completed", "tasks", ["user_id", "completed"])
    op.create_index("idx_tasks_created_at", "tasks", [sa.text("created_at DESC")])
    op.create_index("idx_tasks_updated_at", "tasks", [sa.text("updated_at DESC")])
    op.create_index(
        "idx_tasks_user_completed_created",
        "tasks",
        ["user_id", "completed", sa.text("created_at DESC")],
    )

    # updated_at is the database's job: bumped on every update unless the statement sets it
    # itself (restores and imports keep their timestamps).
    op.execute(
        """
        CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
                NEW.updated_at := now();
            END IF;
            RETURN NEW;
        END $$
        """
    )
    for table in ("users", "tasks"):
        op.execute(
            f"CREATE TRIGGER trg_{table}_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
        )

    # Row-level security (SPEC section 2). The identity is a transaction-local setting;
    # without one, current_user_id() is NULL and no row matches.
    op.execute(
        """
        CREATE FUNCTION current_user_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS $$
            SELECT NULLIF(current_setting('app.current_user_id', true), '')::uuid
        $$
        """
    )
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
                CREATE ROLE {ROLE} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS
                    NOINHERIT NOREPLICATION;
            END IF;
        END $$
        """
    )
    # The connecting (owner) role switches to the runtime role per transaction.
    op.execute(f"GRANT {ROLE} TO CURRENT_USER")
    op.execute("ALTER TABLE tasks ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE tasks FORCE ROW LEVEL SECURITY")
    op.execute(
        f"""
        CREATE POLICY tasks_owner ON tasks FOR ALL TO {ROLE}
            USING (user_id = current_user_id())
            WITH CHECK (user_id = current_user_id())
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON users, tasks TO {ROLE}")
    op.execute(f"GRANT EXECUTE ON FUNCTION current_user_id() TO {ROLE}")


def downgrade() -> None:
    op.execute(f"REVOKE ALL ON users, tasks FROM {ROLE}")
    op.execute(f"REVOKE EXECUTE ON FUNCTION current_user_id() FROM {ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {ROLE}")
    op.drop_table("tasks")
    op.drop_table("users")
    op.execute("DROP FUNCTION current_user_id()")
    op.execute("DROP FUNCTION set_updated_at()")
    # Roles belong to the whole server; other databases on it may still use this one.
    op.execute(
        f"""
        DO $$ BEGIN
            DROP ROLE IF EXISTS {ROLE};
        EXCEPTION WHEN dependent_objects_still_exist THEN
            RAISE NOTICE 'role {ROLE} kept: other databases still grant it privileges';
        END $$
        """
    )
