"""`todo bench api`: wrk with the bench's Lua script against a real server (no time asserted)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import psycopg
import pytest
from typer.testing import CliRunner

from todo.bench import api_load, load_data, wrk
from todo.cli import app
from todo.config import Settings
from todo.db import Database
from todo.tasks import service
from todo.tasks.repository import ListOptions

runner = CliRunner()

RESULT = (
    'todo-bench-result {"requests":91,"duration_us":2016557,"bytes":33809,'
    '"socket_errors":{"connect":0,"read":2,"write":0,"timeout":1},"wrk_status_errors":81,'
    '"not_2xx":81,"rate_limited":80,"statuses":{"429":80,"500":1},'
    '"latency_us":{"mean":40939.1,"max":196857,"p50":13487,"p90":116625,"p95":147566,'
    '"p99":191884}}'
)
WRK_OUTPUT = f"""Running 2s test @ http://127.0.0.1:8765
  1 threads and 1 connections
  91 requests in 2.02s, 33.02KB read
  Non-2xx or 3xx responses: 81
Requests/sec:     45.13
{RESULT}
"""


def test_wrk_output_gives_rate_percentiles_and_errors() -> None:
    found = wrk.parse(WRK_OUTPUT)
    assert found.requests == 91
    assert found.rate == pytest.approx(91 / 2.016557)
    assert (found.p50_ms, found.p95_ms, found.p99_ms) == (13.487, 147.566, 191.884)
    assert found.errors == 81 + 3  # non-2xx answers and socket errors
    assert found.rate_limited == 80
    assert found.statuses == {"429": 80, "500": 1}


def test_wrk_output_without_the_scripts_result_is_a_failure() -> None:
    with pytest.raises(wrk.WrkFailed, match="0 result lines"):
        wrk.parse("Running 2s test @ http://127.0.0.1:1\nunable to connect to 127.0.0.1:1\n")


def test_the_deep_page_is_each_users_last_page_by_cursor(database_url: str) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    load_data.seed_missing(database_url, settings, users=2, tasks_per_user=60)
    data = load_data.prepare(database_url, users=2, secret="s" * 32)
    user = data.users[0]
    assert user.tasks == 60
    assert user.deep_page.startswith("cursor=")
    assert {user.id for user in data.users} == {data.users[n].id for n, _ in data.tasks}

    async def pages() -> tuple[list[object], list[object]]:
        db = Database(database_url, pool_size=1, max_overflow=0)
        await db.open()
        try:
            async with db.transaction(user.id) as tx:
                cursor = user.deep_page.removeprefix("cursor=")
                deep = await service.list_tasks(
                    tx, user_id=user.id, options=ListOptions(), cursor=cursor
                )
                last = await service.list_tasks(tx, user_id=user.id, options=ListOptions(offset=10))
        finally:
            await db.close()
        return [row["id"] for row in deep.rows], [row["id"] for row in last.rows]

    deep, last = asyncio.run(pages())
    assert len(deep) == 50
    assert deep == last  # the last 50 of 60


def test_search_and_today_ask_for_real_work_of_each_user(database_url: str) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    load_data.seed_missing(database_url, settings, users=5, tasks_per_user=60)
    data = load_data.prepare(database_url, users=5, secret="s" * 32)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()

    async def listed(user: load_data.BenchUser) -> tuple[int, int, int]:
        """(search hits, Today rows, open tasks due before tomorrow) through the listing."""
        db = Database(database_url, pool_size=1, max_overflow=0)
        await db.open()
        try:
            async with db.transaction(user.id) as tx:
                words = service.search_query(parse_qs(user.search)["q"][0])
                search = ListOptions(search=words, limit=100)
                found = await service.list_tasks(tx, user_id=user.id, options=search)
                today = service.today_options("UTC", limit=100)
                due = await service.list_tasks(tx, user_id=user.id, options=today)
                expected = await tx.fetch_value(
                    "SELECT count(*) FROM tasks WHERE NOT completed "
                    "AND due_at < %s::date::timestamp AT TIME ZONE 'UTC'",
                    (tomorrow,),
                )
        finally:
            await db.close()
        return len(found.rows), len(due.rows), int(expected)

    hits = []
    for user in data.users:
        prefix = parse_qs(user.search)["q"][0]
        assert 1 <= len(prefix) <= 4
        assert prefix.isalpha()
        assert user.today == (  # synthetic users are in UTC
            f"due_before={tomorrow}&completed=false&sort=due_at&order=asc"
        )
        found, today, expected = asyncio.run(listed(user))
        assert 0 < found < 60, (prefix, found)  # some of the user's tasks, not all
        assert today == expected
        hits.append(today)
    assert sum(hits) >= 5  # overdue or due today: the Today listing has rows to show


def test_without_wrk_it_says_how_to_install_it(tmp_path: Path) -> None:
    result = runner.invoke(app, ["bench", "api"], env={"PATH": str(tmp_path)})
    assert result.exit_code == 2
    assert "apt-get install wrk" in result.output
    assert "Traceback" not in result.output


def test_a_running_server_needs_its_database_and_secret() -> None:
    result = runner.invoke(
        app, ["bench", "api", "--url", "http://127.0.0.1:1"], env={"DATABASE_URL": ""}
    )
    assert result.exit_code == 2
    assert "DATABASE_URL and BETTER_AUTH_SECRET" in result.output


def _bench(database_url: str, data_dir: Path, *args: str, per_minute: int = 100) -> tuple[int, str]:
    assert wrk.find(), "wrk is missing; scripts/test.sh installs it"
    env = {
        "DATABASE_URL": database_url,
        # No BETTER_AUTH_SECRET: the bench uses (and makes) DATA_DIR's, like `todo serve`.
        "BETTER_AUTH_SECRET": None,
        "DATA_DIR": str(data_dir),
        "API_RATE_LIMIT_PER_MINUTE": str(per_minute),  # the server started inherits it
    }
    result = runner.invoke(
        app, ["bench", "api", "--tasks-per-user", "4", "--warmup", "0", *args], env=env
    )
    return result.exit_code, result.output


def test_every_pattern_runs_against_a_real_server_for_many_users(
    database_url: str, tmp_path: Path
) -> None:
    report = tmp_path / "bench.json"
    code, output = _bench(
        database_url,
        tmp_path,
        *("--users", "30", "--connections", "4", "--json", str(report)),
        # More than a page each: list-deep then asks for the last page by cursor.
        *("--tasks-per-user", "60"),
        # Long enough for a sign-in (argon2id) to be answered on a busy machine.
        *("--duration", "2"),
        # Limits on (they count every request for its user), but not in the way of thousands.
        per_minute=1_000_000,
    )
    assert code == 0, output
    found = json.loads(report.read_text())
    results = {result["pattern"]: result for result in found["results"]}
    assert list(results) == list(api_load.PATTERNS)
    for pattern, result in results.items():
        assert result["requests"] > 0, pattern
        assert result["errors"] == 0, (pattern, result["statuses"])
        assert result["conditions"]["users"] == 30
        assert result["conditions"]["connections"] == 4
        assert result["conditions"]["postgresql"]
        assert result["web_cpu_ms_per_request"] is not None
    assert [ceiling["pattern"] for ceiling in found["ceiling"]] == ["get", "list"]
    assert all(ceiling["pgbench_tps"] > 0 for ceiling in found["ceiling"])
    assert all(ceiling["postgres_cpu_ms_per_transaction"] > 0 for ceiling in found["ceiling"])
    with psycopg.connect(database_url) as conn:
        # Every request of the task API is counted for its user: the load reached them all.
        counted = conn.execute(
            "SELECT count(DISTINCT split_part(key, ':', 2)) FROM rate_limits WHERE key LIKE 'api:%'"
        ).fetchone()
        changed = conn.execute("SELECT count(*) FROM tasks WHERE title = 'bench task, changed'")
        sessions = conn.execute("SELECT count(*) FROM sessions").fetchone()
        changed_count = changed.fetchone()
    assert counted == (30,)
    assert changed_count is not None
    assert changed_count[0] > 0  # the PUTs landed
    assert sessions == (0,)  # the bench's sessions, and sign-in's, are gone
    assert (tmp_path / "secret").exists()


def test_refused_requests_count_as_errors_and_fail_the_run(
    database_url: str, tmp_path: Path
) -> None:
    # One user, the default limit of 100 requests a minute: most gets are refused with 429.
    code, output = _bench(
        database_url,
        tmp_path,
        "--users",
        "1",
        "--pattern",
        "get",
        "--duration",
        "2",
        "--no-ceiling",
    )
    assert code == 1
    assert "429" in output
    assert "rate limits refused requests" in output
