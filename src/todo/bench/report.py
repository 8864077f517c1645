"""How `todo bench api` shows its figures: a Rich table for people, dicts for JSON."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from todo.bench.ceiling import Ceiling
from todo.bench.wrk import WrkResult

console = Console(highlight=False)
if not console.is_terminal:
    console = Console(highlight=False, width=160)  # a log or a pipe: keep the table whole
_COLUMNS = (
    ("pattern", "pattern"),
    ("req/s", "requests_per_second"),
    ("p50 ms", "p50_ms"),
    ("p95 ms", "p95_ms"),
    ("p99 ms", "p99_ms"),
    ("errors", "errors"),
    ("429", "rate_limited"),
    ("web CPU ms/req", "web_cpu_ms_per_request"),
    ("PG CPU ms/req", "postgres_cpu_ms_per_request"),
    ("web cores", "web_cores"),
    ("PG cores", "postgres_cores"),
)


def conditions(found: dict[str, Any]) -> None:
    """The header block: what every figure below was measured on."""
    console.print(
        f"data: {found['users']:,} users, {found['tasks']:,} tasks "
        f"({found['tasks_per_user']} a user); wrk: {found['connections']} connections, "
        f"{found['threads']} threads, {found['seconds']} s a pattern; web workers: "
        f"{found['workers'] or 'unknown (--url)'}, pool {found.get('pool_per_worker', '?')}; "
        f"PostgreSQL {found['postgresql']}; {found['cpus']} CPUs shared by all; "
        f"rate limits: {found['rate_limits']}; load average {found['load_average']} at the start",
        soft_wrap=True,
    )


def result(
    pattern: str, figures: WrkResult, spent: dict[str, float], found: dict[str, Any]
) -> dict[str, Any]:
    """One pattern's figures with the conditions they were measured on."""
    done = figures.requests or 1
    return {
        "pattern": pattern,
        "requests": figures.requests,
        "requests_per_second": round(figures.rate, 1),
        "p50_ms": round(figures.p50_ms, 2),
        "p95_ms": round(figures.p95_ms, 2),
        "p99_ms": round(figures.p99_ms, 2),
        "errors": figures.errors,
        # A pattern that had no answer in its time measured nothing: it fails like an error.
        "failed": bool(figures.errors) or figures.requests == 0,
        "rate_limited": figures.rate_limited,
        "statuses": figures.statuses,
        "socket_errors": figures.socket_errors,
        "web_cpu_ms_per_request": _per(spent.get("web"), done),
        "postgres_cpu_ms_per_request": _per(spent.get("postgres"), done),
        "web_cores": _cores(spent.get("web"), figures.seconds),
        "postgres_cores": _cores(spent.get("postgres"), figures.seconds),
        "conditions": found,
    }


def _per(seconds: float | None, requests: int) -> float | None:
    return None if seconds is None else round(seconds * 1000 / requests, 3)


def _cores(seconds: float | None, elapsed: float) -> float | None:
    return None if seconds is None or not elapsed else round(seconds / elapsed, 2)


def progress(found: dict[str, Any]) -> None:
    """One line as soon as a pattern is measured."""
    console.print(
        f"{found['pattern']}: {found['requests_per_second']:,} req/s, {found['errors']} errors",
        style="red" if found["errors"] else None,
    )
    if found["errors"]:
        console.print(
            f"  {found['requests']} answers, statuses {found['statuses']}, "
            f"socket errors {found['socket_errors']}" + _LIMIT_HINT * bool(found["rate_limited"]),
            style="red",
        )


def table(results: list[dict[str, Any]], ceilings: list[dict[str, Any]]) -> None:
    """Every pattern's figures, and the ceilings below them."""
    shown = Table(*(title for title, _ in _COLUMNS), title="todo bench api")
    for found in results:
        shown.add_row(*(_cell(found[key]) for _, key in _COLUMNS))
    console.print(shown)
    for found in ceilings:
        ratio, cost = found["api_to_ceiling"], found["postgres_cpu_ms_per_transaction"]
        console.print(
            f"raw-SQL ceiling of {found['pattern']}: pgbench {found['pgbench_tps']:,.0f} "
            f"transactions/s ({found['clients']} clients, same statements and round trips)"
            + ("" if cost is None else f", PostgreSQL CPU {cost} ms a transaction")
            + ("" if ratio is None else f"; API / ceiling = {ratio:.2f}")
        )


def _cell(value: object) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int | float) else str(value)


_LIMIT_HINT = "; 429s: rate limits refused requests (more --users spreads them, or --no-limits)"


def ceiling(
    measured: Ceiling, spent: float | None, api: dict[str, Any] | None, found: dict[str, Any]
) -> dict[str, Any]:
    """The raw-SQL ceiling of one pattern (and what it cost PostgreSQL), beside the API's."""
    ratio = None
    if api is not None and measured.tps:
        ratio = round(api["requests_per_second"] / measured.tps, 3)
    return {
        "pattern": measured.pattern,
        "pgbench_tps": round(measured.tps, 1),
        "clients": measured.clients,
        "postgres_cpu_ms_per_transaction": _per(spent, measured.transactions or 1),
        "api_to_ceiling": ratio,
        "conditions": found,
    }


def note(text: str) -> None:
    console.print(text)
