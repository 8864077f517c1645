"""The tag API: /api/{user_id}/tags lists, creates, renames, recolours and deletes tags.

Each handler parses, calls one service function in the request's transaction and shapes the
envelope; each is one statement, sent with COMMIT.
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel
from starlette.responses import Response

from todo.api import envelope
from todo.api.deps import CurrentUser, TxDep, json_body, json_body_doc
from todo.api.envelope import Meta
from todo.db import Row
from todo.tags import service
from todo.tags.models import TagCreate, TagListed, TagUpdate
from todo.tasks.api import BAD_BODY, COMMON_RESPONSES, RATE_HEADERS, error_doc

BODY_MODELS = (TagCreate, TagUpdate)

router = APIRouter(prefix="/api/{user_id}/tags", tags=["tags"], responses=COMMON_RESPONSES)

TagId = Annotated[UUID, Path(description="The tag's id.")]
NewTag = Annotated[TagCreate, Depends(json_body(TagCreate))]
TagChange = Annotated[TagUpdate, Depends(json_body(TagUpdate))]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: error_doc("NOT_FOUND: no such tag among yours")}
_TAKEN: dict[int | str, dict[str, Any]] = {
    409: error_doc("CONFLICT: you have a tag of that name already (names ignore case)")
}


class TagEnvelope(BaseModel):
    data: TagListed
    meta: Meta


class TagListEnvelope(BaseModel):
    data: list[TagListed]
    meta: Meta


def public(row: Row) -> dict[str, Any]:
    """A tag row as the API shows it, timestamps in UTC."""
    return {
        **row,
        "created_at": row["created_at"].astimezone(UTC),
        "updated_at": row["updated_at"].astimezone(UTC),
    }


def _ok(description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "headers": RATE_HEADERS}}


@router.get(
    "",
    summary="List your tags",
    response_model=TagListEnvelope,
    responses=_ok("Your tags by name, each with how many of your open tasks carry it."),
)
async def list_tags(caller: CurrentUser, tx: TxDep) -> Response:
    tx.closing(writes=False)
    rows = await service.list_tags(tx, user_id=caller.user_id)
    return envelope.success([public(row) for row in rows], headers=caller.headers())


@router.post(
    "",
    summary="Create a tag",
    status_code=201,
    response_model=TagEnvelope,
    responses={
        201: {"description": "The new tag.", "headers": RATE_HEADERS},
        **BAD_BODY,
        **_TAKEN,
    },
    openapi_extra=json_body_doc(TagCreate),
)
async def create_tag(caller: CurrentUser, tx: TxDep, new: NewTag) -> Response:
    tx.closing()
    row = await service.create_tag(tx, user_id=caller.user_id, new=new)
    return envelope.success(public(row), status=201, headers=caller.headers())


@router.patch(
    "/{tag_id}",
    summary="Rename or recolour a tag (every task carrying it shows the change)",
    response_model=TagEnvelope,
    responses={**_ok("The changed tag."), **BAD_BODY, **_NOT_FOUND, **_TAKEN},
    openapi_extra=json_body_doc(TagUpdate),
)
async def update_tag(caller: CurrentUser, tx: TxDep, tag_id: TagId, change: TagChange) -> Response:
    tx.closing()
    row = await service.update_tag(tx, user_id=caller.user_id, tag_id=tag_id, change=change)
    return envelope.success(public(row), headers=caller.headers())


@router.delete(
    "/{tag_id}",
    summary="Delete a tag (it comes off every task)",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "Deleted.", "headers": RATE_HEADERS}, **_NOT_FOUND},
)
async def delete_tag(caller: CurrentUser, tx: TxDep, tag_id: TagId) -> Response:
    tx.closing()
    await service.delete_tag(tx, user_id=caller.user_id, tag_id=tag_id)
    return envelope.empty(headers=caller.headers())
