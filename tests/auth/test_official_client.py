"""The official `better-auth` npm client, under Node.js, against a real uvicorn server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from ..helpers import free_port
from ..logscan import RunLogs
from .conftest import SECRET

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).parent / "js" / "client-flow.mjs"


@pytest.fixture
def server(database_url: str, run_logs: RunLogs) -> Iterator[str]:
    """`todo.app:create_app_from_env` under uvicorn on a free port; its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BETTER_AUTH_SECRET": SECRET,
        "BETTER_AUTH_URL": base,
        "DB_POOL_SIZE": "2",
        "DB_MAX_OVERFLOW": "2",
    }
    command = [sys.executable, "-m", "uvicorn", "todo.app:create_app_from_env", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    # Its log goes where the run's log scan reads (tests/test_log_scan.py).
    with run_logs.process_log("uvicorn").open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "the server exited"
            try:
                if httpx.get(f"{base}/api/auth/ok", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_official_client_signs_up_in_and_out(server: str) -> None:
    email, password = "node@example.com", "Node-client-42"
    run = subprocess.run(
        ["node", str(SCRIPT), server, email, password],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)

    assert out["signUp"]["error"] is None
    assert out["signUp"]["data"]["user"]["email"] == email
    assert out["tokenAfterSignUp"] is True
    assert out["wrongPassword"]["error"] == {"status": 401, "code": "INVALID_EMAIL_OR_PASSWORD"}
    assert out["signIn"]["error"] is None
    assert out["signIn"]["data"]["redirect"] is False
    assert out["signedToken"].startswith(out["signIn"]["data"]["token"] + ".")
    session = out["session"]["data"]
    assert session["user"]["email"] == email
    assert session["session"]["token"] == out["signIn"]["data"]["token"]
    assert out["expiresAtIsDate"] is True

    token = out["jwt"]["data"]["token"]
    (key,) = out["jwks"]["data"]["keys"]
    claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["EdDSA"], audience=server)
    assert claims["sub"] == session["user"]["id"]

    assert out["signOut"]["data"] == {"success": True}
    assert out["sessionAfterSignOut"]["data"] is None
    assert out["jwtAfterSignOut"]["error"]["status"] == 401
