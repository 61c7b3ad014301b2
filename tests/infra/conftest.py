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

    def __init__(self, body: dict[str, Any], outdir: Path | None = None) -> None:
        self.body = body
        self.resources: dict[str, dict[str, Any]] = body["Resources"]
        # The cloud assembly's directory, where the assets are staged.
        self.outdir = outdir

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in self.resources.items() if r["Type"] == resource_type}

    def props(self, logical_id: str) -> dict[str, Any]:
        return dict(self.resources[logical_id].get("Properties", {}))

    def verify_function(self) -> str:
        """The logical id of the verification function (the one `AWS::Lambda::Function` of the service)."""
        [logical_id] = [name for name in self.of_type("AWS::Lambda::Function") if name.startswith("VerifyHandler")]
        return logical_id

    def cdk_handlers(self) -> dict[str, dict[str, Any]]:
        """CDK's own custom-resource handlers (the console's BucketDeployment, the console bucket's
        auto-delete): functions CloudFormation runs while deploying, not the service's."""
        return {name: r for name, r in self.of_type("AWS::Lambda::Function").items() if name.startswith("Custom")}

    def service_functions(self) -> dict[str, dict[str, Any]]:
        """The service's functions: Chalice's and the verification function."""
        verify = self.verify_function()
        return {**self.of_type("AWS::Serverless::Function"), verify: self.resources[verify]}

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
        return Template(assembly.get_stack_by_name(stack.stack_name).template, Path(assembly.directory))
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
        console_oidc_client_id="keywarden-console",
        console_connect_origins="https://acme.auth.us-east-1.amazoncognito.com",
        domain_name="keys.example.com",
        certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/0b5e5a2c-1111-2222-3333-444455556666",
    )
