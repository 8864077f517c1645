"""Every authentication success and failure and every authorization denial leaves one
structured audit line (`todo.audit`), naming who by user id or a hash of the email, and
nothing secret. A successful credential check on the task API leaves none (the hot path)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import httpx
import pytest

from todo import logs

from ..api.support import hs256
from .conftest import PASSWORD, SECRET, Site, bearer, sign_in, sign_up

EMAIL = "audited@example.com"
OTHER = "bystander@example.com"


class Audit:
    """The audit lines logged while a test runs, parsed."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    @property
    def lines(self) -> list[dict[str, Any]]:
        records = [r for r in self._caplog.records if r.name == logs.AUDIT_LOGGER]
        return [json.loads(record.getMessage()) for record in records]

    def events(self) -> list[tuple[str, str]]:
        return [(line["event"], line["outcome"]) for line in self.lines]

    def clear(self) -> None:
        self._caplog.clear()

    def only(self, event: str) -> dict[str, Any]:
        (line,) = [line for line in self.lines if line["event"] == event]
        return line


@pytest.fixture
def audit(caplog: pytest.LogCaptureFixture) -> Audit:
    caplog.set_level(logging.INFO, logger=logs.AUDIT_LOGGER)
    return Audit(caplog)


async def _signed_up(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await sign_up(client, email)
    assert response.status_code == 200, response.text
    return {
        "token": response.json()["token"],
        "signed": response.headers["set-auth-token"],
        "id": response.json()["user"]["id"],
    }


async def test_account_events_are_audited(site: Site, audit: Audit) -> None:
    async with site(sign_in_failure_window=600, auth_rate_limit_enabled=False) as at:
        client = at("203.0.113.9")
        me = await _signed_up(client, EMAIL)
        await sign_up(client, EMAIL)
        await sign_in(client, EMAIL, "Wrong-guess-1")
        await sign_in(client, EMAIL, "Wrong-guess-2")
        await sign_in(client, EMAIL)  # the right password, but too soon after two failures
        client.cookies.clear()
        await client.get("/api/auth/token", headers=bearer(me["token"]))
        await client.post(
            "/api/auth/change-password",
            json={"currentPassword": "Not-it-1", "newPassword": "Fresh-pass-2"},
            headers=bearer(me["token"]),
        )
        await client.post(
            "/api/auth/change-password",
            json={"currentPassword": PASSWORD, "newPassword": "Fresh-pass-2"},
            headers=bearer(me["token"]),
        )
        await client.post("/api/auth/revoke-other-sessions", headers=bearer(me["token"]))
        await client.post(
            "/api/auth/reset-password", json={"newPassword": "X-pass-123", "token": "t"}
        )
        await client.post("/api/auth/sign-out", headers=bearer(me["token"]))
        await client.get("/api/auth/get-session", headers=bearer(me["token"]))

    assert audit.events() == [
        ("auth.sign_up", "success"),
        ("auth.sign_up", "failure"),
        ("auth.sign_in", "failure"),
        ("auth.sign_in", "failure"),
        ("auth.sign_in", "throttled"),
        ("auth.jwt_issued", "success"),
        ("auth.change_password", "failure"),
        ("auth.change_password", "success"),
        ("auth.revoke_sessions", "success"),
        ("auth.reset_password", "failure"),
        ("auth.sign_out", "success"),
        ("auth.session", "failure"),
    ]
    lines = audit.lines
    assert {line["client"] for line in lines} == {"203.0.113.9"}
    assert len({line["request_id"] for line in lines}) == len(lines)  # one request each
    assert lines[0]["user_id"] == me["id"]
    assert lines[1]["reason"] == "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"
    assert lines[2]["reason"] == "INVALID_EMAIL_OR_PASSWORD"
    assert lines[2]["email_hash"] == logs.email_hash(EMAIL)
    assert lines[4]["retry_after"] > 0
    assert lines[5]["user_id"] == me["id"]
    assert lines[6]["reason"] == "INVALID_PASSWORD"
    assert lines[10]["user_id"] == me["id"]
    _assert_well_formed(lines, secrets=[PASSWORD, me["token"], me["signed"], EMAIL])


async def test_a_sign_in_success_names_the_user_and_the_session(site: Site, audit: Audit) -> None:
    async with site() as at:
        client = at("198.51.100.3")
        me = await _signed_up(client, EMAIL)
        client.cookies.clear()
        audit.clear()
        response = await sign_in(client, EMAIL)
    line = audit.only("auth.sign_in")
    session = response.json()["token"]
    assert line["outcome"] == "success"
    assert line["user_id"] == me["id"]
    assert "session_id" in line
    _assert_well_formed(audit.lines, secrets=[PASSWORD, session, EMAIL])


async def test_task_api_refusals_are_audited_and_its_successes_are_not(
    site: Site, audit: Audit
) -> None:
    async with site() as at:
        client = at("192.0.2.10")
        me = await _signed_up(client, EMAIL)
        them = await _signed_up(at("192.0.2.11"), OTHER)
        client.cookies.clear()
        jwt = (await client.get("/api/auth/token", headers=bearer(me["token"]))).json()["token"]
        audit.clear()

        ok = await client.get(f"/api/{me['id']}/tasks", headers=bearer(jwt))
        assert ok.status_code == 200
        assert audit.lines == []  # a good credential costs the hot path no log line

        answers = [
            await client.get(f"/api/{me['id']}/tasks"),
            await client.get(f"/api/{me['id']}/tasks", headers=bearer("forged.jwt.value")),
            await client.get(
                f"/api/{me['id']}/tasks", headers=bearer(hs256(me["id"], secret="x" * 40))
            ),
            await client.get(f"/api/{them['id']}/tasks", headers=bearer(jwt)),
        ]
        await client.post("/api/auth/sign-out", headers=bearer(me["token"]))
        answers.append(await client.get(f"/api/{me['id']}/tasks", headers=bearer(jwt)))

    assert [answer.status_code for answer in answers] == [401, 401, 401, 403, 401]
    assert audit.events() == [
        ("api.credential", "failure"),
        ("api.credential", "failure"),
        ("api.credential", "failure"),
        ("api.access", "denied"),
        ("auth.sign_out", "success"),
        ("api.credential", "failure"),
    ]
    denied = audit.only("api.access")
    assert (denied["user_id"], denied["path_user_id"]) == (me["id"], them["id"])
    _assert_well_formed(audit.lines, secrets=[jwt, me["token"], SECRET])


async def test_refused_origins_csrf_and_pages_are_audited(site: Site, audit: Audit) -> None:
    async with site(auth_rate_limit_max=3, auth_rate_limit_window=60) as at:
        client = at("192.0.2.20")
        me = await _signed_up(client, EMAIL)
        audit.clear()
        forged_origin = await client.post(
            "/api/auth/revoke-sessions", headers={"origin": "https://evil.example"}
        )
        forged_form = await client.post("/account/profile", data={"name": "Mallory"})
        stranger = at("192.0.2.21")
        no_session = await stranger.get("/account")
        await client.post("/sign-out", data={})  # refused too: no CSRF token
        limited = [(await stranger.get("/api/auth/ok")).status_code for _ in range(4)]

    assert forged_origin.status_code == 403
    assert forged_form.status_code == 403
    assert no_session.status_code == 303
    assert limited == [200, 200, 200, 429]
    assert audit.events() == [
        ("auth.origin", "refused"),
        ("web.csrf", "refused"),
        ("web.access", "denied"),
        ("web.csrf", "refused"),
        ("auth.rate_limited", "throttled"),
    ]
    assert audit.lines[1]["user_id"] == me["id"]
    assert audit.lines[2]["path"] == "/account"
    _assert_well_formed(audit.lines, secrets=[me["token"], me["signed"], EMAIL])


async def test_a_stale_session_cookie_on_a_page_is_audited(site: Site, audit: Audit) -> None:
    async with site() as at:
        client = at("192.0.2.30")
        me = await _signed_up(client, EMAIL)
        await client.post("/api/auth/sign-out", headers=bearer(me["token"]))
        client.cookies.set("better-auth.session_token", me["signed"])
        audit.clear()
        page = await client.get("/account")
    assert page.status_code == 303
    assert audit.events() == [("web.session", "failure"), ("web.access", "denied")]


EMAIL_SHAPED = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def _assert_well_formed(lines: list[dict[str, Any]], *, secrets: list[str]) -> None:
    """Every line has the audit fields (the request's id and client address among them), and
    holds no raw email address and none of `secrets`."""
    assert lines
    for line in lines:
        assert {"time", "event", "outcome", "request_id", "client"} <= set(line)
        assert line["time"].endswith("Z")
        assert line["request_id"]
        assert line["client"]
        text = json.dumps(line)
        assert not EMAIL_SHAPED.search(text), text
        for secret in secrets:
            assert secret not in text
