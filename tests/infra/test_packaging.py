"""`chalice package` still works for those who deploy with SAM or Terraform instead of CDK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.conftest import ROOT

FUNCTIONS = {"api_handler", "webhook_events", "webhook-dispatch", "usage-rollup", "expiry-sweep"}


def package(tmp_path: Path, pkg_format: str) -> Path:
    out = tmp_path / pkg_format
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    subprocess.run(  # noqa: S603 (the venv's own chalice, fixed arguments)
        [
            str(Path(sys.executable).parent / "chalice"),
            "package",
            "--stage",
            "prod",
            "--pkg-format",
            pkg_format,
            str(out),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return out


@pytest.mark.parametrize("pkg_format", ["terraform", "cloudformation"])
def test_chalice_packages_every_function_with_its_code(tmp_path: Path, pkg_format: str) -> None:
    out = package(tmp_path, pkg_format)
    assert (out / "deployment.zip").stat().st_size > 1_000_000  # the code and its runtime packages
    if pkg_format == "terraform":
        resources = json.loads((out / "chalice.tf.json").read_text())["resource"]
        functions = resources["aws_lambda_function"]
        assert {f["function_name"].removeprefix("keywarden-prod-") for f in functions.values()} >= {
            "webhook_events",
            "webhook-dispatch",
            "usage-rollup",
            "expiry-sweep",
        }
        assert "aws_api_gateway_rest_api" in resources
        assert all(f["environment"]["variables"]["KEYWARDEN_STAGE"] == "prod" for f in functions.values())
    else:
        template = json.loads((out / "sam.json").read_text())
        handlers = {
            r["Properties"]["Handler"]
            for r in template["Resources"].values()
            if r["Type"] == "AWS::Serverless::Function"
        }
        assert handlers == {
            "app.app",
            "app.webhook_events",
            "app.webhook_dispatch",
            "app.usage_rollup",
            "app.expiry_sweep",
        }
