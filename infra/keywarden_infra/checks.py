"""The checkov findings the stack keeps on purpose, each with its reason.

`make infra` runs checkov on the synthesized template; every finding is either fixed in
the stack or listed here. An aspect writes each suppression into the metadata of every
resource of its type (`Metadata.checkov.skip`), where checkov reads it and a reviewer of
the template sees the reason beside the resource.

CDK's own custom-resource handlers (the console's `BucketDeployment` and the console
bucket's auto-delete, stack-level constructs named `Custom::...`) are functions too, but
not the service's: their suppressions are listed apart, with reasons of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import jsii
from aws_cdk import CfnResource, IAspect
from constructs import IConstruct


@dataclass(frozen=True)
class Suppression:
    check: str
    resource_types: tuple[str, ...]
    reason: str
    # Whose resources: the service's, or CDK's own custom-resource handlers.
    owner: Literal["keywarden", "cdk"] = "keywarden"


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
    Suppression(
        "CKV_AWS_18",
        ("AWS::S3::Bucket",),
        "The console's bucket: read only by CloudFront (OAC) and written only by the deployment. Server "
        "access logs would need a log bucket of their own to record requests that are all CloudFront's.",
    ),
    Suppression(
        "CKV_AWS_21",
        ("AWS::S3::Bucket",),
        "The console's bucket holds a build of the repository that every deploy writes again (old hashed "
        "assets are kept for open pages); the repository is its history.",
    ),
    Suppression(
        "CKV_AWS_68",
        ("AWS::CloudFront::Distribution",),
        "No WAF web ACL: API Gateway's own URL stays in use by clients and resource servers, so a web ACL "
        "on the distribution would filter part of the traffic only; the stage's throttle limits all of it. "
        "A web ACL costs $5 a month, $1 per rule and $0.60 per million requests.",
    ),
    Suppression(
        "CKV_AWS_86",
        ("AWS::CloudFront::Distribution",),
        "The API's requests are in the stage's access log and the functions' logs; the rest is the "
        "console's static files. CloudFront's standard logs would need a log bucket with ACLs enabled.",
    ),
    Suppression(
        "CKV_AWS_174",
        ("AWS::CloudFront::Distribution",),
        "On its *.cloudfront.net name CloudFront negotiates from TLS 1.0 and the minimum cannot be raised; "
        "with the `domain_name` and `certificate_arn` settings the distribution requires TLS 1.2 (TLSv1.2_2021).",
    ),
    # CDK's custom-resource handlers: run by CloudFormation at deploy time, never by a request.
    Suppression(
        "CKV_AWS_117",
        _FUNCTIONS,
        "CDK's deployment handler: it reaches S3 only, a public AWS endpoint.",
        owner="cdk",
    ),
    Suppression(
        "CKV_AWS_116",
        _FUNCTIONS,
        "CDK's deployment handler: CloudFormation invokes it and reports its failure as the deploy's.",
        owner="cdk",
    ),
    Suppression(
        "CKV_AWS_115",
        _FUNCTIONS,
        "CDK's deployment handler: runs once per deploy; reserving concurrency for it would take from the service.",
        owner="cdk",
    ),
    Suppression(
        "CKV_AWS_173",
        _FUNCTIONS,
        "CDK's deployment handler: its environment, if any, is the CA bundle's path, no secret.",
        owner="cdk",
    ),
)


@jsii.implements(IAspect)
class CheckovSuppressions:
    """Writes SUPPRESSIONS into the metadata of the resources they apply to."""

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, CfnResource):
            return
        owner = "cdk" if _is_cdk_handler(node) else "keywarden"
        skips = [
            {"id": suppression.check, "comment": suppression.reason}
            for suppression in SUPPRESSIONS
            if node.cfn_resource_type in suppression.resource_types and suppression.owner == owner
        ]
        if skips:
            node.add_metadata("checkov", {"skip": skips})


def _is_cdk_handler(node: CfnResource) -> bool:
    """CDK puts its custom-resource providers (singletons) at the stack's top level, under ids
    that start with `Custom::`."""
    scopes = node.node.scopes
    return len(scopes) > 2 and scopes[2].node.id.startswith("Custom::")
