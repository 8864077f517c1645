"""Find pg_dump / pg_restore of the same major version as the server."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from todo.errors import DomainError

DEBIAN_LAYOUT = "/usr/lib/postgresql/{major}/bin"


class ClientNotFound(DomainError):
    code, status = "CLIENT_NOT_FOUND", 500


def _embedded_dir() -> Path | None:
    try:
        from todo.embedded import client_bin_dir

        return client_bin_dir()
    except Exception:  # the embedded package is optional at run time
        return None


def candidates(program: str, major: int) -> list[Path]:
    """Where to look, in order: the embedded server's programs, the Debian layout, PATH."""
    places = [_embedded_dir(), Path(DEBIAN_LAYOUT.format(major=major))]
    found = [place / program for place in places if place is not None]
    on_path = shutil.which(program)
    if on_path:
        found.append(Path(on_path))
    return found


def major_of(executable: Path) -> int | None:
    """The major version a client program reports (`pg_dump (PostgreSQL) 15.4` -> 15)."""
    if not executable.is_file():
        return None
    try:
        output = subprocess.run(  # noqa: S603 (a fixed program path, no shell)
            [str(executable), "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s*(\d+)", output)
    return int(match.group(1)) if match else None


def find(program: str, major: int) -> Path:
    """The `program` whose major version is `major`, or ClientNotFound naming what to install."""
    looked = candidates(program, major)
    for executable in looked:
        if major_of(executable) == major:
            return executable
    places = ", ".join(str(path) for path in looked) or "nowhere"
    raise ClientNotFound(
        f"{program} for PostgreSQL {major} not found (looked at {places}); install the "
        f"PostgreSQL {major} client programs (Debian/Ubuntu: postgresql-client-{major})"
    )
