"""The README documents every setting, with its default (fails when the docs drift)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from todo.config import Settings

README = (Path(__file__).parents[1] / "README.md").read_text()
# Defaults that depend on the machine or are documented in words rather than as a value.
DESCRIBED = {"DATA_DIR", "BETTER_AUTH_SECRET", "BETTER_AUTH_URL", "SMTP_FROM"}


def _row(name: str) -> list[str]:
    for line in README.splitlines():
        if line.startswith("|") and f"`{name}`" in line.split("|")[1]:
            return [cell.strip() for cell in line.strip("|").split("|")]
    raise AssertionError(f"{name} is not in any settings table of the README")


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented_with_its_default(field: str) -> None:
    name = field.upper()
    names, defaults, *_ = _row(name)
    if name in DESCRIBED:
        return
    default = Settings.model_fields[field].default
    position = re.findall(r"`([A-Z_]+)`", names).index(name)
    shown = [part.strip() for part in defaults.split("/")]
    value = shown[position] if len(shown) > position else shown[0]
    if default is None or isinstance(default, SecretStr):
        assert value in {"unset", "empty", "generated"}, (name, value)
    elif isinstance(default, bool):
        assert value == str(default).lower(), (name, value)
    elif default == "":
        assert value == "empty", (name, value)
    else:
        assert value.replace(",", "") in {
            str(default),
            f"{default:g}" if isinstance(default, float) else str(default),
        }, (name, value)
