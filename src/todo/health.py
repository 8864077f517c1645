"""Database health: reachable, which server, schema at head, round-trip latency."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import psycopg

from todo import migrate
from todo.db import libpq_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Health:
    ok: bool
    reachable: bool
    server_version: str | None
    current_revision: str | None
    head_revision: str | None
    latency_ms: float | None
    error: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def check(url: str, *, limit_seconds: float = 5.0, samples: int = 5) -> Health:
    """Connect afresh and measure; never raises for an unhealthy database."""
    head = migrate.head(url)
    try:
        async with asyncio.timeout(limit_seconds):
            conn = await psycopg.AsyncConnection.connect(
                libpq_url(url), autocommit=True, connect_timeout=max(1, int(limit_seconds))
            )
            async with conn:
                version = conn.info.parameter_status("server_version")
                latencies = []
                for _ in range(samples):
                    started = time.perf_counter()
                    await conn.execute("SELECT 1")
                    latencies.append((time.perf_counter() - started) * 1000)
                current = await _current_revision(conn)
    except (OSError, TimeoutError, psycopg.Error) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return Health(False, False, None, None, head, None, message)
    at_head = current == head
    return Health(
        ok=at_head,
        reachable=True,
        server_version=version,
        current_revision=current,
        head_revision=head,
        latency_ms=round(sorted(latencies)[len(latencies) // 2], 3),
        error=None if at_head else f"schema at {current or 'no revision'}, head is {head}",
    )


async def _current_revision(conn: psycopg.AsyncConnection[Any]) -> str | None:
    cur = await conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL")
    row = await cur.fetchone()
    if not row or not row[0]:
        return None
    cur = await conn.execute("SELECT version_num FROM alembic_version")
    found = await cur.fetchone()
    return str(found[0]) if found else None


@dataclass(frozen=True)
class Readiness:
    """What GET /readyz answers. `reason` is fit for any caller: no host names, no errors."""

    ready: bool
    reason: str | None
    revision: str | None

    def as_body(self) -> dict[str, Any]:
        if self.ready:
            return {"status": "ready", "revision": self.revision}
        return {"status": "unavailable", "reason": self.reason, "revision": self.revision}


async def readiness(url: str, *, head: str | None, limit_seconds: float) -> Readiness:
    """Ready when a fresh connection answers within `limit_seconds` and the schema is at `head`.

    A fresh connection (not the pool's) so the answer follows the server at once when it goes
    away and when it comes back; the details of a failure go to the log, not to the caller.
    """
    try:
        async with asyncio.timeout(limit_seconds):
            conn = await psycopg.AsyncConnection.connect(
                libpq_url(url), autocommit=True, connect_timeout=max(2, math.ceil(limit_seconds))
            )
            async with conn:
                current = await _current_revision(conn)
    except TimeoutError:
        log.warning("readiness: the database did not answer within %.1f s", limit_seconds)
        return Readiness(False, f"database did not answer within {limit_seconds:g} s", None)
    except (OSError, psycopg.Error) as error:
        log.warning("readiness: database unreachable: %s", str(error).strip())
        return Readiness(False, "database unreachable", None)
    if current != head:
        return Readiness(False, f"schema at {current or 'no revision'}, expected {head}", current)
    return Readiness(True, None, current)
