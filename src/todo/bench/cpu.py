"""CPU time of the web workers and of PostgreSQL, read from Linux's /proc (not a test).

A meter reads utime + stime, plus cutime + cstime (children that ended and were waited for),
of a set of processes; what a pattern cost is the difference of two readings. A process that
appears between the readings (a new pooled connection's backend) counts from zero.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import psycopg

Reading = dict[int, float]
_TICK = os.sysconf("SC_CLK_TCK")

# The backends of the benchmarked database and PostgreSQL's own processes (WAL writer,
# checkpointer...), never this monitoring connection. pg_stat_activity shows every pid.
_POSTGRES_PIDS = (
    "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
    "AND (datname = current_database() OR backend_type <> 'client backend')"
)


def process_seconds(pid: int) -> float | None:
    """CPU seconds of the process and its waited-for children; None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3 of proc(5)): utime, stime, cutime, cstime are 14-17.
    return sum(int(value) for value in fields[11:15]) / _TICK


def tree(pid: int) -> list[int]:
    """The process and all its descendants (those alive now)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += tree(int(child))
    return found


def read(pids: Iterable[int]) -> Reading:
    """CPU seconds of each process that exists."""
    reading = {}
    for pid in pids:
        seconds = process_seconds(pid)
        if seconds is not None:
            reading[pid] = seconds
    return reading


def spent(before: Reading, after: Reading) -> float:
    """CPU seconds spent between two readings."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def web_meter(server_pid: int) -> Callable[[], Reading]:
    """Reads the server's process tree (its supervisor and workers)."""
    return lambda: read(tree(server_pid))


def postgres_meter(conn: psycopg.Connection[tuple[object, ...]]) -> Callable[[], Reading] | None:
    """Reads PostgreSQL's processes on this machine, or None when they are not local (their
    pids are not `postgres` processes here)."""

    def pids() -> list[int]:
        return [int(str(row[0])) for row in conn.execute(_POSTGRES_PIDS).fetchall()]

    local = [pid for pid in pids() if _is_postgres(pid)]
    if not local:
        return None
    return lambda: read(pid for pid in pids() if _is_postgres(pid))


def _is_postgres(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() in {"postgres", "postmaster"}
    except OSError:
        return False


class Tracker:
    """The latest reading of every process a meter has seen: one that ended keeps its last
    (pgbench's backends end with it)."""

    def __init__(self, meter: Callable[[], Reading]) -> None:
        self._meter = meter
        self.latest: Reading = {}

    def __call__(self) -> None:
        self.latest.update(self._meter())
