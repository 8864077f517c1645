"""Reading and writing the export formats; every row is validated before anything is stored.

JSON: `{"format": "todo-export", "version": 2, "exported_at", "user_id", "tags": [...],
"tasks": [...]}` where a tag is `{name, color}` (every tag of the user's, used or not) and a
task is `{id, title, description, completed, due_at, all_day, priority, tags, created_at,
updated_at, archived_at}`: `due_at`, `all_day` and `priority` as the task API shows them
(`"2026-12-05"` for an all-day task, an RFC 3339 instant otherwise), `tags` the names of the
task's tags. Import takes the same document (or just the list of tasks), version 1 (without
the organizing fields) too; `id`, `user_id` and `all_day` (the form of `due_at` says it) are
ignored, the rest is optional except `title`. CSV: a header line, then one task per record;
import needs a `title` column and understands the export's other columns; its `tags` cell is
itself a line of comma-separated names (CSV-quoted when a name holds a comma).
Rows are numbered from 1 (CSV: the first record after the header).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal, TypeVar, overload

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from todo.db import Row
from todo.errors import ValidationFailed
from todo.inputs import Timestamp
from todo.tags.models import Color, TagName
from todo.tasks import due as dues
from todo.tasks.models import Description, DueAt, PriorityField, TagNames, Title

FORMAT: Final = "todo-export"
VERSION = 2
CSV_COLUMNS = (
    "id", "title", "description", "completed", "due_at", "all_day", "priority", "tags",
    "created_at", "updated_at", "archived_at",
)  # fmt: skip
MAX_ROWS = 10_000
IGNORED = frozenset({"id", "user_id", "all_day"})
# A spreadsheet runs a cell that starts with one of these as a formula; the export prefixes
# such a value with an apostrophe (which spreadsheets hide) and the import removes it again.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
_TRUE, _FALSE = {"true", "t", "yes", "y", "1"}, {"false", "f", "no", "n", "0", ""}
_MAX_REPORTED = 20


class ImportRejected(ValidationFailed):
    """A row failed validation; nothing was imported."""


class TaskRecord(BaseModel):
    """One task to import."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Title
    description: Description | None = None
    completed: StrictBool = False
    due_at: DueAt = None
    priority: PriorityField = "none"
    tags: TagNames = Field(default_factory=list)
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    archived_at: Timestamp | None = None


class TagRecord(BaseModel):
    """One tag of an export document's `tags` list (a colour for the tags the tasks name, or
    a tag no task carries)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: TagName
    color: Color | None = None


class ImportedTask(TaskRecord):
    """A task of a JSON import as the published schema shows it: the export's `id`,
    `user_id` and `all_day` may come along, and are ignored."""

    id: Any = Field(default=None, description="Ignored: an imported task gets a new id.")
    user_id: Any = Field(default=None, description="Ignored: imported tasks are yours.")
    all_day: Any = Field(default=None, description="Ignored: a date-only due_at is all-day.")


class ImportDocument(BaseModel):
    """A JSON import as the published schema shows it: an export document (its other members
    are ignored). `records_from_document` is what enforces it; a test holds the two together."""

    model_config = ConfigDict(extra="allow")

    format: Literal["todo-export"] = FORMAT
    tags: list[TagRecord] = Field(default_factory=list, max_length=MAX_ROWS)
    tasks: list[ImportedTask] = Field(max_length=MAX_ROWS)


@dataclass(frozen=True)
class Records:
    """A validated import: the tasks, and the tags the document lists (JSON only)."""

    tasks: list[TaskRecord]
    tags: list[TagRecord] = field(default_factory=list)


def to_document(
    *, user_id: Any, tags: list[Row], tasks: list[Row], exported_at: datetime
) -> dict[str, Any]:
    """The JSON export document."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": exported_at.astimezone(UTC).isoformat(),
        "user_id": str(user_id),
        "tags": [{"name": tag["name"], "color": tag["color"]} for tag in tags],
        "tasks": [_jsonable(task) for task in tasks],
    }


def _jsonable(task: Row) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in CSV_COLUMNS:
        if column == "due_at":
            value: Any = dues.shown_due(task["due_at"], task["due_date"])
        elif column == "all_day":
            value = task["due_date"] is not None
        elif column == "priority":
            value = dues.priority_name(task["priority"])
        elif column == "tags":
            value = list(task["tags"])
        else:
            value = task[column]
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat()
        elif column == "id":
            value = str(value)
        out[column] = value
    return out


