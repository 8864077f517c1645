"""Organizing tasks (issue 11): due dates, priorities, tags, full-text search, the user's zone.

Adding to `tasks` rewrites no row: the new columns are NULL or have a constant default
(PostgreSQL stores those in the catalog), and the three checks are added in the same ALTER
TABLE, which validates them in one scan of the table (no rewrite; writes wait meanwhile, as
for migration 008's indexes). The indexes are built inside the migration's transaction.

tasks:
- due_at (timestamptz, NULL): the instant a task is due. For an all-day task it is the start
  (00:00) of due_date in the user's time zone, so one column sorts and filters both kinds;
  the service recomputes it when the user changes zone.
- due_date (date, NULL): set only for an all-day task, the calendar day the user meant (the
  truth for display and for "today"); chk_tasks_due_date_has_due_at keeps it with its due_at.
- priority (smallint, default 0): 0 none, 1 low, 2 medium, 3 high.
- chk_tasks_due_in_range: due_at and due_date stay inside what Python can read back (as
  migration 007 does for the timestamps); the API accepts years 1900 to 9999, and an all-day
  date's midnight lies up to 14 hours before its UTC midnight.

Indexes on tasks (each write pays for every index, so only what a listing needs):
- idx_tasks_user_due (user_id, due_at, id): `sort=due_at` in both orders (the listing reads
  the dated tasks in index order, forward or backward, then the undated ones, which sit
  together at the end of a user's range in id order) and the due_before / due_after /
  overdue filters and the Today and Upcoming ranges (a range of the same index).
- idx_tasks_user_priority (user_id, priority DESC, created_at DESC, id DESC): `sort=priority`
  (high first and newest first within a priority; a backward scan for `asc`) and the
  `priority` filter under the default newest-first order.
- idx_tasks_search: GIN over tasks_search_vector(title, description), the `q` search.

tags: a user's labels, names unique per user case-insensitively (uk_tags_user_name, which
also serves listing a user's tags by name); uk_tags_id_user is the target of task_tags'
foreign key, which makes a link to another user's tag impossible in the schema itself.
task_tags: pk (task_id, tag_id) serves reading a task's tags and the cascade from tasks;
idx_task_tags_user_tag (user_id, tag_id, task_id) serves the tag filter and the cascade from
tags. Both tables have forced row-level security with an owner policy, like tasks; a link's
policy also checks (WITH CHECK) that its task is the caller's.

Search: tasks_search_fold() lower-cases and strips accents with built-ins only (the embedded
server has no unaccent): NFKD splits a letter from its combining marks, which are removed, and
translate() folds the few letters that do not decompose (o, l, d, h with a stroke, dotless i).
tasks_search_vector() is the 'simple' configuration (no stemming, no stop words: prefix
matching of any word works) over the folded title and description. Both are IMMUTABLE, which
an index expression requires; the vector names its helper with its schema, since a restore
builds the index with an empty search_path.

tasks_archive keeps the same fields (and the tag names) of an archived task. user_preferences
gains time_zone (an IANA name, checked by the service; no row or the default means UTC), and
task_sort/task_order get defaults so a row can be made for the zone alone; the web page's sort
may be due_at or priority too.

Revision ID: 009
Revises: 008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "009"
down_revision: str | None = "008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "todo_app"
DUE_LOW = "'1899-12-30 00:00:00+00'::timestamptz"
DUE_HIGH = "'9999-12-31 23:59:59.999999+00'::timestamptz"
DUE_IN_RANGE = (
    f"(due_at IS NULL OR due_at BETWEEN {DUE_LOW} AND {DUE_HIGH}) "
    "AND (due_date IS NULL OR due_date BETWEEN '1900-01-01'::date AND '9999-12-31'::date)"
)
SORTS_BEFORE = "task_sort IN ('created_at', 'updated_at', 'title')"
SORTS_AFTER = "task_sort IN ('created_at', 'updated_at', 'title', 'due_at', 'priority')"


def _timestamp(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def _owned(table: str, with_check: str = "user_id = current_user_id()") -> None:
    """Forced row-level security with an owner policy and the runtime role's grants."""
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"""
        CREATE POLICY {table}_owner ON {table} FOR ALL TO {ROLE}
            USING (user_id = current_user_id())
            WITH CHECK ({with_check})
        """
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {ROLE}")


def _search_functions() -> None:
    op.execute(
        r"""
        CREATE FUNCTION tasks_search_fold(value text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
            SELECT lower(translate(
                regexp_replace(normalize(value, NFKD), '[\u0300-\u036f]', '', 'g'),
                'øØłŁđĐħĦı', 'oOlLdDhHi'
            ))
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION tasks_search_vector(title varchar, description varchar) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT to_tsvector(
                'simple'::regconfig,
                public.tasks_search_fold(title || ' ' || coalesce(description, ''))
            )
        $$
        """
    )


