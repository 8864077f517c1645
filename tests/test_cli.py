"""The operator's `todo db ...` commands, run through the real CLI against a test database."""

from __future__ import annotations

import json

import psycopg
import pytest
from typer.testing import CliRunner

from todo import demo
from todo.cli import app

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: object) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path)}


def _demo_state(url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT u.email, u.name, u.email_verified, t.title, t.completed "
            "FROM users u JOIN tasks t ON t.user_id = u.id ORDER BY t.title"
        ).fetchall()


def test_seed_creates_the_spec_demo_data_once(env: dict[str, str], database_url: str) -> None:
    first = runner.invoke(app, ["db", "seed"], env=env)
    assert first.exit_code == 0, first.output
    assert "tasks added: 5" in first.output
    state = _demo_state(database_url)
    assert state == sorted(
        [(demo.DEMO_EMAIL, "Test User", True, title, done) for title, done in demo.DEMO_TASKS],
        key=lambda row: str(row[3]),
    )
    second = runner.invoke(app, ["db", "seed"], env=env)
    assert second.exit_code == 0, second.output
    assert "already there; tasks added: 0" in second.output
    assert _demo_state(database_url) == state


def test_cleanup_removes_exactly_the_demo_data(env: dict[str, str], database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        user = conn.execute(
            "INSERT INTO users (email) VALUES ('keep@example.com') RETURNING id"
        ).fetchone()
        assert user is not None
        conn.execute("INSERT INTO tasks (user_id, title) VALUES (%s, 'Buy groceries')", user)
    assert runner.invoke(app, ["db", "seed"], env=env).exit_code == 0
    result = runner.invoke(app, ["db", "cleanup"], env=env)
    assert result.exit_code == 0, result.output
    assert "demo data removed" in result.output
    with psycopg.connect(database_url) as conn:
        left = conn.execute(
            "SELECT u.email, t.title FROM users u JOIN tasks t ON t.user_id = u.id"
        ).fetchall()
        users = conn.execute("SELECT email FROM users").fetchall()
    assert left == [("keep@example.com", "Buy groceries")]
    assert users == [("keep@example.com",)]
    again = runner.invoke(app, ["db", "cleanup"], env=env)
    assert again.exit_code == 0
    assert "no demo data" in again.output


def test_health_reports_a_healthy_database(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["db", "health", "--json"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True
    assert report["reachable"] is True
    assert report["current_revision"] == report["head_revision"] is not None
    assert int(report["server_version"].split(".")[0]) >= 15
    assert report["latency_ms"] > 0
    human = runner.invoke(app, ["db", "health"], env=env)
    assert human.exit_code == 0
    assert "healthy" in human.output


def test_health_fails_when_migrations_are_pending(env: dict[str, str]) -> None:
    assert runner.invoke(app, ["db", "downgrade", "001"], env=env).exit_code == 0
    result = runner.invoke(app, ["db", "health", "--json"], env=env)
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False
    assert report["current_revision"] == "001"
    assert "head is" in report["error"]


def test_health_fails_when_the_server_is_unreachable(tmp_path: object) -> None:
    env = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none", "DATA_DIR": str(tmp_path)}
    result = runner.invoke(app, ["db", "health", "--json"], env=env)
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["reachable"] is False
    assert report["error"]


def test_upgrade_downgrade_current_and_history(env: dict[str, str]) -> None:
    down = runner.invoke(app, ["db", "downgrade", "base"], env=env)
    assert down.exit_code == 0, down.output
    assert "database at base" in down.output
    pending = runner.invoke(app, ["db", "current"], env=env)
    assert "current: base" in pending.output
    assert "migrations pending" in pending.output
    up = runner.invoke(app, ["db", "upgrade"], env=env)
    assert up.exit_code == 0, up.output
    now = runner.invoke(app, ["db", "current"], env=env)
    assert "up to date" in now.output
    history = runner.invoke(app, ["db", "history"], env=env)
    assert history.exit_code == 0
    assert "001" in history.output
    assert "002" in history.output


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DB_POOL_SIZE", "lots", "invalid setting DB_POOL_SIZE"),
        ("DB_POOL_SIZE", "0", "invalid setting DB_POOL_SIZE"),
        ("DB_POOL_TIMEOUT", "-1", "invalid setting DB_POOL_TIMEOUT"),
        ("DATABASE_URL", "mysql://x@y/z", "invalid setting DATABASE_URL: must be a postgresql"),
        ("PORT", "70000", "invalid setting PORT"),
        ("LOG_LEVEL", "loud", "invalid setting LOG_LEVEL"),
    ],
)
def test_invalid_settings_fail_with_one_clear_line(name: str, value: str, message: str) -> None:
    result = runner.invoke(app, ["db", "current"], env={name: value})
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
