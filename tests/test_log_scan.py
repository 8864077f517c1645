"""The logs of the whole run hold no credential: no password, session token (raw or signed),
JWT or secret the tests used, and no raw email address in an audit line.

It runs last (tests/conftest.py), over everything the run logged (tests/logscan.py), so it
says something only about a run that logged: it fails when the capture saw nothing."""

from __future__ import annotations

import json
import re

from todo import logs

from . import logscan

JWT_SHAPED = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.")
TOKEN_SHAPED = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{32}(?![A-Za-z0-9])")
EMAIL_SHAPED = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# Events every run of the suite produces: proof that the capture saw the service log.
EXPECTED_EVENTS = {
    ("auth.sign_in", "success"),
    ("auth.sign_in", "failure"),
    ("api.credential", "failure"),
}


def _lines(run: logscan.RunLogs) -> list[tuple[str, str]]:
    """(file name, line) for every line logged in the run."""
    return [(path.name, line) for path, text in run.texts().items() for line in text.splitlines()]


def _audit_lines(run: logscan.RunLogs) -> list[dict[str, object]]:
    """Every audit line: `todo.audit` records of the run's own log, and the JSON lines with
    an `event` that server processes wrote (they log JSON, todo.logs.configure)."""
    found = []
    for _, line in _lines(run):
        _, marker, payload = line.partition(f" {logs.AUDIT_LOGGER} ")
        if marker:
            found.append(json.loads(payload))
        elif line.startswith("{") and '"event":' in line:
            found.append(json.loads(line))
    return found


def _shown(name: str, line: str, needles: list[str] = []) -> str:  # noqa: B006
    """A line for a failure message, with whatever it leaked blacked out."""
    for needle in needles:
        line = line.replace(needle, "<LEAKED>")
    line = TOKEN_SHAPED.sub("<TOKEN>", JWT_SHAPED.sub("<JWT>.", line))
    return f"{name}: {line[:300]}"


def _leaks(run: logscan.RunLogs, needles: set[str]) -> list[str]:
    """The lines holding any of `needles`, shown with each needle blacked out."""
    found = []
    for name, line in _lines(run):
        hits = [needle for needle in needles if needle in line]
        if hits:
            found.append(_shown(name, line, hits))
    return found


def test_the_run_logged_what_the_scan_needs(run_logs: logscan.RunLogs) -> None:
    audit = _audit_lines(run_logs)
    seen = {(str(line["event"]), str(line["outcome"])) for line in audit}
    assert run_logs.main.stat().st_size > 0, "nothing was logged: the capture is not working"
    assert seen >= EXPECTED_EVENTS, (
        f"the run logged none of {sorted(EXPECTED_EVENTS - seen)}: the scan needs the whole "
        "suite (it checks what the suite logs), or the capture missed the service's logs"
    )
    assert run_logs.session_tokens(), "no session token was recorded: the scan would see none"


def test_no_jwt_is_logged(run_logs: logscan.RunLogs) -> None:
    leaks = [_shown(name, line) for name, line in _lines(run_logs) if JWT_SHAPED.search(line)]
    assert leaks == []


def test_no_session_token_is_logged(run_logs: logscan.RunLogs) -> None:
    issued = run_logs.session_tokens()
    leaks = [
        f"{name}: a session token ({logscan.session_token_digest(token)}) in a line"
        for name, line in _lines(run_logs)
        for token in TOKEN_SHAPED.findall(line)
        if token in issued
    ]
    assert leaks == []


def test_no_password_is_logged(run_logs: logscan.RunLogs) -> None:
    passwords = logscan.used_passwords()
    assert "Correct-horse-9" in passwords  # the scan found the tests' passwords
    assert _leaks(run_logs, passwords) == []


def test_no_secret_is_logged(run_logs: logscan.RunLogs) -> None:
    secrets = logscan.used_secrets()
    assert secrets, "no test secret was found to look for"
    assert _leaks(run_logs, secrets) == []


def test_no_audit_line_holds_an_email_address(run_logs: logscan.RunLogs) -> None:
    audit = _audit_lines(run_logs)
    assert audit
    for line in audit:
        assert {"time", "event", "outcome", "request_id", "client"} <= set(line), line
        assert not EMAIL_SHAPED.search(json.dumps(line)), line
