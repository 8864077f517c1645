"""Idempotency keys of the task API: a retried create or import is answered once.

Revision ID: 006
Revises: 005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "006"
down_revision: str | None = "005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "todo_app"


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.SmallInteger, nullable=False),
        sa.Column("headers", postgresql.JSONB, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name="pk_idempotency_keys"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_idempotency_keys_user_id",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
    )
    op.create_index(
        "idx_idempotency_keys_user_created", "idempotency_keys", ["user_id", "created_at"]
    )
    # Same defence in depth as tasks: the runtime role only ever sees the caller's keys.
    op.execute("ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY")
    op.execute(
        f"""
        CREATE POLICY idempotency_keys_owner ON idempotency_keys FOR ALL TO {ROLE}
            USING (user_id = current_user_id())
            WITH CHECK (user_id = current_user_id())
        """
    )
    # UPDATE: a key that expired but was not yet swept is claimed afresh in place.
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO {ROLE}")


def downgrade() -> None:
    op.execute(f"REVOKE ALL ON idempotency_keys FROM {ROLE}")
    op.drop_table("idempotency_keys")
