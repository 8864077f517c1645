"""The BETTER_AUTH_SECRET that `todo serve` makes when none is configured.

It is kept in DATA_DIR/secret (mode 0600) so sessions, cookies and the encrypted JWT signing
key survive restarts; every worker process receives it through the environment.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_NAME = "secret"
MIN_LENGTH = 32


def load_or_create(data_dir: Path) -> str:
    """The secret stored in `data_dir`, made (64 random URL-safe characters) on first use."""
    path = data_dir / FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_urlsafe(48) + "\n")
    value = path.read_text().strip()
    if len(value) < MIN_LENGTH:
        raise ValueError(f"{path} holds fewer than {MIN_LENGTH} characters")
    return value
