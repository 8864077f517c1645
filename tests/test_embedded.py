"""The embedded PostgreSQL: private, persistent across restarts, stopped on exit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from todo import migrate
from todo.embedded import embedded_postgres

from .helpers import free_port
from .logscan import RunLogs


def _server_running(data_dir: Path) -> bool:
    pid_file = data_dir / "pgdata" / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().splitlines()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_data_persists_across_restarts_and_the_server_stops(tmp_path: Path) -> None:
    with embedded_postgres(tmp_path) as url:
        assert _server_running(tmp_path)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (note text)")
            conn.execute("INSERT INTO kept VALUES ('still here')")
    assert not _server_running(tmp_path)
    with embedded_postgres(tmp_path) as url, psycopg.connect(url) as conn:
        assert conn.execute("SELECT note FROM kept").fetchall() == [("still here",)]
        version = conn.info.server_version
    assert version >= 180000
    assert not _server_running(tmp_path)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_starts_embedded_postgres_migrates_and_stops_it(
    tmp_path: Path, stop: signal.Signals, run_logs: RunLogs
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    env |= {"DATA_DIR": str(tmp_path), "PORT": str(port)}
    log = run_logs.process_log("todo-serve")  # where the run's log scan reads
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from todo.cli import main; main()", "serve"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "todo serve did not answer within 60 s"
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert _server_running(tmp_path)
    finally:
        proc.send_signal(stop)
        proc.wait(timeout=30)
    assert proc.returncode == 0, log.read_text()
    assert not _server_running(tmp_path)
    with embedded_postgres(tmp_path) as url:
        assert migrate.current(url) == migrate.head(url)
