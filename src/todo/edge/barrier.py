"""The outermost middleware: a request id for every request, and no exception past it.

Starlette answers an unhandled exception with a 500 and then raises it again for the server to
log; uvicorn then drops the client's connection, so one failure would also break the client's
next request on the same keep-alive connection. The barrier logs the error instead, answers
500 in the route family's shape if nothing was sent yet, and keeps the connection; only a
response that broke off halfway still ends it (the client must not take half a body for all).
"""

from __future__ import annotations

import logging
import re
import secrets

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo import logs
from todo.edge import family

log = logging.getLogger(__name__)
_INBOUND_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_HEADER = logs.REQUEST_ID_HEADER.lower().encode()


def request_id(scope: Scope) -> str:
    """The client's (or a proxy's) X-Request-ID when it is sane, else a new one."""
    for name, value in scope["headers"]:
        if name == _HEADER and _INBOUND_ID.fullmatch(value):
            return str(value.decode())
    return secrets.token_hex(12)


class Barrier:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        client = scope.get("client")
        token = logs.bind(logs.RequestContext(rid, client[0] if client else None))
        header = (_HEADER, rid.encode())
        started = complete = False

        async def tracked(message: Message) -> None:
            nonlocal started, complete
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                complete = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            route = getattr(scope.get("route"), "path", None)  # the template: never a token
            log.exception("unhandled error in %s %s", scope["method"], route or "(no route)")
            if not started:
                response = family.render(Request(scope), family.InternalError())
                await response(scope, receive, tracked)
            elif not complete:
                raise
        finally:
            logs.unbind(token)
