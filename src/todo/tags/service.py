"""The rules for tags; the API, the web pages and the CLI call these.

A tag's name is unique among its user's tags whatever the case (CONFLICT otherwise); a tag
someone else owns is reported exactly as a missing one (NOT_FOUND). Renaming or recolouring a
tag changes it on every task that carries it (tasks show their tags by reference); deleting it
takes it off every task.
"""

from __future__ import annotations

from uuid import UUID

import psycopg

from todo.db import Row, Transaction
from todo.errors import Conflict, NotFound, ValidationFailed
from todo.tags import repository
from todo.tags.models import TagCreate, TagUpdate


class TagNotFound(NotFound):
    """No such tag for this user (another user's tag looks exactly the same)."""

    def __init__(self) -> None:
        super().__init__("Tag not found")


def _taken(name: str) -> Conflict:
    return Conflict(
        "You have a tag of that name already",
        details={"name": [f"a tag named {name!r} exists already (names ignore case)"]},
    )


async def list_tags(tx: Transaction, *, user_id: UUID) -> list[Row]:
    """The user's tags by name, with their open-task counts."""
    return await repository.list_tags(tx, user_id=user_id)


async def create_tag(tx: Transaction, *, user_id: UUID, new: TagCreate) -> Row:
    """A new tag."""
    row = await repository.create_tag(tx, user_id=user_id, name=new.name, color=new.color)
    if row is None:
        raise _taken(new.name)
    return row


async def update_tag(tx: Transaction, *, user_id: UUID, tag_id: UUID, change: TagUpdate) -> Row:
    """Rename and/or recolour one of the user's tags."""
    changes = change.model_dump(exclude_unset=True, include=set(repository.UPDATABLE))
    if not changes:
        raise ValidationFailed(
            "Nothing to update", details={"body": ["give at least one of name, color"]}
        )
    try:
        row = await repository.update_tag(tx, user_id=user_id, tag_id=tag_id, changes=changes)
    except psycopg.errors.UniqueViolation:
        raise _taken(changes["name"]) from None
    if row is None:
        raise TagNotFound()
    return row


async def delete_tag(tx: Transaction, *, user_id: UUID, tag_id: UUID) -> None:
    """Delete one of the user's tags; every task loses it."""
    if not await repository.delete_tag(tx, user_id=user_id, tag_id=tag_id):
        raise TagNotFound()
