"""Database fixtures: every test gets its own database, cloned from one migrated template.

With TEST_DATABASE_URL unset the suite starts a private embedded PostgreSQL; otherwise it uses
that server (the URL names a maintenance database such as `postgres`). Either way it only
creates, uses and drops databases whose names start with this run's own prefix.
"""

from __future__ import annotations

import itertools
import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from todo import migrate
from todo.db import Database, with_database
from todo.embedded import embedded_postgres

from . import logscan

PREFIX = f"todo_test_{os.getpid()}_{secrets.token_hex(3)}"
_counter = itertools.count()
LOG_SCAN = "tests/test_log_scan.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The log scan runs last, when every other test has logged what it logs."""
    items.sort(key=lambda item: item.nodeid.startswith(LOG_SCAN))


@pytest.fixture(scope="session", autouse=True)
def run_logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[logscan.RunLogs]:
    """Every log record of the run (all loggers, INFO and above) in one file, and the session
    tokens the run issued; servers started as subprocesses log beside it (`process_log`)."""
    with logscan.capturing(tmp_path_factory.mktemp("run-logs")) as run:
        yield run


def _admin(server_url: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(server_url, autocommit=True)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A URL to a maintenance database on the server under test."""
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield given
        return
    with (
        tempfile.TemporaryDirectory(prefix="todo-test-pg-") as data_dir,
        embedded_postgres(Path(data_dir), database="postgres") as url,
    ):
        yield url


@pytest.fixture(scope="session")
def template_db(server_url: str) -> Iterator[str]:
    """The name of a database migrated to head; tests clone it."""
    name = f"{PREFIX}_template"
    with _admin(server_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    migrate.upgrade(with_database(server_url, name))
    yield name
    with _admin(server_url) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (PREFIX + "%",)
        ).fetchall()
        for (leftover,) in rows:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(str(leftover))
                )
            )


def create_database(server_url: str, *, template: str | None) -> str:
    """A new database of this run's own (a copy of `template`, or empty); its name."""
    name = f"{PREFIX}_{next(_counter)}"
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with _admin(server_url) as conn:
        conn.execute(statement)
    return name


def drop_database(server_url: str, name: str) -> None:
    assert name.startswith(PREFIX)
    with _admin(server_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def database_url(server_url: str, template_db: str) -> Iterator[str]:
    """A URL to a fresh database at the head revision, dropped after the test."""
    name = create_database(server_url, template=template_db)
    yield with_database(server_url, name)
    drop_database(server_url, name)


@pytest.fixture
def empty_database_url(server_url: str) -> Iterator[str]:
    """A URL to a fresh database with no schema at all, dropped after the test."""
    name = create_database(server_url, template=None)
    yield with_database(server_url, name)
    drop_database(server_url, name)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """An open pool on the test's own database."""
    database = Database(database_url, pool_size=2, max_overflow=2, pool_timeout=10)
    await database.open()
    yield database
    await database.close()
