"""Fixtures for the operator tools: the `todo` CLI pointed at the test's own database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import rows
from typer.testing import CliRunner, Result

from todo.cli import app
from todo.db import with_database

from ..conftest import create_database, drop_database

Cli = Callable[..., Result]
Query = Callable[..., list[dict[str, Any]]]


@pytest.fixture
def cli(database_url: str) -> Cli:
    """Run `todo ...` with DATABASE_URL set to the test's database; the result of the run."""

    def run(*args: str, url: str | None = None) -> Result:
        env = {"DATABASE_URL": url or database_url}
        return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)

    return run


@pytest.fixture
def query(database_url: str) -> Query:
    """Run one statement as the owner on the test's database; its rows as dicts."""

    def run(statement: str, params: Any = None, *, url: str | None = None) -> list[dict[str, Any]]:
        with psycopg.connect(url or database_url, autocommit=True) as conn:
            cursor = conn.cursor(row_factory=rows.dict_row)
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    return run


def last_json(result: Result) -> Any:
    """The JSON document a `--json` command printed."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def other_database_url(server_url: str, template_db: str) -> Iterator[str]:
    """A second fresh database at head (a restore target), dropped after the test."""
    name = create_database(server_url, template=template_db)
    yield with_database(server_url, name)
    drop_database(server_url, name)
