"""The task rules called directly, as the CLI would (no HTTP)."""

from __future__ import annotations

import pytest

from todo.db import Database
from todo.errors import InvalidParameter, TaskNotFound, ValidationFailed
from todo.tasks import service
from todo.tasks.models import TaskCreate, TaskUpdate
from todo.tasks.repository import ListOptions

from ..helpers import make_task, make_user


async def test_rules_hold_without_http(db: Database) -> None:
    alice = await make_user(db, "alice@example.com")
    bob = await make_user(db, "bob@example.com")
    bobs = await make_task(db, bob, "bob's")
    async with db.transaction(alice) as tx:
        task = await service.create_task(tx, user_id=alice, new=TaskCreate(title="mine"))
        with pytest.raises(ValidationFailed) as nothing:
            await service.update_task(tx, user_id=alice, task_id=task["id"], change=TaskUpdate())
        assert nothing.value.details == {
            "body": [
                "give at least one of title, description, completed, due_at, priority, tags, "
                "tag_ids"
            ]
        }
        with pytest.raises(TaskNotFound):
            await service.toggle_task(tx, user_id=alice, task_id=bobs["id"])
        with pytest.raises(TaskNotFound):
            await service.delete_task(tx, user_id=alice, task_id=bobs["id"])
        with pytest.raises(InvalidParameter) as bounds:
            await service.list_tasks(tx, user_id=alice, options=ListOptions(limit=101, offset=-1))
        assert set(bounds.value.details or {}) == {"limit", "offset"}
        page = await service.list_tasks(tx, user_id=alice, options=ListOptions())
    assert [row["title"] for row in page.rows] == ["mine"]
