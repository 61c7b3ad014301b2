"""The CDK stack, synthesized in this process once per stage, as CloudFormation JSON."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


class Template:
    """A synthesized template, with lookups by what a test cares about."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.resources: dict[str, dict[str, Any]] = body["Resources"]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in self.resources.items() if r["Type"] == resource_type}

    def props(self, logical_id: str) -> dict[str, Any]:
        return dict(self.resources[logical_id].get("Properties", {}))

    def tables_by_name(self) -> dict[str, tuple[str, dict[str, Any]]]:
        return {
            r["Properties"]["TableName"]: (logical_id, r)
            for logical_id, r in self.of_type("AWS::DynamoDB::Table").items()
        }


def synthesize(tmp: Path, **context: Any) -> Template:
    """`cdk synth` of the stack with this context, without the CLI (the same app code runs)."""
    import aws_cdk as cdk
    from keywarden_infra.config import StageConfig
    from keywarden_infra.stack import KeywardenStack

    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    here = Path.cwd()
    # chalice.cdk.Chalice packages the app into ./chalice.out.
    os.chdir(tmp)
    try:
        app = cdk.App(context=context, outdir=str(tmp / "cdk.out"))
        stack = KeywardenStack(app, StageConfig.from_context(app.node))
        assembly = app.synth()
        return Template(assembly.get_stack_by_name(stack.stack_name).template)
    finally:
        os.chdir(here)


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    yield synthesize(tmp_path_factory.mktemp("dev"), stage="dev")


@pytest.fixture(scope="session")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    yield synthesize(
        tmp_path_factory.mktemp("prod"),
        stage="prod",
        oidc_issuer="https://idp.example.com/realms/acme",
        oidc_jwks_url="https://idp.example.com/realms/acme/protocol/openid-connect/certs",
        oidc_audience="keywarden-prod",
        alarm_email="oncall@example.com",
        verify_reserved_concurrency="50",
    )
