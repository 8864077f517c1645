"""`todo db pitr-drill`: a WAL archive and a base backup restored to T on a throwaway cluster
bring back exactly the tasks acknowledged before T, as they were at T."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from todo.cli import app

from .conftest import last_json


def _workspaces() -> set[str]:
    return {path.name for path in Path(tempfile.gettempdir()).glob("todo-pitr-*")}


@pytest.mark.parametrize(
    "options",
    [[], ["--postgres", "15", "--by-time"]],
    ids=["embedded, restore point", "15, timestamp"],
)
def test_pitr_drill_restores_exactly_the_writes_before_t(options: list[str]) -> None:
    before = _workspaces()
    result = CliRunner().invoke(
        app, ["db", "pitr-drill", "--tasks", "12", "--json", *options], catch_exceptions=False
    )
    report = last_json(result)
    assert report["problems"] == []
    assert report["ok"] is True
    assert report["acked_before"] == report["found_before"] == 12
    assert report["acked_after"] == 6
    assert report["found_after"] == 0
    assert report["changed_after"] == 8  # toggled or deleted after T, as they were at T again
    assert report["server_version"].startswith("15" if "15" in options else "18")
    target = "time " if "--by-time" in options else "restore point 'pitr-drill-"
    assert report["target"].startswith(target)
    assert report["restore_seconds"] > 0
    assert _workspaces() == before  # the clusters and their files are gone
