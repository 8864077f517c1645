"""Migration 007: tasks imported with moments outside the range become readable again."""

from __future__ import annotations

import psycopg

from todo import migrate
from todo.db import Database
from todo.tasks import repository as tasks
from todo.tasks.repository import ListOptions

BROKEN = ("0001-01-01 00:00:00+14", "9999-12-31 23:59:59-14")


async def test_out_of_range_moments_are_clamped_and_the_list_works_again(
    database_url: str,
) -> None:
    migrate.downgrade(database_url, "006")
    with psycopg.connect(database_url) as conn:
        user = conn.execute("INSERT INTO users (email) VALUES ('old@example.com') RETURNING id")
        user_id = user.fetchone()[0]  # type: ignore[index]
        for moment in BROKEN:
            conn.execute(
                "INSERT INTO tasks (user_id, title, created_at, updated_at) "
                "VALUES (%s, 'x', %s, %s)",
                (user_id, moment, moment),
            )
            conn.execute(
                "INSERT INTO tasks_archive (id, user_id, title, completed, created_at, updated_at,"
                " archived_at) VALUES (gen_random_uuid(), %s, 'y', true, %s, %s, %s)",
                (user_id, moment, moment, moment),
            )
        conn.execute(
            "INSERT INTO tasks (user_id, title, created_at) VALUES (%s, 'fine', '2020-01-01Z')",
            (user_id,),
        )
    migrate.upgrade(database_url)
    db = Database(database_url, pool_size=1, max_overflow=0)
    await db.open()
    try:
        async with db.transaction(user_id) as tx:
            page = await tasks.list_tasks(tx, user_id=user_id, options=ListOptions(limit=10))
            archived = await tx.fetch_all("SELECT created_at, archived_at FROM tasks_archive")
        years = sorted(row["created_at"].year for row in page.rows)
        assert years == [1, 2020, 9999]
        assert sorted(row["archived_at"].year for row in archived) == [1, 9999]
        # updated_at was repaired too, not bumped to the time of the migration.
        assert sorted(row["updated_at"].year for row in page.rows)[::2] == [1, 9999]
        async with db.owner_transaction() as tx:
            forced = await tx.fetch_value(
                "SELECT bool_and(relforcerowsecurity) FROM pg_class "
                "WHERE oid IN ('tasks'::regclass, 'tasks_archive'::regclass)"
            )
            enabled = await tx.fetch_value(
                "SELECT bool_and(tgenabled = 'O') FROM pg_trigger WHERE tgname LIKE 'trg_%%'"
            )
        assert forced
        assert enabled
    finally:
        await db.close()
