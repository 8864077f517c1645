"""Operator commands refuse a role that row-level security would confine, instead of quietly
working on the fraction of rows it can see."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from ..conftest import PREFIX
from .conftest import Cli, Query


@pytest.fixture
def confined_url(database_url: str, query: Query) -> Iterator[str]:
    """A URL to the test's database as a login role without BYPASSRLS (dropped afterwards)."""
    role = f"{PREFIX}_confined"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        conn.execute(
            sql.SQL(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
            ).format(sql.Identifier(role))
        )
    parts = urlsplit(database_url)
    yield urlunsplit(parts._replace(netloc=f"{role}@{parts.netloc.rpartition('@')[2]}"))
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.mark.parametrize(
    "command",
    [
        ("db", "archive", "--older-than", "1d"),
        ("db", "stats"),
        ("db", "seed", "--users", "2", "--tasks-per-user", "1"),
        ("db", "cleanup", "--synthetic"),
        ("db", "backup", "{dump}"),
    ],
    ids=["archive", "stats", "seed", "cleanup", "backup"],
)
def test_a_role_subject_to_rls_is_refused_with_one_clear_line(
    cli: Cli, confined_url: str, query: Query, tmp_path: Path, command: tuple[str, ...]
) -> None:
    before = query(
        "SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM tasks) AS tasks"
    )
    args = [part.format(dump=tmp_path / "todo.dump") for part in command]
    result = cli(*args, url=confined_url)
    assert result.exit_code == 1, result.output
    assert "subject to row-level security" in result.output
    assert "BYPASSRLS" in result.output
    assert "Traceback" not in result.output
    assert (
        query("SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM tasks) AS tasks")
        == before
    )
    assert not (tmp_path / "todo.dump").exists()
