"""Alembic, driven from code: the migrations ship inside the package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool

from todo.db import sqlalchemy_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config for the database at `url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Revert migrations down to `revision` (`base` removes everything)."""
    command.downgrade(alembic_config(url), revision)


@dataclass(frozen=True)
class Revision:
    revision: str
    down_revision: str | None
    doc: str


def history(url: str) -> list[Revision]:
    """Every migration, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(url))
    revisions = list(script.walk_revisions())
    revisions.reverse()
    return [
        Revision(r.revision, r.down_revision, (r.doc or "").splitlines()[0])  # type: ignore[arg-type]
        for r in revisions
    ]


def head(url: str) -> str | None:
    """The newest migration's revision id."""
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current(url: str) -> str | None:
    """The revision the database is at (None before the first migration)."""
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
