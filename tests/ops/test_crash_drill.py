"""The crash drill: acknowledged writes survive crashes of the web process and of the host; the
drill's verdicts catch every broken guarantee.

The full drill (PostgreSQL also stopped in immediate mode under the running web process, more
writers, more rounds) runs in `.ci/run`; here a short one runs through the CLI.
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from typer.testing import CliRunner

from todo.backup.ledger import Ledger, Toggles, Verdict, judge_failure, judge_response, violations
from todo.cli import app

from .conftest import last_json


def test_a_short_drill_loses_no_acknowledged_write() -> None:
    result = CliRunner().invoke(
        app,
        ["db", "crash-drill", "--writers", "4", "--seconds", "1", "--rounds", "1",
         "--faults", "web,host", "--json"],
        catch_exceptions=False,
    )  # fmt: skip
    report = last_json(result)
    assert report["violations"] == []
    assert report["ok"] is True
    creates = report["creates"]
    assert creates["acked"] > 0
    assert creates["attempted"] == creates["acked"] + creates["refused"] + creates["unknown"]
    assert 0 <= creates["unknown_present"] <= creates["unknown"]
    assert len(report["faults"]) == 4  # each fault, and each restart


def _response(status: int, code: str | None = None) -> httpx.Response:
    body = {"data": {"id": str(uuid.uuid4())}} if code is None else {"error": {"code": code}}
    return httpx.Response(status, content=json.dumps(body).encode())


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        (_response(201), Verdict.ACKED),
        (_response(500, "INTERNAL_ERROR"), Verdict.REFUSED),
        (_response(503, "SERVICE_UNAVAILABLE"), Verdict.REFUSED),
        (_response(503, "OUTCOME_UNKNOWN"), Verdict.UNKNOWN),
        (httpx.Response(502, content=b"Bad Gateway"), Verdict.REFUSED),
        (httpx.ConnectError("refused"), Verdict.REFUSED),
        (httpx.ReadTimeout("slow"), Verdict.UNKNOWN),
        (httpx.ReadError("reset"), Verdict.UNKNOWN),
        (httpx.RemoteProtocolError("closed"), Verdict.UNKNOWN),
    ],
)
def test_each_answer_gets_its_verdict(
    answer: httpx.Response | httpx.HTTPError, verdict: Verdict
) -> None:
    if isinstance(answer, httpx.Response):
        assert judge_response(answer, 201)[0] is verdict
    else:
        assert judge_failure(answer)[0] is verdict


def test_every_broken_guarantee_is_reported() -> None:
    ledger = Ledger()
    for title, verdict in [
        ("acked once", Verdict.ACKED),
        ("acked lost", Verdict.ACKED),
        ("acked twice", Verdict.ACKED),
        ("refused stored", Verdict.REFUSED),
        ("refused absent", Verdict.REFUSED),
        ("unknown stored", Verdict.UNKNOWN),
        ("unknown absent", Verdict.UNKNOWN),
    ]:
        ledger.created(title, verdict, "test")
    ids = {name: uuid.uuid4() for name in ("once", "twice a", "twice b", "refused", "unknown")}
    ledger.toggled(ids["once"], Verdict.REFUSED, "test")  # so it must still be open
    stored = {
        "acked once": [(ids["once"], True)],
        "acked twice": [(ids["twice a"], False), (ids["twice b"], False)],
        "refused stored": [(ids["refused"], False)],
        "unknown stored": [(ids["unknown"], False)],
        "never sent": [(uuid.uuid4(), False)],
    }
    assert sorted(violations(ledger, stored)) == sorted(
        [
            "acknowledged create 'acked lost' stored 0 times",
            "acknowledged create 'acked twice' stored 2 times",
            "refused create 'refused stored' stored 1 times",
            "'never sent' stored but never sent",
            f"task {ids['once']}: completed=True after toggles "
            "Toggles(acked=0, refused=1, unknown=0)",
        ]
    )


@pytest.mark.parametrize(
    ("toggles", "completed", "allowed"),
    [
        (Toggles(), False, True),
        (Toggles(), True, False),
        (Toggles(acked=1), True, True),
        (Toggles(acked=2, refused=3), True, False),
        (Toggles(acked=2, unknown=1), True, True),
    ],
)
def test_a_tasks_state_must_follow_from_its_acknowledged_toggles(
    toggles: Toggles, completed: bool, allowed: bool
) -> None:
    assert toggles.allows(completed) is allowed
