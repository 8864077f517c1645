"""Load benchmark of the HTTP API with wrk (not a test): `todo bench api`.

Python only sets up: it starts the server (`todo serve --workers N`) on DATABASE_URL or a
throwaway embedded PostgreSQL, or targets a running one (--url, with DATABASE_URL and
BETTER_AUTH_SECRET of that server); seeds synthetic users and tasks; mints credentials; and
reads CPU time from /proc. wrk drives the load with lua/load.lua, each request for a random
user. Per pattern it prints req/s, p50/p95/p99, errors (non-2xx, 429 included, and socket
errors) and the CPU each request cost the web processes and PostgreSQL; then the raw-SQL
ceiling of get and list through pgbench. Exits 1 when a pattern had errors or no answer.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg

from todo import migrate
from todo.api import ratelimit
from todo.auth import secret as auth_secret
from todo.bench import ceiling, cpu, load_data, report, server, wrk
from todo.config import Settings
from todo.embedded import embedded_postgres

PATTERNS = (
    "list",
    "list-incomplete",
    "list-deep",
    "search",
    "today",
    "get",
    "create",
    "update",
    "toggle",
    "delete",
    "sign-in",
    "token",
)
CEILING_PATTERNS = ("get", "list")


class BenchRefused(Exception):
    """The bench cannot run as asked; the message says why, in one line."""


def parser() -> argparse.ArgumentParser:
    made = argparse.ArgumentParser(
        prog="todo bench api", description=(__doc__ or "").splitlines()[0]
    )
    made.add_argument("--url", help="a running server (else one is started)")
    made.add_argument("--server-pid", type=int, help="with --url: its main process, for CPU")
    made.add_argument("--workers", type=int, default=2, help="workers of the started server")
    made.add_argument("--users", type=int, default=1000)
    made.add_argument("--tasks-per-user", type=int, default=100, help="for users seeded now")
    made.add_argument("--connections", type=int, default=64)
    made.add_argument("--threads", type=int, default=2, help="wrk's threads")
    made.add_argument("--duration", type=int, default=15, help="seconds per pattern")
    made.add_argument("--warmup", type=int, default=2, help="seconds of get before the first")
    made.add_argument("--pattern", action="append", choices=PATTERNS, help="repeatable")
    made.add_argument("--no-limits", action="store_true", help="rate limits off (started server)")
    made.add_argument("--no-ceiling", action="store_true", help="skip pgbench")
    made.add_argument("--json", type=Path, help="also write the results here")
    made.add_argument("--data-dir", type=Path, help="embedded PostgreSQL's (kept)")
    return made


def main(argv: list[str], settings: Settings) -> int:
    """Run the bench; 1 if a pattern had errors, else 0. BenchRefused when it cannot run."""
    args = parser().parse_args(argv)
    if args.connections < args.threads or min(args.duration, args.users, args.workers) < 1:
        raise BenchRefused("--connections >= --threads, and --duration, --users, --workers >= 1")
    secret = settings.better_auth_secret
    if args.url and (settings.database_url is None or secret is None):
        raise BenchRefused("with --url, set DATABASE_URL and BETTER_AUTH_SECRET to the server's")
    program = wrk.find()
    if program is None:
        raise BenchRefused(wrk.INSTALL_HINT)
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="todo-bench-")))
        url = settings.database_url or stack.enter_context(_embedded(args.data_dir, scratch))
        migrate.upgrade(url)
        # Not a throwaway secret: the JWT signing key a run leaves in the database is encrypted
        # with it, and a later run (or `todo serve`) with another could not use it.
        if secret is None:
            key = auth_secret.load_or_create(settings.data_dir)
        else:
            key = secret.get_secret_value()
        return _bench(args, program, url, key, scratch, settings)
    raise AssertionError("unreachable")


@contextmanager
def _embedded(data_dir: Path | None, scratch: Path) -> Iterator[str]:
    with embedded_postgres(data_dir or scratch / "postgres", database="bench") as url:
        yield url


def _bench(
    args: argparse.Namespace,
    program: str,
    url: str,
    secret: str,
    scratch: Path,
    settings: Settings,
) -> int:
    facts = load_data.server_facts(url)
    load_data.seed_missing(url, settings, users=args.users, tasks_per_user=args.tasks_per_user)
    data = load_data.prepare(url, users=args.users, secret=secret)
    data_file = scratch / "load.tsv"
    data.write(data_file)
    conditions = _conditions(args, settings, facts, data)
    started = None
    try:
        target, server_pid = args.url, args.server_pid
        if target is None:
            pool = server.pool_for(args.workers, int(str(facts["free_connections"])))
            conditions["pool_per_worker"] = str(pool)
            started = server.Server(
                database_url=url,
                secret=secret,
                workers=args.workers,
                pool=pool,
                limits=not args.no_limits,
                log=scratch / "server.log",
            )
            started.wait_ready()
            target, server_pid = started.url, started.pid
        report.conditions(conditions)
        results = _patterns(args, program, target, server_pid, url, data, data_file, conditions)
    finally:
        if started is not None:
            started.stop()
        load_data.cleanup(url)
    ceilings = [] if args.no_ceiling else _ceilings(args, settings, url, results, conditions)
    report.table(results, ceilings)
    if args.json:
        document = {"conditions": conditions, "results": results, "ceiling": ceilings}
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    return 1 if any(result["failed"] for result in results) else 0


def _conditions(
    args: argparse.Namespace,
    settings: Settings,
    facts: dict[str, object],
    data: load_data.LoadData,
) -> dict[str, Any]:
    minute, hour = settings.api_rate_limit_per_minute, settings.api_rate_limit_per_hour
    limits = f"{minute or 'no limit'}/min and {hour or 'no limit'}/h per user"
    if args.url:
        limits = "the server's"
    elif args.no_limits:
        limits = "off"
    return {
        "users": len(data.users),
        "tasks": data.total_tasks,
        "tasks_per_user": round(data.total_tasks / len(data.users), 1),
        "connections": args.connections,
        "threads": args.threads,
        "workers": None if args.url else args.workers,
        "seconds": args.duration,
        "postgresql": facts["postgresql"],
        "cpus": os.cpu_count(),
        "rate_limits": limits,
        "started_at": facts["at"],
        "load_average": round(os.getloadavg()[0], 2),  # the machine may be shared
    }


def _patterns(
    args: argparse.Namespace,
    program: str,
    target: str,
    server_pid: int | None,
    url: str,
    data: load_data.LoadData,
    data_file: Path,
    conditions: dict[str, Any],
) -> list[dict[str, Any]]:
    def load(pattern: str, seconds: int) -> wrk.WrkResult:
        return wrk.run(
            program,
            url=target,
            pattern=pattern,
            data_file=data_file,
            connections=args.connections,
            threads=args.threads,
            seconds=seconds,
        )

    results: list[dict[str, Any]] = []
    with psycopg.connect(url, autocommit=True) as monitor:
        meters: dict[str, Callable[[], cpu.Reading] | None] = {
            "web": cpu.web_meter(server_pid) if server_pid else None,
            "postgres": cpu.postgres_meter(monitor),
        }
        if args.warmup:
            load("get", args.warmup)
        for pattern in args.pattern or PATTERNS:
            if pattern == "delete":
                fastest = max((r["requests_per_second"] for r in results), default=3000.0)
                count = int(fastest * args.duration * 1.5) + 4 * args.connections
                load_data.add_doomed(url, data, count=count)
                data.write(data_file)
            before = {who: meter() for who, meter in meters.items() if meter}
            figures = load(pattern, args.duration)
            after = {who: meter() for who, meter in meters.items() if meter}
            spent = {who: cpu.spent(before[who], after[who]) for who in before}
            result = report.result(pattern, figures, spent, conditions)
            report.progress(result)
            results.append(result)
    return results


def _windows(args: argparse.Namespace, settings: Settings) -> ceiling.Windows:
    """The API's rate-limit windows, as the server counts them."""
    if args.no_limits:
        return ()
    windows = ratelimit.windows(settings)
    return tuple((window.kind, window.seconds, window.limit) for window in windows)


def _ceilings(
    args: argparse.Namespace,
    settings: Settings,
    url: str,
    results: list[dict[str, Any]],
    conditions: dict[str, Any],
) -> list[dict[str, Any]]:
    program = ceiling.find()
    if program is None:
        report.note(f"no raw-SQL ceiling: {ceiling.INSTALL_HINT}")
        return []
    free = int(str(load_data.server_facts(url)["free_connections"]))
    clients = max(1, min(args.connections, free - 2))
    found = []
    with psycopg.connect(url, autocommit=True) as monitor:
        meter = cpu.postgres_meter(monitor)
        for pattern in CEILING_PATTERNS:
            if args.pattern and pattern not in args.pattern:
                continue
            before = meter() if meter else None
            tracker = cpu.Tracker(meter) if meter else None  # read while pgbench runs
            measured = ceiling.run(
                program,
                url,
                pattern,
                clients=clients,
                threads=args.threads,
                seconds=args.duration,
                windows=_windows(args, settings),
                while_running=tracker or (lambda: None),
            )
            spent = cpu.spent(before, tracker.latest) if before and tracker else None
            api = next((r for r in results if r["pattern"] == pattern), None)
            found.append(report.ceiling(measured, spent, api, conditions))
    return found