def _tags() -> None:
    op.create_table(
        "tags",
        sa.Column("id", sa.Uuid, nullable=False, server_default=sa.text("gen_random_uuid()")),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("color", sa.String(7), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_tags"),
        sa.UniqueConstraint("id", "user_id", name="uk_tags_id_user"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_tags_user_id",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.CheckConstraint("name ~ '[^[:space:]]'", name="chk_tags_name_not_blank"),
        sa.CheckConstraint("color ~ '^#[0-9a-f]{6}$'", name="chk_tags_color"),
    )
    op.create_index(
        "uk_tags_user_name", "tags", ["user_id", sa.text("lower(name::text)")], unique=True
    )
    op.execute(
        "CREATE TRIGGER trg_tags_updated_at BEFORE UPDATE ON tags "
        "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
    )
    _owned("tags")

    op.create_table(
        "task_tags",
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("task_id", sa.Uuid, nullable=False),
        sa.Column("tag_id", sa.Uuid, nullable=False),
        sa.PrimaryKeyConstraint("task_id", "tag_id", name="pk_task_tags"),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name="fk_task_tags_task_id", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tag_id", "user_id"],
            ["tags.id", "tags.user_id"],
            name="fk_task_tags_tag_id",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
    )
    op.create_index("idx_task_tags_user_tag", "task_tags", ["user_id", "tag_id", "task_id"])
    _owned(
        "task_tags",
        with_check="user_id = current_user_id() AND EXISTS (SELECT FROM tasks "
        "WHERE tasks.id = task_tags.task_id AND tasks.user_id = current_user_id())",
    )


def upgrade() -> None:
    _search_functions()
    op.execute(
        f"""
        ALTER TABLE tasks
            ADD COLUMN due_at timestamptz NULL,
            ADD COLUMN due_date date NULL,
            ADD COLUMN priority smallint NOT NULL DEFAULT 0,
            ADD CONSTRAINT chk_tasks_due_date_has_due_at
                CHECK (due_date IS NULL OR due_at IS NOT NULL),
            ADD CONSTRAINT chk_tasks_priority CHECK (priority BETWEEN 0 AND 3),
            ADD CONSTRAINT chk_tasks_due_in_range CHECK ({DUE_IN_RANGE})
        """
    )
    op.create_index("idx_tasks_user_due", "tasks", ["user_id", "due_at", "id"])
    op.create_index(
        "idx_tasks_user_priority",
        "tasks",
        ["user_id", sa.text("priority DESC"), sa.text("created_at DESC"), sa.text("id DESC")],
    )
    op.create_index(
        "idx_tasks_search",
        "tasks",
        [sa.text("tasks_search_vector(title, description)")],
        postgresql_using="gin",
    )
    _tags()
    op.execute(
        """
        ALTER TABLE tasks_archive
            ADD COLUMN due_at timestamptz NULL,
            ADD COLUMN due_date date NULL,
            ADD COLUMN priority smallint NOT NULL DEFAULT 0,
            ADD COLUMN tags text[] NOT NULL DEFAULT '{}'
        """
    )
    op.add_column(
        "user_preferences",
        sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC"),
    )
    op.alter_column("user_preferences", "task_sort", server_default="created_at")
    op.alter_column("user_preferences", "task_order", server_default="desc")
    _replace_sort_check(SORTS_AFTER)


def _replace_sort_check(check: str) -> None:
    op.drop_constraint("chk_user_preferences_task_sort", "user_preferences", type_="check")
    op.create_check_constraint("chk_user_preferences_task_sort", "user_preferences", check)


def downgrade() -> None:
    # A preference for a sort that no longer exists falls back to the default.
    op.execute(f"UPDATE user_preferences SET task_sort = 'created_at' WHERE NOT ({SORTS_BEFORE})")
    _replace_sort_check(SORTS_BEFORE)
    op.alter_column("user_preferences", "task_order", server_default=None)
    op.alter_column("user_preferences", "task_sort", server_default=None)
    op.drop_column("user_preferences", "time_zone")
    op.execute(
        "ALTER TABLE tasks_archive DROP COLUMN tags, DROP COLUMN priority, "
        "DROP COLUMN due_date, DROP COLUMN due_at"
    )
    op.execute(f"REVOKE ALL ON task_tags, tags FROM {ROLE}")
    op.drop_table("task_tags")
    op.drop_table("tags")
    op.drop_index("idx_tasks_search", table_name="tasks")
    op.drop_index("idx_tasks_user_priority", table_name="tasks")
    op.drop_index("idx_tasks_user_due", table_name="tasks")
    op.execute(
        "ALTER TABLE tasks DROP CONSTRAINT chk_tasks_due_in_range, "
        "DROP CONSTRAINT chk_tasks_priority, DROP CONSTRAINT chk_tasks_due_date_has_due_at, "
        "DROP COLUMN priority, DROP COLUMN due_date, DROP COLUMN due_at"
    )
    op.execute("DROP FUNCTION tasks_search_vector(varchar, varchar)")
    op.execute("DROP FUNCTION tasks_search_fold(text)")
