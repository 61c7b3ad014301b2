"""The checkov findings the stack keeps on purpose, each with its reason.

`make infra` runs checkov on the synthesized template; every finding is either fixed in
the stack or listed here. An aspect writes each suppression into the metadata of every
resource of its type (`Metadata.checkov.skip`), where checkov reads it and a reviewer of
the template sees the reason beside the resource.
"""

from __future__ import annotations

from dataclasses import dataclass

import jsii
from aws_cdk import CfnResource, IAspect
from constructs import IConstruct


@dataclass(frozen=True)
class Suppression:
    check: str
    resource_types: tuple[str, ...]
    reason: str


_FUNCTIONS = ("AWS::Lambda::Function", "AWS::Serverless::Function")

SUPPRESSIONS: tuple[Suppression, ...] = (
    Suppression(
        "CKV_AWS_119",
        ("AWS::DynamoDB::Table",),
        "Encrypted at rest with AWS-owned keys. Every secret in the tables is sealed with the `secrets` "
        "KMS key (envelope encryption) and keys are stored as keyed hashes; a CMK per table adds cost, "
        "not protection of a secret.",
    ),
    Suppression(
        "CKV_AWS_117",
        _FUNCTIONS,
        "No VPC resources to reach: DynamoDB, KMS and CloudWatch are public AWS endpoints, and webhooks "
        "and the OIDC JWKS need internet egress, which in a VPC costs a NAT gateway per AZ.",
    ),
    Suppression(
        "CKV_AWS_116",
        _FUNCTIONS,
        "Lambda DLQs apply to asynchronous invocations only. The API and verification functions are "
        "invoked synchronously; the scheduled functions and the stream handler send failures to the "
        "dead-letter queue through on-failure destinations (EventInvokeConfig, DestinationConfig).",
    ),
    Suppression(
        "CKV_AWS_115",
        _FUNCTIONS,
        "Reserved concurrency is the `verify_reserved_concurrency` setting (verification only): reserving "
        "fails on accounts whose concurrency limit is under 100 + the reservation, as new accounts' is.",
    ),
    Suppression(
        "CKV_AWS_173",
        _FUNCTIONS,
        "The environment holds table prefixes, the issuer and OIDC URLs: no secret (secrets live in "
        "DynamoDB, sealed with KMS).",
    ),
    Suppression(
        "CKV_AWS_158",
        ("AWS::Logs::LogGroup",),
        "Logs never hold a secret (tests/functional check every line); CloudWatch Logs encrypts at rest.",
    ),
    Suppression(
        "CKV_AWS_27",
        ("AWS::SQS::Queue",),
        "Encrypted with SQS-managed keys (SSE-SQS); dead letters carry event ids, never a secret.",
    ),
    Suppression(
        "CKV_AWS_26",
        ("AWS::SNS::Topic",),
        "The alarm topic carries alarm names and states, never a secret; CloudWatch cannot publish to "
        "a topic encrypted with the AWS-managed aws/sns key, and a customer-managed key for it costs "
        "more than it protects.",
    ),
    Suppression(
        "CKV_AWS_120",
        ("AWS::Serverless::Api",),
        "Answers depend on the caller and revocation must take effect within seconds: a gateway cache "
        "would serve one caller's answer to another, or a revoked key's.",
    ),
    Suppression(
        "CKV_AWS_73",
        ("AWS::Serverless::Api",),
        "X-Ray is off by default (cost); every request has a JSON log line with its id and duration, "
        "and the access log has the gateway's view. Turn TracingEnabled on to trace.",
    ),
)


@jsii.implements(IAspect)
class CheckovSuppressions:
    """Writes SUPPRESSIONS into the metadata of the resources they apply to."""

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, CfnResource):
            return
        skips = [
            {"id": suppression.check, "comment": suppression.reason}
            for suppression in SUPPRESSIONS
            if node.cfn_resource_type in suppression.resource_types
        ]
        if skips:
            node.add_metadata("checkov", {"skip": skips})
