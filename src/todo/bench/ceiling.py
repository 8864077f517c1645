"""The raw-SQL ceiling of `todo bench api`: the statements the API runs for get and list, in
the same round trips, driven by pgbench on the same database (no web process in the way).

The statements are not copied: they are made by the same functions the API calls (the
transaction's prelude, the caller check, the task query, the request count) and recorded. Each
transaction picks a random user (and one of their tasks) first: `\\set` draws a random 32-bit
number and the user is the first whose id is not below the UUID it starts (ids are random), an
index probe in one extra round trip that the API does not make.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from todo import db as database
from todo.api import repository as api_repository
from todo.db import Query, Row, Transaction
from todo.tasks import repository as tasks
from todo.tasks.repository import ListOptions

INSTALL_HINT = "pgbench is not installed (Debian: postgresql-client or postgresql-15)"
_USER = UUID(int=1)  # placeholders, replaced by pgbench variables
_TASK = UUID(int=2)
TICK = 0.2
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|%%")


class _Recorded(Exception):
    """The repository function has sent its one batch: stop it there."""


class _Recorder:
    """Stands in for a Transaction to record the statements a repository function sends."""

    def __init__(self) -> None:
        self.queries: list[Query] = []

    async def batch(self, *queries: Query) -> list[list[Row]]:
        self.queries += queries
        raise _Recorded

    async def fetch_one(self, query: str, params: Any = ()) -> Row | None:
        self.queries.append((query, params))
        raise _Recorded


def _recorded(pattern: str) -> list[Query]:
    recorder = _Recorder()
    tx = cast(Transaction, recorder)
    work = (
        tasks.get_task(tx, user_id=_USER, task_id=_TASK)
        if pattern == "get"
        else tasks.list_tasks(tx, user_id=_USER, options=ListOptions())
    )
    with contextlib.suppress(_Recorded):
        work.send(None)
    return recorder.queries


Windows = tuple[tuple[str, int, int], ...]
"""The rate-limit windows the server counts in: (kind, seconds, limit); none when off."""


def round_trips(pattern: str, *, windows: Windows) -> list[list[Query]]:
    """The API's round trips for `pattern` (get or list): one, as its work is one batch
    (`Transaction.closing`): the prelude, the caller check (a JWT's), the pattern's statements,
    the request count (when limits are on) and COMMIT."""
    identity = (database.RUNTIME_ROLE, "", *database.DEFAULT_LIMITS.settings())
    check = api_repository.caller_check(
        user_id=_USER, session_token_hash=None, windows=windows, path_user_id=_USER
    )
    count = [api_repository.count_request(windows=windows)] if windows else []
    trip = [("BEGIN", ()), (database._PRELUDE, identity), check, *_recorded(pattern)]
    return [[*trip, *count, ("COMMIT", ())]]


@dataclass
class Script:
    """A pgbench script and the constants (-D) it uses."""

    text: str
    constants: dict[str, str]

    def statement(self, query: Query) -> str:
        sql, params = query
        position = iter(range(len(params))) if isinstance(params, Sequence) else None

        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "%%":
                return "%"
            if match.group(1) is not None:
                value = cast(dict[str, Any], params)[match.group(1)]
            else:
                assert position is not None
                value = cast(Sequence[Any], params)[next(position)]
            return self.variable(value)

        return _PLACEHOLDER.sub(replace, sql).strip() + ";"

    def variable(self, value: object) -> str:
        """The pgbench variable (a -D constant unless the user or task) standing for `value`."""
        if value == _USER:
            return ":uid"
        if value == _TASK:
            return ":tid"
        if value == "":
            return "''"  # pgbench cannot define an empty variable
        text = "{" + ",".join(map(str, value)) + "}" if isinstance(value, list | tuple) else value
        if isinstance(value, bool):
            text = "true" if value else "false"
        for name, known in self.constants.items():
            if known == str(text):
                return ":" + name
        name = f"c{len(self.constants)}"
        self.constants[name] = str(text)
        return ":" + name


# A random user of those with tasks (wrapping around past the highest id), and one task of theirs.
_PICK = """\\set r random(0, 4294967295)
SELECT uid, (SELECT id FROM tasks WHERE user_id = uid LIMIT 1) AS tid FROM (SELECT coalesce(
  (SELECT id FROM users WHERE EXISTS (SELECT FROM tasks WHERE user_id = users.id)
   AND id >= (lpad(to_hex(:r::bigint), 8, '0') || '-0000-4000-8000-000000000000')::uuid
   ORDER BY id LIMIT 1),
  (SELECT id FROM users WHERE EXISTS (SELECT FROM tasks WHERE user_id = users.id)
   ORDER BY id LIMIT 1)) AS uid) AS picked
\\gset"""


def script(pattern: str, *, windows: Windows) -> Script:
    """The pgbench script of one pattern, for random users of the database."""
    made = Script("", {})
    lines = [_PICK]
    for trip in round_trips(pattern, windows=windows):
        lines += ["\\startpipeline", *(made.statement(q) for q in trip), "\\endpipeline"]
    made.text = "\n".join(lines) + "\n"
    return made


def find() -> str | None:
    """pgbench on PATH, else PostgreSQL 15's."""
    found = shutil.which("pgbench")
    default = Path("/usr/lib/postgresql/15/bin/pgbench")
    return found or (str(default) if default.exists() else None)


@dataclass(frozen=True)
class Ceiling:
    pattern: str
    tps: float
    transactions: int
    clients: int
    seconds: int


def run(
    program: str,
    url: str,
    pattern: str,
    *,
    clients: int,
    threads: int,
    seconds: int,
    windows: Windows,
    while_running: Callable[[], object] = lambda: None,
) -> Ceiling:
    """Transactions per second of `pattern`'s statements through pgbench; `while_running` is
    called every TICK seconds until it ends."""
    made = script(pattern, windows=windows)
    with tempfile.TemporaryDirectory(prefix="todo-bench-") as folder:
        path = Path(folder) / f"{pattern}.sql"
        path.write_text(made.text)
        command = [program, "--no-vacuum", "--protocol=prepared", f"--client={clients}"]
        command += [f"--jobs={min(threads, clients)}", f"--time={seconds}", f"--file={path}"]
        command += [f"--define={name}={value}" for name, value in made.constants.items()]
        with subprocess.Popen(  # noqa: S603
            [*command, database.libpq_url(url)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as running:
            while True:
                try:
                    stdout, stderr = running.communicate(timeout=TICK)
                    break
                except subprocess.TimeoutExpired:
                    while_running()
    found = re.search(r"^tps = ([\d.]+)", stdout, re.MULTILINE)
    failed = re.search(r"number of failed transactions: (\d+)", stdout)
    if running.returncode != 0 or found is None or (failed and int(failed.group(1))):
        raise RuntimeError(f"pgbench failed: {stderr.strip() or stdout.strip()}")
    count = re.search(r"number of transactions actually processed: (\d+)", stdout)
    transactions = int(count.group(1)) if count else 0
    return Ceiling(pattern, float(found.group(1)), transactions, clients, seconds)
