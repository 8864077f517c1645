"""Migration 009 (issue 11): the new columns, tables, row-level security and search index."""

from __future__ import annotations

from uuid import UUID

import psycopg
import pytest

from todo import migrate
from todo.db import RUNTIME_ROLE, Database

from .helpers import make_task, make_user


def _catalog(url: str, query: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


_COLUMNS = (
    "SELECT table_name, column_name, data_type, is_nullable, column_default "
    "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s "
    "AND column_name = ANY(%s) ORDER BY ordinal_position"
)


def test_tasks_gain_nullable_or_constant_default_columns(database_url: str) -> None:
    assert _catalog(database_url, _COLUMNS, ("tasks", ["due_at", "due_date", "priority"])) == [
        ("tasks", "due_at", "timestamp with time zone", "YES", None),
        ("tasks", "due_date", "date", "YES", None),
        ("tasks", "priority", "smallint", "NO", "0"),
    ]
    archive = ["due_at", "due_date", "priority", "tags"]
    assert _catalog(database_url, _COLUMNS, ("tasks_archive", archive)) == [
        ("tasks_archive", "due_at", "timestamp with time zone", "YES", None),
        ("tasks_archive", "due_date", "date", "YES", None),
        ("tasks_archive", "priority", "smallint", "NO", "0"),
        ("tasks_archive", "tags", "ARRAY", "NO", "'{}'::text[]"),
    ]
    preferences = ["task_sort", "task_order", "time_zone"]
    assert _catalog(database_url, _COLUMNS, ("user_preferences", preferences)) == [
        (
            "user_preferences",
            "task_sort",
            "character varying",
            "NO",
            "'created_at'::character varying",
        ),
        ("user_preferences", "task_order", "character varying", "NO", "'desc'::character varying"),
        ("user_preferences", "time_zone", "character varying", "NO", "'UTC'::character varying"),
    ]


def test_existing_rows_are_not_rewritten(empty_database_url: str) -> None:
    """Adding the columns keeps every task where it was (no table rewrite): same file, same
    row positions, and the defaults read back."""
    url = empty_database_url
    migrate.upgrade(url, "008")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO users (email) VALUES ('a@example.com')")
        conn.execute(
            "INSERT INTO tasks (user_id, title) SELECT id, 'task ' || n FROM users, "
            "generate_series(1, 50) AS n"
        )
        before = conn.execute(
            "SELECT pg_relation_filenode('tasks'), array_agg(ctid ORDER BY id) FROM tasks"
        ).fetchone()
    migrate.upgrade(url)
    with psycopg.connect(url) as conn:
        after = conn.execute(
            "SELECT pg_relation_filenode('tasks'), array_agg(ctid ORDER BY id) FROM tasks"
        ).fetchone()
        defaults = conn.execute("SELECT DISTINCT due_at, due_date, priority FROM tasks").fetchall()
    assert after == before
    assert defaults == [(None, None, 0)]


def test_new_tables_have_forced_rls_and_owner_policies(database_url: str) -> None:
    rows = _catalog(
        database_url,
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, p.policyname, p.cmd, "
        "p.roles::text[], p.qual, p.with_check FROM pg_class c "
        "JOIN pg_policies p ON p.tablename = c.relname "
        "WHERE c.relname IN ('tags', 'task_tags') ORDER BY c.relname",
    )
    owner = "(user_id = current_user_id())"
    assert [row[:7] for row in rows] == [
        ("tags", True, True, "tags_owner", "ALL", [RUNTIME_ROLE], owner),
        ("task_tags", True, True, "task_tags_owner", "ALL", [RUNTIME_ROLE], owner),
    ]
    assert rows[0][7] == owner
    # A link is checked against its task too: the task must be the caller's.
    assert "FROM tasks" in str(rows[1][7])
    assert "tasks.user_id = current_user_id()" in str(rows[1][7])


def test_tasks_indexes_after_009(database_url: str) -> None:
    indexes = _catalog(
        database_url,
        "SELECT indexname, regexp_replace(indexdef, '^.* USING ', '') FROM pg_indexes "
        "WHERE tablename IN ('tasks', 'tags', 'task_tags') ORDER BY indexname",
    )
    assert indexes == [
        ("idx_task_tags_user_tag", "btree (user_id, tag_id, task_id)"),
        ("idx_tasks_search", "gin (tasks_search_vector(title, description))"),
        ("idx_tasks_updated_at", "btree (updated_at DESC)"),
        ("idx_tasks_user_completed", "btree (user_id, completed)"),
        ("idx_tasks_user_completed_created", "btree (user_id, completed, created_at DESC)"),
        ("idx_tasks_user_created", "btree (user_id, created_at DESC, id DESC)"),
        ("idx_tasks_user_due", "btree (user_id, due_at, id)"),
        (
            "idx_tasks_user_priority",
            "btree (user_id, priority DESC, created_at DESC, id DESC)",
        ),
        ("idx_tasks_user_updated", "btree (user_id, updated_at DESC, id DESC)"),
        ("pk_tags", "btree (id)"),
        ("pk_task_tags", "btree (task_id, tag_id)"),
        ("pk_tasks", "btree (id)"),
        ("uk_tags_id_user", "btree (id, user_id)"),
        ("uk_tags_user_name", "btree (user_id, lower((name)::text))"),
    ]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Crème Brûlée", "creme brulee"),
        ("ÉCOLE Ñandú", "ecole nandu"),
        ("Łódź Øresund", "lodz oresund"),
        ("\ufb01nal \uff26\uff55\uff4c\uff4c", "final full"),  # a ligature, full-width letters
    ],
)
def test_search_folding_ignores_case_and_accents(database_url: str, text: str, folded: str) -> None:
    assert _catalog(database_url, "SELECT tasks_search_fold(%s)", (text,)) == [(folded,)]


