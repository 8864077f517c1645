"""Export a user's tasks (live and archived, with due dates, priorities and tags) and their
tags, and import them back, all or nothing.

Both run in the caller's transaction (row-level security applies), so an export can only ever
contain the caller's rows and an import can only ever create the caller's rows; an import is
all or nothing because the transaction is. Imported tags join the user's own by name (case
aside): a tag the user has keeps its colour, a new one is made.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from todo import inputs
from todo.db import Transaction
from todo.errors import ValidationFailed
from todo.tasks import due as dues
from todo.transfer import formats, repository
from todo.transfer.formats import Records, TaskRecord


@dataclass(frozen=True)
class ImportResult:
    created: int
    archived: int


async def export_json(tx: Transaction, *, user_id: UUID) -> dict[str, Any]:
    """The user's export document (see `todo.transfer.formats`)."""
    tasks = await repository.all_tasks(tx, user_id=user_id)
    tags = await repository.all_tags(tx, user_id=user_id)
    return formats.to_document(
        user_id=user_id, tags=tags, tasks=tasks, exported_at=datetime.now(UTC)
    )


async def export_csv(tx: Transaction, *, user_id: UUID) -> str:
    """The user's tasks as CSV text."""
    return formats.to_csv(await repository.all_tasks(tx, user_id=user_id))


async def import_json(tx: Transaction, *, user_id: UUID, document: Any) -> ImportResult:
    """Import a JSON document (already parsed); raises ImportRejected before writing anything."""
    return await _store(tx, user_id, formats.records_from_document(document))


async def import_csv(tx: Transaction, *, user_id: UUID, text: str) -> ImportResult:
    """Import CSV text; raises ImportRejected before writing anything."""
    return await _store(tx, user_id, formats.records_from_csv(text))


ImportKind = Literal["json", "csv"]


async def import_bytes(
    tx: Transaction, *, user_id: UUID, raw: bytes, kind: ImportKind
) -> ImportResult:
    """Import an uploaded file: an export (JSON) or a CSV, as UTF-8 bytes. Raises
    ValidationFailed (ImportRejected for a bad row) before writing anything."""
    try:
        if kind == "json":
            document = inputs.json_document(raw)
        else:
            text = inputs.check_text(raw.decode("utf-8-sig"), "body")
    except UnicodeDecodeError:
        raise ValidationFailed(
            "The file is not UTF-8 text", details={"body": ["send UTF-8 encoded JSON or CSV"]}
        ) from None
    except inputs.BadInput as bad:
        details = {bad.where: [bad.message]}
        raise ValidationFailed("The file cannot be imported", details=details) from None
    if kind == "csv":
        return await import_csv(tx, user_id=user_id, text=text)
    return await import_json(tx, user_id=user_id, document=document)


async def _store(tx: Transaction, user_id: UUID, records: Records) -> ImportResult:
    live, archived = formats.split(records.tasks)
    ids = [uuid.uuid4() for _ in live]
    created = await _insert(tx, user_id, ids, live, archived=False)
    moved = await _insert(tx, user_id, [uuid.uuid4() for _ in archived], archived, archived=True)
    await _link_tags(tx, user_id, records, dict(zip(ids, live, strict=True)))
    return ImportResult(created=created, archived=moved)


async def _insert(
    tx: Transaction,
    user_id: UUID,
    ids: list[UUID],
    records: list[TaskRecord],
    *,
    archived: bool,
) -> int:
    return await repository.insert_tasks(
        tx,
        user_id=user_id,
        archived=archived,
        ids=ids,
        titles=[record.title for record in records],
        descriptions=[record.description for record in records],
        completed=[record.completed for record in records],
        due=[dues.due(record.due_at) if record.due_at else None for record in records],
        priority=[dues.priority_value(record.priority) for record in records],
        tags=[record.tags for record in records],
        created=[record.created_at for record in records],
        updated=[record.updated_at for record in records],
        archived_at=[record.archived_at for record in records],
    )


async def _link_tags(
    tx: Transaction, user_id: UUID, records: Records, live: dict[UUID, TaskRecord]
) -> None:
    """Make the tags the document lists (with their colours) and the live tasks name; link
    the tasks to them."""
    named = [name for record in live.values() for name in record.tags]
    found = await repository.ensure_tags(
        tx,
        user_id=user_id,
        names=[tag.name for tag in records.tags] + named,
        colors=[tag.color for tag in records.tags] + [None] * len(named),
    )
    links = [(task, found[name]) for task, record in live.items() for name in record.tags]
    await repository.link_tags(
        tx, user_id=user_id, tasks=[task for task, _ in links], tags=[tag for _, tag in links]
    )
