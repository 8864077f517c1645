"""The web server `todo bench api` starts for itself: `todo serve` in a process of its own."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

_POOL, _OVERFLOW = 20, 10  # Settings' defaults for DB_POOL_SIZE and DB_MAX_OVERFLOW


class ServerFailed(Exception):
    """The server did not come up."""


@dataclass(frozen=True)
class Pool:
    size: int
    overflow: int

    def __str__(self) -> str:
        return f"{self.size}+{self.overflow}"


def pool_for(workers: int, free_connections: int) -> Pool:
    """The default pool, unless all workers' pools together would exceed the connections the
    server has free (a driver then reconnects in a loop): then a share of those, minus two for
    the bench's own connections."""
    share = (free_connections - 2) // workers
    if share >= _POOL + _OVERFLOW:
        return Pool(_POOL, _OVERFLOW)
    if share < 2:
        raise ServerFailed(f"PostgreSQL has only {free_connections} free connections")
    size = max(1, share * 2 // 3)
    return Pool(size, share - size)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _todo() -> str:
    beside = Path(sys.executable).parent / "todo"
    return str(beside) if beside.exists() else shutil.which("todo") or "todo"


class Server:
    """`todo serve --workers N` on DATABASE_URL, until `stop`."""

    def __init__(
        self, *, database_url: str, secret: str, workers: int, pool: Pool, limits: bool, log: Path
    ) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = os.environ | {
            "DATABASE_URL": database_url,
            "BETTER_AUTH_SECRET": secret,
            "DB_POOL_SIZE": str(pool.size),
            "DB_MAX_OVERFLOW": str(pool.overflow),
            "LOG_LEVEL": "warning",
        }
        if not limits:
            env |= {
                "API_RATE_LIMIT_PER_MINUTE": "0",
                "API_RATE_LIMIT_PER_HOUR": "0",
                "AUTH_RATE_LIMIT_ENABLED": "false",
            }
        self.log = log
        command = [_todo(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with log.open("wb") as output:
            self.process = subprocess.Popen(  # noqa: S603
                [*command, "--workers", str(workers)],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        tail = self.log.read_text(errors="replace")[-2000:]
        raise ServerFailed(f"the server did not become ready:\n{tail}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
