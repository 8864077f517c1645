"""Better Auth's companion tables: accounts, sessions, verifications, jwks; rate-limit counters.

Revision ID: 002
Revises: 001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "002"
down_revision: str | None = "001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "todo_app"


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.Uuid, nullable=False, server_default=sa.text("gen_random_uuid()"))


def _user_id(table: str) -> list[sa.Column[object] | sa.ForeignKeyConstraint]:
    return [
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=f"fk_{table}_user_id",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
    ]


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
        "accounts",
        _id(),
        *_user_id("accounts"),
        sa.Column("account_id", sa.String(255), nullable=False),
        sa.Column("provider_id", sa.String(64), nullable=False),
        sa.Column("password", sa.Text, nullable=True),
        sa.Column("access_token", sa.Text, nullable=True),
        sa.Column("refresh_token", sa.Text, nullable=True),
        sa.Column("id_token", sa.Text, nullable=True),
        sa.Column("access_token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refresh_token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scope", sa.Text, nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("provider_id", "account_id", name="uk_accounts_provider_account"),
    )
    op.create_index("idx_accounts_user_id", "accounts", ["user_id"])

    op.create_table(
        "sessions",
        _id(),
        *_user_id("sessions"),
        sa.Column("token_hash", sa.LargeBinary, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip_address", sa.Text, nullable=True),
        sa.Column("user_agent", sa.Text, nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.UniqueConstraint("token_hash", name="uk_sessions_token_hash"),
    )
    op.create_index("idx_sessions_user_id", "sessions", ["user_id"])
    op.create_index("idx_sessions_expires_at", "sessions", ["expires_at"])

    op.create_table(
        "verifications",
        _id(),
        *_user_id("verifications"),
        sa.Column("identifier", sa.String(255), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_verifications"),
        sa.UniqueConstraint("value", name="uk_verifications_value"),
    )
    op.create_index("idx_verifications_user_id", "verifications", ["user_id"])
    op.create_index("idx_verifications_expires_at", "verifications", ["expires_at"])

    op.create_table(
        "jwks",
        _id(),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("private_key", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jwks"),
    )

    # Counters are cheap to lose (a crash resets them), so skip the WAL.
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rate_limits"),
        prefixes=["UNLOGGED"],
    )

    for table in ("accounts", "sessions", "verifications"):
        op.execute(
            f"CREATE TRIGGER trg_{table}_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
        )
    op.execute(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON accounts, sessions, verifications, rate_limits "
        f"TO {ROLE}"
    )
    op.execute(f"GRANT SELECT, INSERT ON jwks TO {ROLE}")


def downgrade() -> None:
    op.execute(f"REVOKE ALL ON accounts, sessions, verifications, rate_limits, jwks FROM {ROLE}")
    for table in ("rate_limits", "jwks", "verifications", "sessions", "accounts"):
        op.drop_table(table)
