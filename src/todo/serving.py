"""How `todo serve` runs uvicorn: one or several workers, and a graceful stop on SIGTERM.

uvicorn's own shutdown closes every idle keep-alive connection at once. A client that has just
sent its next request on such a connection loses the race: its request is reset unanswered,
about one per busy client. Here a stopping worker instead

1. stops accepting: every new connection is refused from then on, rather than parked in a
   backlog that nobody will serve (see `Supervisor`);
2. keeps serving the connections it has for up to SHUTDOWN_DRAIN_SECONDS, answering each
   request with `Connection: close` so its client moves to a new connection, and lets
   requests in flight finish (their answers carry `Connection: close` too);
3. then closes the connections that are still idle, and exits when none is left, or at the
   latest after SHUTDOWN_TIMEOUT, cancelling what still runs; a cancelled request gets a
   moment (CANCELLED_GRACE) to be answered 500 before the database pool closes.

The hook is uvicorn's protocol-level `shutdown()`, the one place it decides to close an idle
connection; the protocol class travels to the worker processes inside the config. Without
`AnswerBeforeShutdown` around the app, a worker would close its pool and end (uvicorn raises
SIGTERM again once it has shut down) while cancelled requests were still unwinding, dropping
their connections unanswered.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from types import FrameType
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors.multiprocess import Multiprocess

from todo.config import Settings

APP = "todo.serving:create_app"
CANCELLED_GRACE = 1.0
"""Seconds requests cancelled at SHUTDOWN_TIMEOUT get to send their 500 before the pool closes."""


class AnswerBeforeShutdown:
    """ASGI wrapper: the app's shutdown (closing the pool) waits for the requests still running,
    for at most CANCELLED_GRACE seconds (by then uvicorn has already cancelled them)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._requests: set[asyncio.Task[Any]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._before_shutdown(receive), send)
            return
        task = asyncio.current_task()
        if task is not None:  # done only once uvicorn has written the answer
            self._requests.add(task)
            task.add_done_callback(self._requests.discard)
        await self.app(scope, receive, send)

    def _before_shutdown(self, receive: Receive) -> Receive:
        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown" and self._requests:
                await asyncio.wait(set(self._requests), timeout=CANCELLED_GRACE)
            return message

        return wrapped


def create_app() -> ASGIApp:
    """`todo serve`'s application (a uvicorn factory): the app, settings from the environment."""
    from todo.app import create_app_from_env

    return AnswerBeforeShutdown(create_app_from_env())


class ServeConfig(uvicorn.Config):
    """uvicorn's config plus how long a stopping worker keeps serving open connections."""

    def __init__(self, app: str, *, drain_seconds: float, **options: Any) -> None:
        super().__init__(app, **options)
        self.drain_seconds = drain_seconds


class DrainingProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, except that shutting down drains instead of cutting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._draining = False
        self._reading_head = False  # a request has begun but its headers are not all in
        self._drain_timer: asyncio.TimerHandle | None = None

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True

    def on_headers_complete(self) -> None:
        self._reading_head = False
        super().on_headers_complete()
        if self._draining:
            self.cycle.keep_alive = False  # answered with Connection: close, then closed

    def shutdown(self) -> None:
        """The server is stopping: finish what is under way, answer what still arrives."""
        self._draining = True
        if not self._idle():
            self.cycle.keep_alive = False
            return
        seconds = self.config.drain_seconds if isinstance(self.config, ServeConfig) else 0.0
        self._drain_timer = self.loop.call_later(seconds, self._close_if_idle)

    def _idle(self) -> bool:
        between_requests = self.cycle is None or self.cycle.response_complete
        return between_requests and not self.pipeline and not self._reading_head

    def _close_if_idle(self) -> None:
        # A request that arrived meanwhile closes the connection after its own answer.
        if self._idle() and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._drain_timer is not None:
            self._drain_timer.cancel()
        super().connection_lost(exc)


class Supervisor(Multiprocess):
    """uvicorn's worker supervisor, except that SIGTERM or SIGINT stops the listening socket at
    once, for every process sharing it, before the workers start draining.

    Without this, a worker that drains first sends its clients to reconnect while the socket
    still listens (the other worker and this process hold it open): they queue in the backlog
    and are reset when the last holder closes it. `shutdown(SHUT_RD)` ends listening for all
    holders at one instant, so every later connection is refused; a worker's event loop may
    then spin on the dead socket until its own shutdown closes it (a tenth of a second).
    A worker that is still starting when the signal comes listens on the socket again as it
    starts (asyncio's `create_server` calls `listen`); it is told to stop at once, and the few
    connections it queued meanwhile are reset.
    """

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets)
        for stop in (signal.SIGTERM, signal.SIGINT):
            signal.signal(stop, self._on_stop)

    def _on_stop(self, sig: int, frame: FrameType | None) -> None:
        for sock in self.sockets:
            with contextlib.suppress(OSError):  # already shut down by an earlier signal
                sock.shutdown(socket.SHUT_RD)
        self.signal_queue.append(sig)  # logged, as uvicorn does
        self.should_exit.set()  # wakes the supervisor: it tells the workers to stop now


def config(settings: Settings, *, host: str, port: int, workers: int) -> ServeConfig:
    """The uvicorn configuration of `todo serve`."""
    return ServeConfig(
        APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        access_log=False,
        http=DrainingProtocol,
        timeout_graceful_shutdown=settings.shutdown_timeout,
        drain_seconds=min(settings.shutdown_drain_seconds, settings.shutdown_timeout),
    )


def run(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Serve until SIGTERM or SIGINT, then stop gracefully (see the module's docstring)."""
    serve_config = config(settings, host=host, port=port, workers=workers)
    try:
        if workers > 1:
            sockets: list[socket.socket] = [serve_config.bind_socket()]
            Supervisor(serve_config, sockets=sockets).run()
            return
        server = uvicorn.Server(serve_config)
        server.run()
    except KeyboardInterrupt:  # a second Ctrl-C during the drain
        return
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)
