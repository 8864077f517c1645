"""The preference API: GET and PATCH /api/{user_id}/preferences (the time zone)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from starlette.responses import Response

from todo.api import envelope
from todo.api.deps import CurrentUser, TxDep, json_body, json_body_doc
from todo.api.envelope import Meta
from todo.preferences import service
from todo.preferences.models import PreferencesPublic, PreferencesUpdate
from todo.tasks.api import BAD_BODY, COMMON_RESPONSES, RATE_HEADERS

BODY_MODELS = (PreferencesUpdate,)

router = APIRouter(
    prefix="/api/{user_id}/preferences", tags=["preferences"], responses=COMMON_RESPONSES
)
Change = Annotated[PreferencesUpdate, Depends(json_body(PreferencesUpdate))]


class PreferencesEnvelope(BaseModel):
    data: PreferencesPublic
    meta: Meta


def _public(preferences: service.Preferences) -> dict[str, str]:
    return {"time_zone": preferences.time_zone}


@router.get(
    "",
    summary="Your preferences",
    response_model=PreferencesEnvelope,
    responses={200: {"description": "Your preferences.", "headers": RATE_HEADERS}},
)
async def get_preferences(caller: CurrentUser, tx: TxDep) -> Response:
    tx.closing(writes=False)
    preferences = await service.get_preferences(tx, user_id=caller.user_id)
    return envelope.success(_public(preferences), headers=caller.headers())


@router.patch(
    "",
    summary="Change your time zone (all-day tasks keep their dates)",
    response_model=PreferencesEnvelope,
    responses={
        200: {"description": "Your preferences, changed.", "headers": RATE_HEADERS},
        **BAD_BODY,
    },
    openapi_extra=json_body_doc(PreferencesUpdate),
)
async def update_preferences(caller: CurrentUser, tx: TxDep, change: Change) -> Response:
    preferences = await service.set_time_zone(tx, user_id=caller.user_id, zone=change.time_zone)
    return envelope.success(_public(preferences), headers=caller.headers())
