"""The page's write queue, server side: a list of changes applied in order in one transaction.

The page names new tasks itself (random UUIDs), so no queued change waits for an earlier
answer. A change may reach the server more than once: a page that closes resends its unanswered
batch with what followed it, and the tab's next task page sends them once more (see queue.js).
Each change carries an id of its own, and the ids applied in the last day are kept
(`applied_changes`), so a change is applied once however often it arrives and a late copy can
never undo a newer change. A create that names the id of a task that exists already is
therefore not a resend: it is reported as failed (CONFLICT), and nothing is created. The
per-user lock makes the server apply batches one at a time, in the order they reach it.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from todo.db import Database, Transaction
from todo.errors import Conflict, DomainError, TaskNotFound, ValidationFailed
from todo.tasks import repository as task_sql
from todo.web import repository as web_sql
from todo.web.tasks import clean_description, clean_title

MAX_OPS = 200
KEEP_APPLIED_SECONDS = 24 * 3600  # far longer than a page keeps unsent changes (ten minutes)


class _Op(BaseModel):
    model_config = ConfigDict(extra="forbid")
    change_id: UUID | None = None  # the page's id for this change (applied once)


class Create(_Op):
    op: Literal["create"]
    id: UUID
    title: str
    description: str | None = None


class Update(_Op):
    op: Literal["update"]
    id: UUID
    title: str | None = None
    description: str | None = None
    completed: bool | None = None


class Delete(_Op):
    op: Literal["delete"]
    id: UUID


class SetAll(_Op):
    op: Literal["set_all"]
    completed: bool


class ClearCompleted(_Op):
    op: Literal["clear_completed"]


Op = Annotated[Create | Update | Delete | SetAll | ClearCompleted, Field(discriminator="op")]


class Batch(BaseModel):
    """What the page sends: its queued changes, oldest first."""

    model_config = ConfigDict(extra="forbid")
    ops: list[Op] = Field(min_length=1, max_length=MAX_OPS)


def describe(error: DomainError) -> str:
    """An error in words for people: its field messages when it has them."""
    messages = [message for field in (error.details or {}).values() for message in field]
    return " ".join(messages) or error.message


async def _apply(tx: Transaction, user_id: UUID, op: Op) -> None:
    if isinstance(op, Create):
        title, description = clean_title(op.title), clean_description(op.description)
        created = await web_sql.insert_task_with_id(
            tx, task_id=op.id, user_id=user_id, title=title, description=description
        )
        if created is None:
            raise Conflict("A task with this id already exists, so nothing was created")
    elif isinstance(op, Update):
        changes = op.model_dump(include={"title", "description", "completed"}, exclude_unset=True)
        if "title" in changes:
            changes["title"] = clean_title(changes["title"])
        if "description" in changes:
            changes["description"] = clean_description(changes["description"])
        if not changes:
            raise ValidationFailed("Nothing to change")
        if await task_sql.update_task(tx, user_id=user_id, task_id=op.id, changes=changes) is None:
            raise TaskNotFound()
    elif isinstance(op, Delete):
        if not await task_sql.delete_task(tx, user_id=user_id, task_id=op.id):
            raise TaskNotFound()
    elif isinstance(op, SetAll):
        await web_sql.set_all_completed(tx, user_id=user_id, completed=op.completed)
    else:
        await web_sql.delete_completed(tx, user_id=user_id)


async def apply_batch(
    db: Database, *, user_id: UUID, batch: Batch
) -> tuple[list[dict[str, str] | None], task_sql.TaskCounts]:
    """Apply each change in order; a change that fails (a task deleted elsewhere, a blank
    title) is reported and skipped, the others still apply. Returns each change's error (None
    when it applied) and the counts after the batch."""
    errors: list[dict[str, str] | None] = []
    async with db.transaction(user_id) as tx:
        await web_sql.lock_user_writes(tx, user_id=user_id)
        ids = [op.change_id for op in batch.ops if op.change_id is not None]
        fresh = await web_sql.claim_changes(
            tx, user_id=user_id, change_ids=ids, keep_seconds=KEEP_APPLIED_SECONDS
        )
        for op in batch.ops:
            if op.change_id is not None:
                if op.change_id not in fresh:
                    errors.append(None)  # applied when it first arrived
                    continue
                fresh.discard(op.change_id)
            try:
                await _apply(tx, user_id, op)
                errors.append(None)
            except DomainError as error:
                errors.append({"code": error.code, "message": describe(error)})
        counts = await task_sql.count_tasks(tx, user_id=user_id)
    return errors, counts
