"""Seeded synthetic users can sign in with the shared password, as a load test needs."""

from __future__ import annotations

import asyncio

import psycopg
from typer.testing import CliRunner

from todo.cli import app as cli
from todo.seeding.service import SYNTHETIC_PASSWORD

from .conftest import Serve


async def test_a_synthetic_user_signs_in_and_lists_their_tasks(
    serve: Serve, database_url: str, tmp_path: object
) -> None:
    # The command runs its own event loop: give it a thread of its own.
    result = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        ["db", "seed", "--users", "3", "--tasks-per-user", "4"],
        env={"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    with psycopg.connect(database_url) as conn:
        emails = [row[0] for row in conn.execute("SELECT email FROM users ORDER BY email")]
    assert len(emails) == 3
    async with serve() as client:
        for email in emails:
            response = await client.post(
                "/api/auth/sign-in/email", json={"email": email, "password": SYNTHETIC_PASSWORD}
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["user"]["email"] == email
            tasks = await client.get(
                f"/api/{body['user']['id']}/tasks",
                headers={"Authorization": f"Bearer {body['token']}"},
            )
            assert tasks.status_code == 200
            assert tasks.json()["meta"]["total"] == 4
