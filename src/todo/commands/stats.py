"""`todo db stats`: the database at a glance."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from todo.commands import common
from todo.monitoring import service


def stats(
    exact: Annotated[
        bool, typer.Option("--exact", help="Count rows with count(*) (slow on big tables).")
    ] = False,
    top: Annotated[int, typer.Option(min=1, max=100, help="Slowest statements to show.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Row counts, table and index sizes, index usage (and indexes never used), cache hit
    ratio, the slowest statements (pg_stat_statements) and current lock waits."""
    report = common.run(lambda db: service.collect(db, exact=exact, top=top))
    if as_json:
        common.print_json(report)
        return
    for part in (_tables(report), _indexes(report), _cache(report)):
        common.console.print(part)
    if report["statements"]["available"]:
        common.console.print(_statements(report))
    else:
        common.console.print(
            f"[yellow]slowest statements unavailable:[/] {report['statements']['hint']}",
            highlight=False,
        )
    common.console.print(_waits(report))


def _size(value: int | None) -> str:
    size = float(value or 0)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024:
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} TB"


def _tables(report: dict[str, Any]) -> Table:
    exact = report["row_counts"] == "exact"
    title = "tables" if report["sizes"] == "exact" else f"tables (sizes {report['sizes']})"
    table = Table("table", "rows" if exact else "rows (est.)", "data", "indexes", "total",
                  "seq scans", "index scans", title=title)  # fmt: skip
    for row in report["tables"]:
        count = row["rows"] if exact else row["estimated_rows"]
        table.add_row(
            row["name"], f"{count or 0:,}", _size(row["table_bytes"]), _size(row["index_bytes"]),
            _size(row["total_bytes"]), f"{row['seq_scan'] or 0:,}", f"{row['idx_scan'] or 0:,}",
        )  # fmt: skip
    return table


def _indexes(report: dict[str, Any]) -> Table:
    table = Table("table", "index", "size", "scans", "note", title="index usage")
    for row in report["indexes"]:
        note = ""
        if not row["scans"]:
            note = "never used" + (" (a key)" if row["enforces_constraint"] else "")
        table.add_row(row["table"], row["name"], _size(row["bytes"]), f"{row['scans']:,}", note)
    return table


def _cache(report: dict[str, Any]) -> Table:
    table = Table("cache hit ratio", "", title="buffer cache")
    for name, value in report["cache_hit_ratio"].items():
        if name == "since":
            table.add_row("statistics since", str(value or "server start"))
        else:
            table.add_row(name, "-" if value is None else f"{value:.2%}")
    return table


def _statements(report: dict[str, Any]) -> Table:
    table = Table("mean ms", "calls", "total ms", "statement", title="slowest statements")
    for row in report["statements"]["slowest"]:
        table.add_row(str(row["mean_ms"]), f"{row['calls']:,}", str(row["total_ms"]), row["query"])
    return table


def _waits(report: dict[str, Any]) -> Table | str:
    if not report["lock_waits"]:
        return "lock waits: none right now"
    table = Table("pid", "blocked by", "waiting", "statement", title="lock waits")
    for row in report["lock_waits"]:
        blockers = ", ".join(str(pid) for pid in row["blocked_by"]) or "-"
        table.add_row(str(row["pid"]), blockers, f"{row['waiting_seconds']:.1f} s", row["query"])
    return table
