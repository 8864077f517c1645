"""`todo bench ...` runs and states what it measured on (no timing is asserted)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from todo.cli import app

runner = CliRunner()


def test_bench_uow_reports_data_size_concurrency_and_machine(database_url: str) -> None:
    result = runner.invoke(
        app,
        ["bench", "uow", "--users", "3", "--tasks", "4", "--clients", "1,2", "--seconds", "0.2"],
        env={"DATABASE_URL": database_url},
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("data: 3 users x 4 tasks; ")
    assert "cores" in lines[0]
    measured = [line for line in lines[1:] if "transactions/s" in line]
    assert len(measured) == 4  # two ways at each of two concurrencies
    assert sum(" 1 clients" in line for line in measured) == 2


def test_bench_seed_reports_rows_per_second_and_machine(database_url: str) -> None:
    result = runner.invoke(
        app,
        ["bench", "seed", "--users", "20", "--tasks-per-user", "3", "--database-url", database_url],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{\n") :])
    assert (report["users"], report["tasks"]) == (20, 60)
    assert report["rows_per_second"] > 0
    assert report["machine"]["cpu"]
