"""The SQLModel metadata shared by every table model; Alembic compares migrations against it."""

from sqlmodel import SQLModel

# Names follow the spec's convention: pk_, fk_, uk_, idx_ (checks are named by hand: chk_).
SQLModel.metadata.naming_convention = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "uq": "uk_%(table_name)s_%(column_0_name)s",
    "ix": "idx_%(table_name)s_%(column_0_name)s",
}

metadata = SQLModel.metadata


def load_all() -> None:
    """Import every table model so that `metadata` knows all tables."""
    from todo.archive import models as archive_models  # noqa: F401
    from todo.auth import models as auth_models  # noqa: F401
    from todo.tasks import models as task_models  # noqa: F401
    from todo.web import models as web_models  # noqa: F401
