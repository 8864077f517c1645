"""The manifest written beside a backup: what the dump holds, to verify a restore against."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from todo.errors import DomainError

FORMAT = 1


class ManifestError(DomainError):
    code, status = "BAD_BACKUP", 400


@dataclass(frozen=True)
class TableSum:
    rows: int
    checksum: str


@dataclass
class Manifest:
    created_at: str
    server_version: int
    revision: str | None
    dump_sha256: str
    tables: dict[str, TableSum] = field(default_factory=dict)
    format: int = FORMAT

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_dict(), indent=2, sort_keys=True) + "\n")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_text())
            tables = {name: TableSum(**value) for name, value in data.pop("tables").items()}
            manifest = cls(**data, tables=tables)
        except FileNotFoundError:
            raise ManifestError(f"no manifest beside the backup: {path} is missing") from None
        except (ValueError, TypeError, KeyError) as error:
            raise ManifestError(f"unreadable manifest {path}: {error}") from None
        if manifest.format != FORMAT:
            raise ManifestError(f"manifest format {manifest.format} is not supported")
        return manifest


def path_for(backup: Path) -> Path:
    """Where the manifest of `backup` lives: `FILE.manifest.json`."""
    return backup.with_name(backup.name + ".manifest.json")


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