def to_csv(tasks: list[Row]) -> str:
    """The CSV export: a header and one record per task (RFC 4180 quoting, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for task in tasks:
        row = _jsonable(task)
        writer.writerow([_csv_cell(row[column]) for column in CSV_COLUMNS])
    return buffer.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = _csv_line(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_line(names: list[str]) -> str:
    """Names as one CSV line (no line end): `work,"a, b"`."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(names)
    return buffer.getvalue()


def _csv_value(text: str) -> str:
    escaped = len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_STARTS
    return text[1:] if escaped else text


def records_from_document(document: Any) -> Records:
    """Validate a JSON import (the export document, or a bare list of tasks)."""
    tags: Any = []
    if isinstance(document, Mapping):
        if document.get("format", FORMAT) != FORMAT:
            raise ImportRejected(f"not a todo export (format {document.get('format')!r})")
        rows, tags = document.get("tasks"), document.get("tags", [])
    else:
        rows = document
    if not isinstance(rows, list):
        raise ImportRejected('expected a list of tasks (or an export with a "tasks" list)')
    if not isinstance(tags, list):
        raise ImportRejected('"tags" must be a list of {name, color} objects')
    return Records(_validate(rows), _validate(tags, TagRecord, what="tag"))


def records_from_csv(text: str) -> Records:
    """Validate a CSV import: header with `title`, optional description, completed, timestamps."""
    # Spreadsheets often start a UTF-8 file with a byte-order mark.
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        return _validate_csv(reader)
    except csv.Error as error:  # a NUL byte, a field over the csv module's size limit, ...
        line = f" (line {reader.line_num})" if reader.line_num else ""
        raise ImportRejected(f"the CSV could not be read{line}: {error}") from None


def _validate_csv(reader: csv.DictReader[str]) -> Records:
    header = reader.fieldnames or []
    if "title" not in header:
        raise ImportRejected("the CSV needs a header line with a title column")
    unknown = sorted(set(header) - set(CSV_COLUMNS) - IGNORED)
    if unknown:
        raise ImportRejected(f"unknown CSV columns: {', '.join(unknown)}")
    rows: list[Any] = []
    for record in reader:
        if None in record:
            rows.append({"__extra__": "more values than the header has columns"})
            continue
        rows.append({key: _from_csv(key, value) for key, value in record.items()})
    return Records(_validate(rows))


def _from_csv(column: str, value: str | None) -> Any:
    if value is None:
        return None
    if column == "completed":
        lowered = value.strip().lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else value
    if column in _EMPTY_IS_NONE and value == "":
        return None
    if column == "tags":
        return [name for line in csv.reader([_csv_value(value)]) for name in line]
    if column == "priority" and value == "":
        return "none"
    return _csv_value(value)


_EMPTY_IS_NONE = frozenset(
    {"created_at", "updated_at", "archived_at", "description", "due_at", "all_day"}
)


_KEY = {"row": "title", "tag": "name"}
_NOUN = {"row": "tasks", "tag": "tags"}
Record = TypeVar("Record", bound=BaseModel)


@overload
def _validate(rows: list[Any]) -> list[TaskRecord]: ...
@overload
def _validate(rows: list[Any], model: type[Record], *, what: str) -> list[Record]: ...
def _validate(rows: list[Any], model: type[BaseModel] = TaskRecord, *, what: str = "row") -> Any:
    """Every row checked; the first problems reported, each naming its row and field."""
    if len(rows) > MAX_ROWS:
        noun = _NOUN[what]
        raise ImportRejected(f"too many {noun}: {len(rows):,} (at most {MAX_ROWS:,} per import)")
    records, problems = [], {}
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            problems[f"{what} {number}"] = [f"must be an object with a {_KEY[what]}"]
            continue
        try:
            records.append(model.model_validate({k: v for k, v in row.items() if k not in IGNORED}))
        except ValidationError as error:
            for issue in error.errors():
                where = ".".join(str(part) for part in issue["loc"]) or "row"
                problems.setdefault(f"{what} {number}.{where}", []).append(_message(issue))
        if len(problems) >= _MAX_REPORTED:
            break
    if problems:
        first, messages = next(iter(problems.items()))
        row, _, name = first.partition(".")
        where = f"{row}, field {name}" if name else row
        raise ImportRejected(f"{where}: {messages[0]}; nothing was imported", details=problems)
    return records


def _message(issue: Mapping[str, Any]) -> str:
    if issue["type"] == "extra_forbidden":
        return "is not a task field"
    return str(issue["msg"]).removeprefix("Value error, ")


def split(records: Iterable[TaskRecord]) -> tuple[list[TaskRecord], list[TaskRecord]]:
    """(live, archived) records."""
    live: list[TaskRecord] = []
    archived: list[TaskRecord] = []
    for record in records:
        (archived if record.archived_at else live).append(record)
    return live, archived
