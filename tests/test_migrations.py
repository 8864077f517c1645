"""Alembic owns the schema: migration 001 is the spec's list, models agree, downgrade works."""

from __future__ import annotations

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, pool

from todo import migrate, models
from todo.db import sqlalchemy_url
from todo.seeding import repository as seeding


def _catalog(url: str, query: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def test_models_and_migrations_agree(database_url: str) -> None:
    models.load_all()
    engine = create_engine(sqlalchemy_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            differences = compare_metadata(context, models.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_downgrade_to_base_and_upgrade_again(empty_database_url: str) -> None:
    url = empty_database_url
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head(url)
    migrate.downgrade(url, "base")
    assert migrate.current(url) is None
    tables = _catalog(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert [t for (t,) in tables if t != "alembic_version"] == []
    functions = _catalog(
        url, "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
    )
    assert functions == []
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head(url)


def test_migration_001_creates_the_spec_tables_exactly(empty_database_url: str) -> None:
    url = empty_database_url
    migrate.upgrade(url, "001")
    tables = _catalog(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    assert [t for (t,) in tables] == ["alembic_version", "tasks", "users"]
    columns = _catalog(
        url,
        "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, "
        "column_default FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name IN ('users', 'tasks') ORDER BY table_name, ordinal_position",
    )
    assert columns == [
        ("tasks", "id", "uuid", None, "NO", "gen_random_uuid()"),
        ("tasks", "user_id", "uuid", None, "NO", None),
        ("tasks", "title", "character varying", 200, "NO", None),
        ("tasks", "description", "character varying", 1000, "YES", None),
        ("tasks", "completed", "boolean", None, "NO", "false"),
        ("tasks", "created_at", "timestamp with time zone", None, "NO", "now()"),
        ("tasks", "updated_at", "timestamp with time zone", None, "NO", "now()"),
        ("users", "id", "uuid", None, "NO", "gen_random_uuid()"),
        ("users", "email", "character varying", 255, "NO", None),
        ("users", "email_verified", "boolean", None, "NO", "false"),
        ("users", "name", "character varying", 255, "YES", None),
        ("users", "image", "text", None, "YES", None),
        ("users", "created_at", "timestamp with time zone", None, "NO", "now()"),
        ("users", "updated_at", "timestamp with time zone", None, "NO", "now()"),
    ]


def test_migration_001_creates_the_spec_constraints_and_indexes(empty_database_url: str) -> None:
    url = empty_database_url
    migrate.upgrade(url, "001")
    constraints = _catalog(
        url,
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid IN ('users'::regclass, 'tasks'::regclass) AND contype <> 'n' "
        "ORDER BY conname",  # PG18 also lists NOT NULL as constraints
    )
    assert constraints == [
        (
            "chk_title_not_empty",
            "CHECK (((length(TRIM(BOTH FROM title)) > 0) "
            "AND ((title)::text ~ '[^[:space:]]'::text)))",
        ),
        (
            "fk_tasks_user_id",
            "FOREIGN KEY (user_id) REFERENCES users(id) ON UPDATE CASCADE ON DELETE CASCADE",
        ),
        ("pk_tasks", "PRIMARY KEY (id)"),
        ("pk_users", "PRIMARY KEY (id)"),
        ("uk_users_email", "UNIQUE (email)"),
    ]
    indexes = _catalog(
        url,
        "SELECT indexname, regexp_replace(indexdef, '^.* USING ', '') FROM pg_indexes "
        "WHERE tablename IN ('users', 'tasks') ORDER BY indexname",
    )
    assert indexes == [
        ("idx_tasks_created_at", "btree (created_at DESC)"),
        ("idx_tasks_updated_at", "btree (updated_at DESC)"),
        ("idx_tasks_user_completed", "btree (user_id, completed)"),
        ("idx_tasks_user_completed_created", "btree (user_id, completed, created_at DESC)"),
        ("idx_tasks_user_id", "btree (user_id)"),
        ("idx_users_created_at", "btree (created_at)"),
        ("idx_users_email", "btree (email)"),
        ("pk_tasks", "btree (id)"),
        ("pk_users", "btree (id)"),
        ("uk_users_email", "btree (email)"),
    ]


@pytest.mark.parametrize("step", ["001", "base"])
def test_each_downgrade_step_leaves_a_consistent_revision(
    empty_database_url: str, step: str
) -> None:
    migrate.upgrade(empty_database_url)
    migrate.downgrade(empty_database_url, step)
    assert migrate.current(empty_database_url) == (None if step == "base" else step)
    migrate.upgrade(empty_database_url)
    assert migrate.current(empty_database_url) == migrate.head(empty_database_url)


_INDEXES = (
    "SELECT indexname, regexp_replace(indexdef, '^.* USING ', '') FROM pg_indexes "
    "WHERE tablename IN ('users', 'tasks') ORDER BY indexname"
)


def test_migration_008_sets_the_listing_indexes_and_its_downgrade_restores_001s(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    migrate.upgrade(url, "007")
    before = _catalog(url, _INDEXES)
    migrate.upgrade(url, "008")
    assert _catalog(url, _INDEXES) == [
        ("idx_tasks_updated_at", "btree (updated_at DESC)"),
        ("idx_tasks_user_completed", "btree (user_id, completed)"),
        ("idx_tasks_user_completed_created", "btree (user_id, completed, created_at DESC)"),
        ("idx_tasks_user_created", "btree (user_id, created_at DESC, id DESC)"),
        ("idx_tasks_user_updated", "btree (user_id, updated_at DESC, id DESC)"),
        ("pk_tasks", "btree (id)"),
        ("pk_users", "btree (id)"),
        ("uk_users_email", "btree (email)"),
    ]
    migrate.downgrade(url, "007")
    assert _catalog(url, _INDEXES) == before
    assert len(before) == 10  # 001's set, as test_migration_001_... lists it
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head(url)


def test_the_seed_rebuilds_exactly_the_head_schemas_task_structures(database_url: str) -> None:
    names = _catalog(
        database_url,
        "SELECT conname FROM pg_constraint WHERE conrelid IN ('tasks'::regclass, "
        "'task_tags'::regclass) AND contype IN ('p', 'f') UNION SELECT "
        "indexrelid::regclass::text FROM pg_index WHERE indrelid IN ('tasks'::regclass, "
        "'task_tags'::regclass)",
    )
    assert {name for (name,) in names} == {name for name, _, _ in seeding.BULK_STRUCTURES}
