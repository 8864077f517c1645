"""`todo serve` as a child process, for the drills (and the tests) that stop it the hard way.

The child runs in a session of its own, so SIGTERM can be sent to its main process alone (as
`docker stop` or `kill` does) and SIGKILL to all of it at once (the main process and its
workers, as the kernel's OOM killer or a power cut would end it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

_SERVE = [sys.executable, "-c", "from todo.cli import main; main()", "serve"]


class ServeFailed(RuntimeError):
    """`todo serve` exited or did not answer in time."""


class ServeProcess:
    """`todo serve --workers N` on `port`, with `env` as its whole environment."""

    def __init__(self, *, env: dict[str, str], port: int, workers: int, log: Path) -> None:
        self.env = env | {"PORT": str(port), "HOST": "127.0.0.1"}
        self.url = f"http://127.0.0.1:{port}"
        self.workers = workers
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 60.0) -> ServeProcess:
        """Start it and wait until GET /healthz answers and, where the log tells (at log level
        info), every worker has started: a worker still starting when SIGTERM comes would
        listen on the socket again after the supervisor has stopped it."""
        logged_before = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
                [*_SERVE, "--workers", str(self.workers)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not (self._answers() and self._workers_started(logged_before)):
            if self.proc.poll() is not None:
                raise ServeFailed(f"todo serve exited with {self.proc.returncode}: {self.tail()}")
            if time.monotonic() > deadline:
                raise ServeFailed(f"todo serve did not answer within {timeout:.0f} s")
            time.sleep(0.1)
        return self

    def _workers_started(self, offset: int) -> bool:
        if self.env.get("LOG_LEVEL", "info").lower() not in ("info", "debug"):
            return True  # uvicorn does not log startups: /healthz is all there is to go by
        with self.log.open("rb") as log:
            log.seek(offset)
            return log.read().count(b"Application startup complete") >= self.workers

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    def terminate(self) -> None:
        """SIGTERM to the main process only, as a service manager sends it."""
        os.kill(self.pid, signal.SIGTERM)

    def running(self) -> bool:
        """Whether the main process is still alive."""
        return self.proc is not None and self.proc.poll() is None

    def wait(self, timeout: float) -> int:
        """Wait for the main process to exit; its exit code."""
        assert self.proc is not None, "not started"
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL to the whole process group (main process and workers), then reap it."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):  # already gone, workers included
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def tail(self, lines: int = 20) -> str:
        """The end of its log, for error messages."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