def test_search_vector_is_rebuilt_by_a_restore_search_path(database_url: str) -> None:
    """pg_restore builds indexes with an empty search_path: the vector must still work."""
    with psycopg.connect(database_url) as conn:
        conn.execute("SET search_path = ''")
        vector = conn.execute("SELECT public.tasks_search_vector('Dentist', 'Café')").fetchone()
    assert vector == ("'cafe':2 'dentist':1",)


async def _tag(db: Database, user: UUID, name: str) -> UUID:
    async with db.transaction(user) as tx:
        tag_id = await tx.fetch_value(
            "INSERT INTO tags (user_id, name) VALUES (%s, %s) RETURNING id", (user, name)
        )
    assert isinstance(tag_id, UUID)
    return tag_id


async def test_a_link_to_another_users_tag_or_task_is_refused(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    alices_task = (await make_task(db, alice, "mine"))["id"]
    bobs_task = (await make_task(db, bob, "his"))["id"]
    bobs_tag = await _tag(db, bob, "secret")
    alices_tag = await _tag(db, alice, "home")
    # Bob's tag under Alice's name: the foreign key (tag_id, user_id) finds no such tag.
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="fk_task_tags_tag_id"):
        async with db.transaction(alice) as tx:
            await tx.execute(
                "INSERT INTO task_tags (user_id, task_id, tag_id) VALUES (%s, %s, %s)",
                (alice, alices_task, bobs_tag),
            )
    # Alice's tag on Bob's task: the policy's check refuses it.
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        async with db.transaction(alice) as tx:
            await tx.execute(
                "INSERT INTO task_tags (user_id, task_id, tag_id) VALUES (%s, %s, %s)",
                (alice, bobs_task, alices_tag),
            )
    async with db.transaction(alice) as tx:
        assert await tx.fetch_all("SELECT name FROM tags") == [{"name": "home"}]
    async with db.owner_transaction() as tx:
        assert await tx.fetch_value("SELECT count(*) FROM task_tags") == 0


async def test_tag_names_are_unique_per_user_whatever_the_case(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    await _tag(db, alice, "Health")
    await _tag(db, bob, "health")  # another user's may share it
    with pytest.raises(psycopg.errors.UniqueViolation, match="uk_tags_user_name"):
        await _tag(db, alice, "HEALTH")


async def test_deleting_a_tag_or_task_removes_their_links(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    first = (await make_task(db, alice, "one"))["id"]
    second = (await make_task(db, alice, "two"))["id"]
    home, work = await _tag(db, alice, "home"), await _tag(db, alice, "work")
    async with db.transaction(alice) as tx:
        await tx.execute(
            "INSERT INTO task_tags (user_id, task_id, tag_id) "
            "SELECT %s, task, tag FROM unnest(%s::uuid[]) task, unnest(%s::uuid[]) tag",
            (alice, [first, second], [home, work]),
        )
        await tx.execute("DELETE FROM tags WHERE id = %s", (home,))
        await tx.execute("DELETE FROM tasks WHERE id = %s", (first,))
        links = await tx.fetch_all("SELECT task_id, tag_id FROM task_tags")
    assert links == [{"task_id": second, "tag_id": work}]


@pytest.mark.parametrize(
    ("column", "value", "constraint"),
    [
        ("priority", "4", "chk_tasks_priority"),
        ("due_date", "'2026-12-05'", "chk_tasks_due_date_has_due_at"),
        ("due_at", "'10000-01-01T00:00:00Z'", "chk_tasks_due_in_range"),
    ],
)
async def test_task_checks(db: Database, column: str, value: str, constraint: str) -> None:
    alice = await make_user(db, "alice@example.com")
    task = await make_task(db, alice, "t")
    with pytest.raises(psycopg.errors.CheckViolation, match=constraint):
        async with db.transaction(alice) as tx:
            await tx.execute(f"UPDATE tasks SET {column} = {value} WHERE id = %s", (task["id"],))


def test_downgrade_to_008_and_back(empty_database_url: str) -> None:
    url = empty_database_url
    migrate.upgrade(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO users (email) VALUES ('a@example.com')")
        conn.execute(
            "INSERT INTO user_preferences (user_id, task_sort, task_order, time_zone) "
            "SELECT id, 'due_at', 'asc', 'Pacific/Kiritimati' FROM users"
        )
    migrate.downgrade(url, "008")
    assert _catalog(url, "SELECT task_sort, task_order FROM user_preferences") == [
        ("created_at", "asc")
    ]
    assert _catalog(url, "SELECT to_regclass('tags'), to_regclass('task_tags')") == [(None, None)]
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head(url)
