"""The README documents the task API's settings and routes (fails when the docs drift)."""

from __future__ import annotations

from pathlib import Path

import pytest

from todo.config import Settings
from todo.tasks import api

README = (Path(__file__).parents[2] / "README.md").read_text()
API_SETTINGS = [
    "api_rate_limit_per_minute",
    "api_rate_limit_per_hour",
    "max_body_bytes",
    "jwt_issuer",
    "jwt_audience",
    "cors_origins",
]


@pytest.mark.parametrize("name", API_SETTINGS)
def test_settings_are_documented_with_their_defaults(name: str) -> None:
    assert name in Settings.model_fields
    row = next(line for line in README.splitlines() if f"`{name.upper()}`" in line)
    default = Settings.model_fields[name].default
    assert (
        str(default if default not in (None, "") else "unset" if default is None else "empty")
        in row
    )


def test_every_route_is_in_the_readme() -> None:
    for route in api.router.routes:
        path = route.path  # type: ignore[attr-defined]
        methods = route.methods  # type: ignore[attr-defined]
        for method in methods:
            shown = path.replace("{task_id}", "{id}")
            assert f"`{method} {shown}" in README, (method, shown)
