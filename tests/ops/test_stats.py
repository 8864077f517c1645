"""`todo db stats`: counts, sizes, index usage, cache, statement statistics, lock waits."""

from __future__ import annotations

import threading
import time

import psycopg

from .conftest import Cli, Query, last_json


def test_stats_report_counts_sizes_and_index_usage(cli: Cli, query: Query) -> None:
    assert cli("db", "seed", "--users", "5", "--tasks-per-user", "4").exit_code == 0
    query("SELECT * FROM tasks WHERE user_id = (SELECT id FROM users LIMIT 1)")
    report = last_json(cli("db", "stats", "--exact", "--json"))

    tables = {row["name"]: row for row in report["tables"]}
    assert report["row_counts"] == "exact"
    assert (tables["users"]["rows"], tables["tasks"]["rows"], tables["accounts"]["rows"]) == (
        5, 20, 5,
    )  # fmt: skip
    assert tables["tasks"]["total_bytes"] >= tables["tasks"]["table_bytes"] > 0
    # Issue 11's tables, counted like the others (the seed gives every user a few tags).
    tagged = query(
        "SELECT (SELECT count(*) FROM tags) AS tags, (SELECT count(*) FROM task_tags) AS links"
    )
    assert (tables["tags"]["rows"], tables["task_tags"]["rows"]) == (
        tagged[0]["tags"],
        tagged[0]["links"],
    )
    assert tables["tags"]["rows"] >= 10
    assert tables["task_tags"]["total_bytes"] > 0
    names = {row["name"] for row in report["indexes"]}
    assert {"idx_tasks_user_created", "idx_tasks_updated_at", "pk_tasks_archive"} <= names
    assert {"uk_tags_user_name", "pk_task_tags", "idx_task_tags_user_tag"} <= names
    unused = set(report["unused_indexes"])
    assert "idx_tasks_archive_user_id" in unused
    assert unused <= names
    for ratio in ("database", "tables", "indexes"):
        value = report["cache_hit_ratio"][ratio]
        assert value is None or 0 <= value <= 1
    assert report["lock_waits"] == []


def test_missing_statement_statistics_are_explained(cli: Cli) -> None:
    # Neither the embedded server nor the test server preloads pg_stat_statements.
    report = last_json(cli("db", "stats", "--json"))
    assert report["statements"]["available"] is False
    assert "shared_preload_libraries" in report["statements"]["hint"]
    assert "CREATE EXTENSION pg_stat_statements" in report["statements"]["hint"]
    shown = cli("db", "stats")
    assert shown.exit_code == 0
    assert "slowest statements unavailable" in shown.stdout


def test_a_lock_wait_shows_who_blocks_whom(cli: Cli, database_url: str) -> None:
    with psycopg.connect(database_url) as holder:
        holder.execute("LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE")
        blocker = holder.info.backend_pid
        waiter_pid: list[int] = []

        def wait_for_the_lock() -> None:
            with psycopg.connect(database_url, autocommit=True) as waiter:
                waiter_pid.append(waiter.info.backend_pid)
                waiter.execute("SELECT count(*) FROM tasks")

        thread = threading.Thread(target=wait_for_the_lock)
        thread.start()
        deadline = time.monotonic() + 10
        while True:
            report = last_json(cli("db", "stats", "--exact", "--json"))
            waits = report["lock_waits"]
            if waits or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        holder.rollback()
        thread.join(timeout=10)
    assert [(row["pid"], row["blocked_by"]) for row in waits] == [(waiter_pid[0], [blocker])]
    assert "FROM tasks" in waits[0]["query"]
    assert report["sizes"] == "estimated (a table is locked)"
