"""A user's export and import over HTTP: GET /api/{user_id}/export, POST /api/{user_id}/import.

The export is the document itself (a download), not wrapped in the API's envelope, so that the
file a user saves is exactly what the import takes back.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from todo.api import envelope
from todo.api.deps import CurrentUser, TxDep
from todo.api.envelope import Meta
from todo.errors import ValidationFailed
from todo.idempotency import api as idempotency
from todo.tasks.api import COMMON_RESPONSES, RATE_HEADERS, error_doc
from todo.transfer import formats, service

BODY_MODELS = (formats.ImportDocument, formats.ImportedTask)
IMPORT_PATH = r"/api/[^/]+/import"
"""The import's path, whose bodies may be larger (IMPORT_MAX_BYTES, see todo.api.mount)."""

router = APIRouter(prefix="/api/{user_id}", tags=["export and import"], responses=COMMON_RESPONSES)

ExportFormat = Literal["json", "csv"]


class ImportCounts(BaseModel):
    created: int
    archived: int


class ImportEnvelope(BaseModel):
    data: ImportCounts
    meta: Meta


def _download(body: str, *, media_type: str, extension: str, headers: dict[str, str]) -> Response:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    disposition = f'attachment; filename="todo-export-{stamp}.{extension}"'
    return Response(
        body,
        media_type=media_type,
        headers={**headers, **envelope.NO_STORE, "Content-Disposition": disposition},
    )


@router.get(
    "/export",
    summary="Export all your tasks, live and archived",
    response_class=Response,
    responses={
        200: {
            "description": "A download: the JSON export document, or CSV with the columns "
            "title, description, completed, created_at, updated_at, archived_at.",
            "content": {"application/json": {}, "text/csv": {}},
            "headers": RATE_HEADERS,
        }
    },
)
async def export_tasks(
    caller: CurrentUser,
    tx: TxDep,
    format: Annotated[ExportFormat, Query(description="json (default) or csv.")] = "json",
) -> Response:
    if format == "csv":
        text = await service.export_csv(tx, user_id=caller.user_id)
        return _download(
            text, media_type="text/csv; charset=utf-8", extension="csv", headers=caller.headers()
        )
    document = await service.export_json(tx, user_id=caller.user_id)
    body = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    return _download(
        body, media_type="application/json", extension="json", headers=caller.headers()
    )


_IMPORT_KINDS: dict[str, service.ImportKind] = {"application/json": "json", "text/csv": "csv"}


@router.post(
    "/import",
    summary="Import tasks from an export (JSON) or a CSV file, all or nothing",
    status_code=201,
    response_model=ImportEnvelope,
    responses={
        201: {
            "description": "How many tasks were created (and archived).",
            "headers": {**RATE_HEADERS, **idempotency.REPLAYED_DOC},
        },
        400: error_doc(
            "VALIDATION_ERROR: the body is not an export or CSV, or a row breaks a rule "
            "(`details` names the row and field); nothing was imported"
        ),
        413: error_doc("PAYLOAD_TOO_LARGE: a body over IMPORT_MAX_BYTES (16 MB by default)"),
        **idempotency.RESPONSES,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            {"$ref": "#/components/schemas/ImportDocument"},
                            {
                                "type": "array",
                                "maxItems": formats.MAX_ROWS,
                                "items": {"$ref": "#/components/schemas/ImportedTask"},
                            },
                        ]
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        "parameters": [idempotency.PARAMETER],
    },
)
async def import_tasks(caller: CurrentUser, tx: TxDep, request: Request) -> Response:
    keyed = await idempotency.keyed_request(request)
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    kind = _IMPORT_KINDS.get(media_type)
    if kind is None:
        raise ValidationFailed(
            "Unsupported body",
            details={"body": ["send Content-Type: application/json (an export) or text/csv"]},
        )
    raw = await request.body()

    async def import_() -> Response:
        result = await service.import_bytes(tx, user_id=caller.user_id, raw=raw, kind=kind)
        counts = {"created": result.created, "archived": result.archived}
        return envelope.success(counts, status=201, headers=caller.headers())

    return await idempotency.once(tx, caller, keyed, import_)
