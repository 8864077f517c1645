"""FastAPI dependencies of the task API, and their `Annotated` aliases.

Resolution order is the order of checks: credentials (401) first, then the path's user id,
then the request's transaction (whose first round trip confirms the credential, counts the
request and makes the caller the row-level security identity), then parameters and body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Depends, Path, Request
from pydantic import BaseModel, ValidationError

from todo import logs
from todo.api import ratelimit
from todo.api.caller import Caller
from todo.api.errors import field_messages
from todo.auth import cookies
from todo.auth.credentials import Verifier
from todo.config import Settings
from todo.db import Database, Transaction
from todo.edge import middleware as edge
from todo.errors import InvalidParameter, Unauthorized, ValidationFailed

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ApiState:
    """What the task API keeps for the life of the app (on `app.state.api`)."""

    verifier: Verifier
    windows: tuple[ratelimit.Window, ...]
    sweeper: ratelimit.CounterSweeper


async def get_db(request: Request) -> Database:
    """The app's database pool. (Async: FastAPI would run a plain function in a thread.)"""
    db: Database = request.app.state.db
    return db


DbDep = Annotated[Database, Depends(get_db)]

UserIdPath = Annotated[
    str,
    Path(
        description="Your own user id (the `sub` of your JWT, the `user.id` of your session).",
        json_schema_extra={"format": "uuid"},
    ),
]


def _session_slide(request: Request) -> tuple[int, int] | None:
    """How a session used here slides forward, as on /api/auth: (lifetime, update age) in
    seconds; None for a browser that signed in with rememberMe=false."""
    settings: Settings = request.app.state.settings
    if not cookies.wants_remembering(request, settings):
        return None
    return settings.session_expires_in, settings.session_update_age


async def current_caller(request: Request, db: DbDep, user_id: UserIdPath) -> Caller:
    """The caller, with a credential whose cryptography holds (else 401). Whether the database
    agrees is settled by the request's first round trip (see todo.api.caller)."""
    api: ApiState = request.app.state.api
    try:
        credential = await api.verifier.authenticate(
            authorization=request.headers.get("authorization"),
            cookie=request.cookies.get(api.verifier.cookie_name),
        )
    except Unauthorized as error:
        logs.audit("api.credential", outcome="failure", reason=error.message)
        raise
    caller = Caller(
        db=db,
        credential=credential,
        windows=api.windows,
        sweeper=api.sweeper,
        slide=_session_slide(request),
    )
    request.state.caller = caller  # error responses carry the caller's rate-limit headers too
    try:
        caller.path_user_id = UUID(user_id)
    except ValueError:
        await caller.count()  # a dead credential or an exhausted limit answers first
        raise InvalidParameter(
            "Invalid path parameter", details={"user_id": ["must be a UUID"]}
        ) from None
    return caller


CurrentUser = Annotated[Caller, Depends(current_caller)]


async def request_transaction(request: Request, caller: CurrentUser) -> AsyncIterator[Transaction]:
    """The request's one transaction; it commits before the response is sent. Query parameters
    the route does not declare are refused here (a typo such as `complete=true` would otherwise
    be ignored silently), after the credential is checked, like any parameter."""
    async with caller.transaction() as tx:
        _refuse_unknown_query(request)
        yield tx


TxDep = Annotated[Transaction, Depends(request_transaction, scope="function")]


def _query_names(dependant: Any) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _declared_query(route: Any) -> frozenset[str]:
    # Worked out once per route and kept on it (routes live as long as their app).
    names: frozenset[str] | None = getattr(route, "_todo_query_names", None)
    if names is None:
        # ...or only documented (a route that validates its query itself: the task list)
        documented = (getattr(route, "openapi_extra", None) or {}).get("parameters", [])
        extra = {param["name"] for param in documented if param.get("in") == "query"}
        names = frozenset(_query_names(route.dependant) | extra)
        route._todo_query_names = names
    return names


def _refuse_unknown_query(request: Request) -> None:
    if not request.scope.get("query_string"):
        return
    unknown = set(request.query_params) - _declared_query(request.scope["route"])
    if unknown:
        details = {name: ["is not a parameter of this route"] for name in sorted(unknown)}
        raise InvalidParameter("Unknown query parameters", details=details)


def json_body(model: type[M]) -> Callable[..., Awaitable[M]]:
    """A dependency that reads the body as `model`: JSON only, anything else VALIDATION_ERROR.

    The edge has received and decoded the body before the route ran (todo.edge.middleware).
    This runs inside the request's transaction (it depends on it), so a request with a bad body
    has had its credential checked and is counted like any other. Fields the model does not
    know are ignored."""

    async def parse(request: Request, _: TxDep) -> M:
        try:
            return model.model_validate(edge.json_of(request))
        except ValidationError as error:
            raise ValidationFailed(
                "Invalid request body", details=field_messages(error.errors())
            ) from None

    return parse


def json_body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route whose body `json_body(model)` reads (todo.api.openapi puts
    the model's schema in the document's components)."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}
