"""Password rehashing, the generated secret, and refusing to start without one."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from todo.app import create_app, create_app_from_env
from todo.auth import secret
from todo.config import SettingsError
from todo.db import Database

from .conftest import PASSWORD, Serve, make_settings, sign_in, sign_up


async def _stored_hash(db: Database) -> str:
    async with db.owner_transaction() as tx:
        stored: str = await tx.fetch_value("SELECT password FROM accounts")
    return stored


async def test_a_hash_with_old_parameters_is_remade_at_sign_in(serve: Serve, db: Database) -> None:
    async with serve() as client:
        await sign_up(client, "rehash@example.com")
    before = await _stored_hash(db)
    assert "$m=19456,t=2,p=1$" in before

    async with serve(password_hash_time_cost=3, password_hash_memory_kib=20000) as client:
        assert (await sign_in(client, "rehash@example.com", "Wrong-pass-1")).status_code == 401
        assert await _stored_hash(db) == before  # a failed attempt changes nothing
        assert (await sign_in(client, "rehash@example.com")).status_code == 200
    after = await _stored_hash(db)
    assert "$m=20000,t=3,p=1$" in after

    async with serve() as client:
        assert (await sign_in(client, "rehash@example.com", PASSWORD)).status_code == 200


def test_hash_parameters_below_the_owasp_minimum_are_refused() -> None:
    with pytest.raises(ValueError, match="password_hash_memory_kib"):
        make_settings(password_hash_memory_kib=8192)
    with pytest.raises(ValueError, match="password_hash_time_cost"):
        make_settings(password_hash_time_cost=1)


def test_the_generated_secret_is_private_and_kept(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = secret.load_or_create(data_dir)
    assert len(first) >= 32
    path = data_dir / "secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret.load_or_create(data_dir) == first
    path.write_text("short\n")
    with pytest.raises(ValueError, match="fewer than 32"):
        secret.load_or_create(data_dir)


def test_the_app_will_not_start_without_a_secret(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SettingsError, match=r"^invalid setting BETTER_AUTH_SECRET: not set$"):
        create_app(make_settings(better_auth_secret=None), database_url=database_url)
    monkeypatch.delenv("BETTER_AUTH_SECRET", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(Path(__file__).parent)  # no .env file here
    with pytest.raises(SystemExit) as stopped:
        create_app_from_env()
    message = str(stopped.value)
    assert message.startswith("invalid setting BETTER_AUTH_SECRET: not set")
    assert "\n" not in message
