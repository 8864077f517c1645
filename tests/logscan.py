"""What a whole test run logs, kept for the scan that runs last (tests/test_log_scan.py), and
what that scan looks for: the credentials the run used.

Every log record of the run, from every logger at INFO and above, is written to one file in
the run's temporary directory; servers the tests start as subprocesses write their stderr
beside it (`RunLogs.process_log`). Session tokens are recorded as the run issues them.
"""

from __future__ import annotations

import ast
import hashlib
import itertools
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from todo.auth import repository as auth_repository
from todo.auth import tokens

from .helpers import PASSWORDS

TESTS = Path(__file__).parent
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_numbers = itertools.count()


@dataclass
class RunLogs:
    """The run's log directory, and the session tokens the run issued."""

    directory: Path
    generated_tokens: set[str] = field(default_factory=set)
    session_hashes: set[bytes] = field(default_factory=set)

    @property
    def main(self) -> Path:
        """The file every in-process log record goes to."""
        return self.directory / "run.log"

    def process_log(self, name: str) -> Path:
        """A new file for the stderr of a server process a test starts."""
        return self.directory / f"process-{name}-{next(_numbers)}.log"

    def texts(self) -> dict[Path, str]:
        """Everything logged so far, by file."""
        return {path: path.read_text(errors="replace") for path in sorted(self.directory.iterdir())}

    def session_tokens(self) -> set[str]:
        """The raw tokens of every session the run created."""
        return {t for t in self.generated_tokens if tokens.hash_token(t) in self.session_hashes}


@contextmanager
def capturing(directory: Path) -> Iterator[RunLogs]:
    """Send every log record at INFO and above to `directory`/run.log, and record the session
    tokens issued, until the block ends."""
    run = RunLogs(directory)
    handler = logging.FileHandler(run.main, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        with pytest.MonkeyPatch.context() as patch:
            _record_session_tokens(patch, run)
            yield run
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


def _record_session_tokens(patch: pytest.MonkeyPatch, run: RunLogs) -> None:
    """Remember every token generated and every session hash stored; a token whose hash was
    stored as a session's is a session token (emailed tokens are not)."""
    new_token, insert_session = tokens.new_token, auth_repository.insert_session

    def recording_new_token(length: int = 32) -> str:
        token = new_token(length)
        run.generated_tokens.add(token)
        return token

    async def recording_insert_session(tx: Any, *, token_hash: bytes, **values: Any) -> Any:
        run.session_hashes.add(token_hash)
        return await insert_session(tx, token_hash=token_hash, **values)

    patch.setattr(tokens, "new_token", recording_new_token)
    patch.setattr(auth_repository, "insert_session", recording_insert_session)


# --- what the tests use as passwords and secrets ---

_PASSWORDISH = re.compile("password", re.IGNORECASE)
_SECRETISH = re.compile("secret", re.IGNORECASE)
_SIGNING_HELPERS = {"sign_in", "sign_up"}  # (client, email, password, ...)
MIN_LENGTH = 6


class _Literals(ast.NodeVisitor):
    """The string literals a test module passes or assigns as passwords."""

    def __init__(self, constants: dict[str, str]) -> None:
        self.constants = constants
        self.found: set[str] = set()

    def _take(self, node: ast.AST | None) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            self.found.add(node.value)
        elif isinstance(node, ast.BinOp) and _only_constants(node):
            # Such as "A1" + "b" * 126: constants only, so evaluating it runs nothing else.
            value = eval(compile(ast.Expression(node), "<password>", "eval"), {"__builtins__": {}})  # noqa: S307
            if isinstance(value, str):
                self.found.add(value)
        elif isinstance(node, ast.Name) and node.id in self.constants:
            self.found.add(self.constants[node.id])
        elif isinstance(node, ast.Tuple | ast.List):
            for element in node.elts:
                self._take(element)

    def visit_Call(self, node: ast.Call) -> None:
        for keyword in node.keywords:
            if keyword.arg and _PASSWORDISH.search(keyword.arg):
                self._take(keyword.value)
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name in _SIGNING_HELPERS and len(node.args) >= 3:
            self._take(node.args[2])
        # page.get_by_label("Current password").fill("...")
        receiver = getattr(node.func, "value", None)
        if name == "fill" and isinstance(receiver, ast.Call) and node.args:
            labels = [a.value for a in receiver.args if isinstance(a, ast.Constant)]
            if any(isinstance(label, str) and _PASSWORDISH.search(label) for label in labels):
                self._take(node.args[0])
        self._parametrized(node)
        self.generic_visit(node)

    def _parametrized(self, node: ast.Call) -> None:
        """`parametrize(("password", ...), [(value, ...), ...])`: the password column."""
        if getattr(node.func, "attr", None) != "parametrize" or len(node.args) < 2:
            return
        names = node.args[0]
        if isinstance(names, ast.Constant) and isinstance(names.value, str):
            columns = [part.strip() for part in names.value.split(",")]
        elif isinstance(names, ast.Tuple):
            columns = [e.value for e in names.elts if isinstance(e, ast.Constant)]
        else:
            return
        wanted = [i for i, column in enumerate(columns) if _PASSWORDISH.search(str(column))]
        rows = node.args[1].elts if isinstance(node.args[1], ast.List | ast.Tuple) else []
        for row, index in itertools.product(rows, wanted):
            if isinstance(row, ast.Tuple) and index < len(row.elts):
                self._take(row.elts[index])
            elif len(columns) == 1:
                self._take(row)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and _PASSWORDISH.search(str(key.value)):
                self._take(value)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._assigned(target, node.value)
        self.generic_visit(node)

    def _assigned(self, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            for one, other in zip(target.elts, value.elts, strict=False):
                self._assigned(one, other)
            return
        name = getattr(target, "id", None) or getattr(target, "attr", None)
        if name and _PASSWORDISH.search(name):
            self._take(value)


def _only_constants(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str | int)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mult):
        return _only_constants(node.left) and _only_constants(node.right)
    return False


def _module_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level `NAME = "literal"` assignments."""
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    constants[target.id] = node.value.value
    return constants


def used_passwords() -> set[str]:
    """Every password the tests use: literals in password positions of every test module, and
    whatever `tests.helpers.password` registered (computed ones)."""
    found = set(PASSWORDS)
    for path in TESTS.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        visitor = _Literals(_module_constants(tree))
        visitor.visit(tree)
        found |= visitor.found
    return {password for password in found if len(password) >= MIN_LENGTH}


def used_secrets() -> set[str]:
    """Every module-level `*SECRET*` string of the test modules loaded in this run."""
    found = set()
    for name, module in list(sys.modules.items()):
        if not name.startswith("tests.") or module is None:
            continue
        for attribute, value in vars(module).items():
            if _SECRETISH.search(attribute) and isinstance(value, str) and len(value) >= 16:
                found.add(value)
    return found


def session_token_digest(token: str) -> str:
    """How the scan names a token it found (never the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]
