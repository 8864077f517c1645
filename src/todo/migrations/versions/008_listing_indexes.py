"""Indexes that earn their cost: each listing order has one; prefixes and duplicates go.

SPEC section 1 lists the indexes migration 001 creates and says changing the set takes a
separate migration with measured evidence; README "Performance" holds it (EXPLAIN (ANALYZE,
BUFFERS) before and after, 1M tasks with one 10,000-task user). In short:

Added, each serving the task listing (todo.tasks.repository.list_tasks) in one order, first
pages and cursor pages alike, both directions (a backward scan serves `asc`):
- idx_tasks_user_created (user_id, created_at DESC, id DESC): the default listing, a user's
  tasks newest first (pattern 1), had no index serving its order; the planner walked the
  global idx_tasks_created_at and filtered out other users' rows (23,912 buffers for a heavy
  user's first page, 261 ms; 55 buffers, 0.3 ms with this index). Also serves the export's
  order and the foreign key's cascade on user_id.
- idx_tasks_user_updated (user_id, updated_at DESC, id DESC): `sort=updated_at`, which walked
  the global idx_tasks_updated_at the same way (17,119 buffers; 55 with this index).

Dropped (each shown unused or redundant; SPEC section 1 names all four):
- idx_tasks_user_id (user_id): a prefix of idx_tasks_user_completed (the same size: B-tree
  deduplication stores each user's two keys once), idx_tasks_user_completed_created and the
  two added above, which serve every lookup by user_id it served (no plan chose it).
- idx_tasks_created_at (created_at DESC): no statement orders or filters all users' tasks by
  created_at; its only uses were the bad plans above.
- idx_users_email (email): the same column as uk_users_email's unique index, which serves
  every lookup by email.
- idx_users_created_at (created_at): no statement reads users by created_at.

Kept: pk_tasks (get, patterns 4 to 6), idx_tasks_user_completed_created (pattern 2 and the
completed filter, first and cursor pages), idx_tasks_user_completed (every list's total and
the status counts, pattern 7, as index-only scans of a deduplicated index: 12 buffers for a
10,000-task user where the wider composites take 78, and the planner would rather scan the
table than a wide index for a user who owns most of it), idx_tasks_updated_at (archiving:
completed tasks by updated_at across users), pk_users, uk_users_email.

The indexes are built inside the migration's transaction (writes to tasks wait meanwhile; at
100M tasks that is minutes). Downgrading restores 001's set exactly.

Revision ID: 008
Revises: 007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "008"
down_revision: str | None = "007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ADDED: dict[str, tuple[str, list[str | sa.TextClause]]] = {
    "idx_tasks_user_created": (
        "tasks",
        ["user_id", sa.text("created_at DESC"), sa.text("id DESC")],
    ),
    "idx_tasks_user_updated": (
        "tasks",
        ["user_id", sa.text("updated_at DESC"), sa.text("id DESC")],
    ),
}
# As migration 001 created them, for the downgrade.
DROPPED: dict[str, tuple[str, list[str | sa.TextClause]]] = {
    "idx_tasks_user_id": ("tasks", ["user_id"]),
    "idx_tasks_created_at": ("tasks", [sa.text("created_at DESC")]),
    "idx_users_email": ("users", ["email"]),
    "idx_users_created_at": ("users", ["created_at"]),
}


def upgrade() -> None:
    for name, (table, columns) in ADDED.items():
        op.create_index(name, table, columns)
    for name, (table, _) in DROPPED.items():
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, (table, columns) in DROPPED.items():
        op.create_index(name, table, columns)
    for name, (table, _) in ADDED.items():
        op.drop_index(name, table_name=table)
