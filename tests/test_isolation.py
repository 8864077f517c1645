"""Row-level security holds even for queries that forget their WHERE clause."""

from __future__ import annotations

import psycopg
import pytest

from todo.db import RUNTIME_ROLE, Database

from .helpers import make_task, make_user


async def test_unfiltered_select_sees_only_the_callers_rows(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    await make_task(db, alice, "alice 1")
    await make_task(db, alice, "alice 2")
    await make_task(db, bob, "bob 1")

    async with db.transaction(alice) as tx:
        rows = await tx.fetch_all("SELECT * FROM tasks")
    assert sorted(row["title"] for row in rows) == ["alice 1", "alice 2"]
    assert {row["user_id"] for row in rows} == {alice}


async def test_inserting_a_row_for_another_user_is_refused(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        async with db.transaction(alice) as tx:
            await tx.execute("INSERT INTO tasks (user_id, title) VALUES (%s, %s)", (bob, "planted"))
    async with db.owner_transaction() as tx:
        assert await tx.fetch_value("SELECT count(*) FROM tasks") == 0


async def test_moving_a_row_to_another_user_is_refused(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    task = await make_task(db, alice, "mine")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        async with db.transaction(alice) as tx:
            await tx.execute("UPDATE tasks SET user_id = %s WHERE id = %s", (bob, task["id"]))
    async with db.owner_transaction() as tx:
        assert await tx.fetch_value("SELECT user_id FROM tasks") == alice


async def test_other_users_rows_cannot_be_changed_or_deleted(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    task = await make_task(db, bob, "bob's")
    async with db.transaction(alice) as tx:
        assert await tx.execute("UPDATE tasks SET title = 'x' WHERE id = %s", (task["id"],)) == 0
        assert await tx.execute("DELETE FROM tasks WHERE id = %s", (task["id"],)) == 0
    async with db.owner_transaction() as tx:
        assert await tx.fetch_value("SELECT title FROM tasks") == "bob's"


async def test_identity_never_leaks_through_a_pooled_connection(database_url: str) -> None:
    single = Database(database_url, pool_size=1, max_overflow=0, pool_timeout=10)
    await single.open()
    try:
        alice = await make_user(single, "alice@example.com")
        bob = await make_user(single, "bob@example.com")
        await make_task(single, alice, "secret")
        async with single.transaction(alice) as tx:
            assert await tx.fetch_value("SELECT count(*) FROM tasks") == 1
            backend = await tx.fetch_value("SELECT pg_backend_pid()")
        async with single.transaction(None) as tx:
            assert await tx.fetch_value("SELECT pg_backend_pid()") == backend
            assert await tx.fetch_value("SELECT count(*) FROM tasks") == 0
            assert await tx.fetch_value("SELECT current_user_id()") is None
            assert await tx.fetch_value("SELECT current_user") == RUNTIME_ROLE
        async with single.transaction(bob) as tx:
            assert await tx.fetch_value("SELECT count(*) FROM tasks") == 0
        # A transaction that failed does not leave its identity behind either.
        with pytest.raises(psycopg.errors.DivisionByZero):
            async with single.transaction(alice) as tx:
                await tx.fetch_value("SELECT 1 / 0")
        async with single.transaction(None) as tx:
            assert await tx.fetch_value("SELECT count(*) FROM tasks") == 0
    finally:
        await single.close()


async def test_catalog_shows_forced_rls_and_a_restricted_runtime_role(db: Database) -> None:
    async with db.owner_transaction() as tx:
        table = await tx.fetch_one(
            "SELECT relrowsecurity, relforcerowsecurity, pg_get_userbyid(relowner) AS owner "
            "FROM pg_class WHERE oid = 'tasks'::regclass"
        )
        role = await tx.fetch_one(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolcanlogin "
            "FROM pg_roles WHERE rolname = %s",
            (RUNTIME_ROLE,),
        )
        policies = await tx.fetch_all(
            "SELECT policyname, cmd, roles::text[] AS roles, qual, with_check "
            "FROM pg_policies WHERE tablename = 'tasks'"
        )
    assert table == {"relrowsecurity": True, "relforcerowsecurity": True, "owner": table["owner"]}
    assert table["owner"] != RUNTIME_ROLE
    assert role == {
        "rolsuper": False,
        "rolbypassrls": False,
        "rolcreaterole": False,
        "rolcreatedb": False,
        "rolcanlogin": False,
    }
    assert len(policies) == 1
    policy = policies[0]
    assert policy["cmd"] == "ALL"
    assert policy["roles"] == [RUNTIME_ROLE]
    assert policy["qual"] == "(user_id = current_user_id())"
    assert policy["with_check"] == "(user_id = current_user_id())"


async def test_identity_and_role_end_with_the_transaction(database_url: str) -> None:
    single = Database(database_url, pool_size=1, max_overflow=0, pool_timeout=10)
    await single.open()
    try:
        alice = await make_user(single, "alice@example.com")
        async with single.transaction(alice) as tx:
            assert await tx.fetch_value("SELECT current_user_id()") == alice
            assert await tx.fetch_value("SELECT current_user") == RUNTIME_ROLE
        async with single.owner_transaction() as tx:
            assert await tx.fetch_value("SELECT current_user_id()") is None
            assert await tx.fetch_value("SELECT current_user") != RUNTIME_ROLE
    finally:
        await single.close()


async def test_every_per_user_table_the_runtime_role_can_reach_is_confined_to_its_owner(
    db: Database,
) -> None:
    """Beyond tasks: any table with a user_id that todo_app may read holds only the caller's
    rows for it, by a forced policy (a new table without one fails here)."""
    async with db.owner_transaction() as tx:
        tables = await tx.fetch_all(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
            " (SELECT array_agg(p.qual) FROM pg_policies p WHERE p.tablename = c.relname)"
            " AS quals "
            "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'user_id' "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' "
            " AND has_table_privilege(%s, c.oid, 'SELECT') ORDER BY c.relname",
            (RUNTIME_ROLE,),
        )
    assert {
        "tasks",
        "tasks_archive",
        "user_preferences",
        "applied_changes",
        "idempotency_keys",
        "tags",
        "task_tags",
    } <= {table["relname"] for table in tables}
    credentials = {"accounts", "sessions", "verifications"}  # looked up before anyone is known
    for table in tables:
        if table["relname"] in credentials:
            continue
        assert table["relrowsecurity"], table["relname"]
        assert table["relforcerowsecurity"], table["relname"]
        assert table["quals"] == ["(user_id = current_user_id())"], table["relname"]
