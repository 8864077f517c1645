"""Running wrk with the bench's Lua script, and reading what it measured."""

from __future__ import annotations

import importlib.resources
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INSTALL_HINT = (
    "wrk (the HTTP load generator) is not installed: `apt-get install wrk` as root "
    "(scripts/test.sh installs it too)"
)
RESULT_MARK = "todo-bench-result "


class WrkFailed(Exception):
    """wrk did not run, or printed no result."""


@dataclass(frozen=True)
class WrkResult:
    """One pattern's figures, from the Lua script's `done` line."""

    requests: int
    seconds: float
    not_2xx: int
    rate_limited: int
    socket_errors: int
    statuses: dict[str, int]
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def errors(self) -> int:
        """Responses that were not 2xx (429 included) and socket errors (timeouts included)."""
        return self.not_2xx + self.socket_errors

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def find() -> str | None:
    """The wrk program, or None."""
    return shutil.which("wrk")


def parse(output: str) -> WrkResult:
    """The figures in wrk's output (the line the Lua script's `done` printed)."""
    lines = [line for line in output.splitlines() if line.startswith(RESULT_MARK)]
    if len(lines) != 1:
        raise WrkFailed(f"wrk printed {len(lines)} result lines, not 1:\n{output.strip()}")
    found: dict[str, Any] = json.loads(lines[0].removeprefix(RESULT_MARK))
    latency = found["latency_us"]
    return WrkResult(
        requests=found["requests"],
        seconds=found["duration_us"] / 1e6,
        not_2xx=found["not_2xx"],
        rate_limited=found["rate_limited"],
        socket_errors=sum(found["socket_errors"].values()),
        statuses=found["statuses"],
        p50_ms=latency["p50"] / 1000,
        p95_ms=latency["p95"] / 1000,
        p99_ms=latency["p99"] / 1000,
    )


def run(
    program: str,
    *,
    url: str,
    pattern: str,
    data_file: Path,
    connections: int,
    threads: int,
    seconds: int,
) -> WrkResult:
    """Run one pattern for `seconds`; its figures."""
    script = importlib.resources.files("todo.bench") / "lua" / "load.lua"
    with importlib.resources.as_file(script) as path:
        command = [
            program,
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={seconds}s",
            "--timeout=10s",  # a slow sign-in (password hashing) is slow, not lost
            f"--script={path}",
            url,
            "--",
            pattern,
            str(data_file),
            str(threads),
            # A thread that deletes stops this many tasks before its supply ends, so none of
            # its connections (each may have a request out) deletes a task twice.
            str(connections // threads + 1),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise WrkFailed(f"wrk exited {done.returncode}: {done.stderr.strip() or done.stdout}")
    return parse(done.stdout)
