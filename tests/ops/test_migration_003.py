"""Migration 003: the archive table carries the same isolation as tasks.

(That every model matches the migrations is tests/test_migrations.py's job.)
"""

from __future__ import annotations

from todo import migrate
from todo.db import RUNTIME_ROLE, Database


def test_downgrade_and_upgrade_again(database_url: str) -> None:
    migrate.downgrade(database_url, "002")
    assert migrate.current(database_url) == "002"
    migrate.upgrade(database_url)
    assert migrate.current(database_url) == migrate.head(database_url)


async def test_archive_has_forced_rls_for_the_runtime_role(db: Database) -> None:
    async with db.owner_transaction() as tx:
        table = await tx.fetch_one(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE oid = 'tasks_archive'::regclass"
        )
        policies = await tx.fetch_all(
            "SELECT cmd, roles::text[] AS roles, qual, with_check FROM pg_policies "
            "WHERE tablename = 'tasks_archive'"
        )
    assert table == {"relrowsecurity": True, "relforcerowsecurity": True}
    assert policies == [
        {
            "cmd": "ALL",
            "roles": [RUNTIME_ROLE],
            "qual": "(user_id = current_user_id())",
            "with_check": "(user_id = current_user_id())",
        }
    ]
