"""The spec's demo data (SPEC section 7): one verified user and five tasks."""

from __future__ import annotations

from dataclasses import dataclass

from todo.auth import repository as users
from todo.db import Database
from todo.tasks import repository as tasks

DEMO_EMAIL = "test@example.com"
DEMO_NAME = "Test User"
DEMO_TASKS: tuple[tuple[str, bool], ...] = (
    ("Buy groceries", False),
    ("Finish homework", False),
    ("Call dentist", False),
    ("Read book", True),
    ("Exercise", True),
)


@dataclass(frozen=True)
class SeedResult:
    user_created: bool
    tasks_created: int


async def seed_demo(db: Database) -> SeedResult:
    """Create whatever part of the demo data is missing; a second run changes nothing."""
    async with db.transaction(None) as tx:
        created = await users.insert_user(tx, email=DEMO_EMAIL, name=DEMO_NAME, email_verified=True)
        user = created or await users.get_user_by_email(tx, email=DEMO_EMAIL)
        assert user is not None
    async with db.transaction(user["id"]) as tx:
        rows = await tx.fetch_all("SELECT title FROM tasks WHERE user_id = %s", (user["id"],))
        existing = {row["title"] for row in rows}
        missing = [(title, done) for title, done in DEMO_TASKS if title not in existing]
        for title, done in missing:
            row = await tasks.create_task(tx, user_id=user["id"], title=title, description=None)
            if done:
                await tasks.update_task(
                    tx, user_id=user["id"], task_id=row["id"], changes={"completed": True}
                )
    return SeedResult(user_created=created is not None, tasks_created=len(missing))


async def cleanup_demo(db: Database) -> bool:
    """Remove the demo user and, by cascade, exactly their tasks; whether anything was removed."""
    async with db.transaction(None) as tx:
        return await users.delete_user_by_email(tx, email=DEMO_EMAIL)
