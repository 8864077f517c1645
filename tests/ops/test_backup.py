"""`todo db backup` / `todo db restore`: a restore brings back every row exactly, verified
against the manifest, and never overwrites a database that holds data unless forced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from todo.backup import binaries

from .conftest import Cli, Query, last_json

TABLES = (
    "users", "accounts", "sessions", "verifications", "tasks", "tasks_archive", "jwks", "tags",
    "task_tags",
)  # fmt: skip
_STATE = "SELECT * FROM {} AS t ORDER BY t::text"  # whole rows: task_tags keys on two columns


def _populate(query: Query) -> None:
    ids = query(
        "INSERT INTO users (email, name, email_verified, image) VALUES "
        "('ana@example.com', 'Ana Ñúñez', true, NULL), "
        "('bo@example.com', NULL, false, 'https://example.com/bo.png') RETURNING id"
    )
    ana, bo = ids[0]["id"], ids[1]["id"]
    query(
        "INSERT INTO accounts (user_id, account_id, provider_id, password) "
        "VALUES (%s, %s, 'credential', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA')",
        (ana, str(ana)),
    )
    query(
        "INSERT INTO sessions (user_id, token_hash, expires_at, ip_address, user_agent) "
        "VALUES (%s, '\\x00ff10'::bytea, now() + interval '7 days', '127.0.0.1', 'curl/8')",
        (ana,),
    )
    query(
        "INSERT INTO verifications (user_id, identifier, value, expires_at) "
        "VALUES (%s, 'email-verification', 'abc', now() + interval '1 day')",
        (bo,),
    )
    query(
        "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) "
        "SELECT %s, 'Task ' || g, CASE WHEN g %% 2 = 0 THEN E'line one\\nline \"two\", ✓' END,"
        " g %% 3 = 0, now() - make_interval(days => g), now() - make_interval(hours => g) "
        "FROM generate_series(1, 40) g",
        (ana,),
    )
    query(  # issue 11's fields: due dates (all-day and timed), priorities, tags
        "UPDATE tasks SET priority = g % 4, due_at = CASE WHEN g % 5 = 0 THEN NULL "
        "WHEN g % 2 = 0 THEN '2026-12-05 00:00+14'::timestamptz "
        "ELSE '2026-12-05 14:00Z'::timestamptz + make_interval(days => g::int) END, "
        "due_date = CASE WHEN g % 5 <> 0 AND g % 2 = 0 THEN date '2026-12-05' END "
        "FROM (SELECT id, row_number() OVER (ORDER BY title) AS g FROM tasks) n "
        "WHERE n.id = tasks.id"
    )
    query(
        "INSERT INTO tags (user_id, name, color) VALUES "
        "(%(u)s, 'Santé', '#dc2626'), (%(u)s, 'work', NULL)",
        {"u": ana},
    )
    query(
        "INSERT INTO task_tags (user_id, task_id, tag_id) SELECT %s, t.id, g.id "
        "FROM tasks t CROSS JOIN tags g WHERE t.priority > 1 OR g.name = 'work'",
        (ana,),
    )
    query(
        "INSERT INTO tasks_archive (user_id, title, completed, updated_at, due_at, due_date, "
        "priority, tags) VALUES (%s, 'Old and done', true, now() - interval '200 days', "
        "'2026-01-02 05:00Z', '2026-01-02', 2, ARRAY['errands', 'Santé'])",
        (bo,),
    )
    query("INSERT INTO jwks (public_key, private_key) VALUES ('{\"kty\":\"OKP\"}', 'sealed')")


def _state(query: Query, url: str) -> dict[str, object]:
    return {table: query(_STATE.format(table), url=url) for table in TABLES}


def test_backup_then_restore_into_fresh_databases(
    cli: Cli,
    query: Query,
    tmp_path: Path,
    database_url: str,
    other_database_url: str,
    empty_database_url: str,
) -> None:
    _populate(query)
    dump = tmp_path / "todo.dump"
    made = last_json(cli("db", "backup", str(dump), "--json"))
    manifest = json.loads(dump.with_name("todo.dump.manifest.json").read_text())
    assert made["tables"] == manifest["tables"]
    assert {name: sums["rows"] for name, sums in manifest["tables"].items() if name in TABLES} == {
        "users": 2, "accounts": 1, "sessions": 1, "verifications": 1, "tasks": 40,
        "tasks_archive": 1, "jwks": 1, "tags": 2, "task_tags": 60,
    }  # fmt: skip
    expected = _state(query, database_url)

    # A database migrated to head but empty, and one without any schema at all.
    for target in (other_database_url, empty_database_url):
        restored = last_json(cli("db", "restore", str(dump), "--json", url=target))
        assert restored["verified"] is True
        assert _state(query, target) == expected
        organized = query(
            "SELECT count(DISTINCT t.id) FILTER (WHERE t.due_date IS NOT NULL) AS all_day,"
            " count(DISTINCT t.id) FILTER (WHERE t.priority = 3) AS high,"
            " count(DISTINCT t.id) FILTER (WHERE g.name = 'Santé') AS tagged"
            " FROM tasks t LEFT JOIN task_tags tt ON tt.task_id = t.id"
            " LEFT JOIN tags g ON g.id = tt.tag_id",
            url=target,
        )
        assert organized == [{"all_day": 16, "high": 10, "tagged": 20}]
        archived = "SELECT due_date::text, priority, tags FROM tasks_archive"
        assert query(archived, url=target) == [
            {"due_date": "2026-01-02", "priority": 2, "tags": ["errands", "Santé"]}
        ]
        security = query(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relname IN ('tasks', 'tasks_archive', 'tags', 'task_tags') ORDER BY relname",
            url=target,
        )
        assert len(security) == 4
        assert all(row["relrowsecurity"] and row["relforcerowsecurity"] for row in security)
        policies = "SELECT tablename, policyname, qual FROM pg_policies ORDER BY 1, 2"
        assert query(policies, url=target) == query(policies)
        assert len(query(policies, url=target)) >= 2
        assert query("SELECT version_num FROM alembic_version", url=target) == query(
            "SELECT version_num FROM alembic_version"
        )


def test_restore_over_data_is_refused_unless_forced(
    cli: Cli, query: Query, tmp_path: Path, other_database_url: str
) -> None:
    _populate(query)
    dump = tmp_path / "todo.dump"
    assert cli("db", "backup", str(dump)).exit_code == 0
    query("INSERT INTO users (email) VALUES ('keep@example.com')", url=other_database_url)
    before = _state(query, other_database_url)

    refused = cli("db", "restore", str(dump), url=other_database_url)
    assert refused.exit_code == 1
    assert "not empty" in refused.stderr
    assert "--force" in refused.stderr
    assert _state(query, other_database_url) == before

    forced = cli("db", "restore", str(dump), "--force", url=other_database_url)
    assert forced.exit_code == 0, forced.output
    assert "every table matches" in forced.stdout
    assert (
        query("SELECT email FROM users WHERE email = 'keep@example.com'", url=other_database_url)
        == []
    )
    assert len(query("SELECT id FROM tasks", url=other_database_url)) == 40


def test_a_damaged_backup_is_refused(
    cli: Cli, query: Query, tmp_path: Path, other_database_url: str
) -> None:
    _populate(query)
    dump = tmp_path / "todo.dump"
    assert cli("db", "backup", str(dump)).exit_code == 0
    with dump.open("ab") as file:
        file.write(b"\0")
    result = cli("db", "restore", str(dump), url=other_database_url)
    assert result.exit_code == 1
    assert "does not match its manifest" in result.stderr
    assert query("SELECT count(*) AS n FROM tasks", url=other_database_url) == [{"n": 0}]


def test_a_missing_client_version_is_named() -> None:
    with pytest.raises(binaries.ClientNotFound, match="pg_dump for PostgreSQL 99 not found") as err:
        binaries.find("pg_dump", 99)
    assert "postgresql-client-99" in err.value.message


def test_a_failing_dump_reports_the_client_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("db", "backup", str(tmp_path / "missing" / "todo.dump"))
    assert result.exit_code == 1
    assert "pg_dump failed" in result.stderr
    assert not (tmp_path / "missing").exists()
