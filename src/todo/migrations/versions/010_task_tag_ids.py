"""A task's tag ids on its own row (tasks.tag_ids), so a listing reads no link table.

Migration 009 kept a task's tags only in task_tags. Showing them meant a subquery per listed
row (two index probes, an aggregate and JSON building for each of a page's 51 rows): it halved
the raw-SQL ceiling of the list (3,550 -> 1,740 transactions a second in pgbench, 10,000 users
x 100 tasks, PostgreSQL 15, 2 cores). With the ids on the row, a page is one index range again
and the names come from the user's tags in the same round trip.

- tasks.tag_ids (uuid[], NOT NULL, default '{}'): the ids of the task's tags in task_tags,
  sorted. task_tags stays the truth (its foreign keys keep a task to its owner's tags, and its
  index serves the tag filter); every statement that changes a task's links sets tag_ids in
  the same transaction (todo.tasks.repository.TAG_IDS), and the tests check the two agree.
  No index: nothing searches it. Adding it rewrites no row (a constant default).
- trg_tasks_updated_at fires only for an UPDATE that sets one of the task's own fields, so
  keeping tag_ids current (after a tag is deleted, or when an import links its tasks) does
  not touch updated_at, as a change to task_tags alone never did. Every write of the task API
  and the web pages sets updated_at itself.

The trigger is replaced before the backfill, which so leaves updated_at alone.

Revision ID: 010
Revises: 009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "010"
down_revision: str | None = "009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWN_FIELDS = (
    "user_id, title, description, completed, created_at, updated_at, due_at, due_date, priority"
)


def _updated_at_trigger(columns: str | None) -> None:
    of = f" OF {columns}" if columns else ""
    op.execute("DROP TRIGGER trg_tasks_updated_at ON tasks")
    op.execute(
        f"CREATE TRIGGER trg_tasks_updated_at BEFORE UPDATE{of} ON tasks "
        "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
    )


def upgrade() -> None:
    op.execute("ALTER TABLE tasks ADD COLUMN tag_ids uuid[] NOT NULL DEFAULT '{}'")
    _updated_at_trigger(OWN_FIELDS)
    op.execute(
        """
        UPDATE tasks SET tag_ids = linked.ids
        FROM (SELECT task_id, array_agg(tag_id ORDER BY tag_id) AS ids
              FROM task_tags GROUP BY task_id) AS linked
        WHERE linked.task_id = tasks.id
        """
    )


def downgrade() -> None:
    _updated_at_trigger(None)
    op.execute("ALTER TABLE tasks DROP COLUMN tag_ids")
