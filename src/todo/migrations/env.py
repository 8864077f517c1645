"""Alembic environment: the URL comes from `todo.migrate`, never from a file."""

from alembic import context
from sqlalchemy import create_engine, pool

from todo import models

models.load_all()
config = context.config


def run_migrations_online() -> None:
    """Run migrations on one connection, in one transaction per migration."""
    url = config.get_main_option("sqlalchemy.url")
    assert url, "todo.migrate sets sqlalchemy.url"
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=models.metadata,
            compare_type=True,
            compare_server_default=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `todo db upgrade`")
run_migrations_online()
