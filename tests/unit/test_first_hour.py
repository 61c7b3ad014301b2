"""What a new user meets first (issue 24): the SDK's documented install, the CLI's idle-keys
filter, which the API takes from 1 day."""

from __future__ import annotations

import tomllib
from pathlib import Path

from click.testing import CliRunner
from keywarden.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def test_the_fastapi_extra_installs_fastapi_and_starlette_alone_is_its_own_extra() -> None:
    extras = tomllib.loads((ROOT / "clients/python/pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(requirement.startswith("fastapi") for requirement in extras["fastapi"])
    assert any(requirement.startswith("starlette") for requirement in extras["starlette"])


def test_unused_days_below_one_is_a_usage_error_before_anything_is_sent() -> None:
    arguments = ["--url", "http://127.0.0.1:9", "keys", "list", "-p", "prj_1", "--unused-days", "0"]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 2
    assert "--unused-days" in result.output
