"""One IAM role per function, built from `access.GRANTS` and nothing else."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from keywarden_infra.access import DEPLOYMENT_TAG, GRANTS, Grant
from keywarden_infra.config import StageConfig
from keywarden_infra.kms import Keys

ROLE_NAMES = {
    "api": "Api",
    "verify": "Verify",
    "webhook_events": "WebhookEvents",
    "webhook-dispatch": "WebhookDispatch",
    "usage-rollup": "UsageRollup",
    "expiry-sweep": "ExpirySweep",
}


def log_group_name(stage: str, function: str) -> str:
    return f"/aws/lambda/keywarden-{stage}/{function}"


def create_roles(
    scope: Construct,
    config: StageConfig,
    tables: dict[str, dynamodb.Table],
    keys: Keys,
    dead_letters: sqs.Queue,
) -> dict[str, iam.Role]:
    resolver = _Resources(config, tables, keys, dead_letters)
    roles: dict[str, iam.Role] = {}
    for function, grants in GRANTS.items():
        role = iam.Role(
            scope,
            f"{ROLE_NAMES[function]}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Keywarden {config.stage}: the {function} function",
        )
        # Its own log group only (made by the stack, so no logs:CreateLogGroup).
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[
                    f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:"
                    f"{log_group_name(config.stage, function)}:*"
                ],
            )
        )
        for grant in grants:
            for statement in resolver.statements(grant):
                role.add_to_policy(statement)
        roles[function] = role
    return roles


class _Resources:
    """Logical resources (see `access`) to ARNs and the conditions that go with them."""

    def __init__(self, config: StageConfig, tables: dict[str, dynamodb.Table], keys: Keys, queue: sqs.Queue) -> None:
        self.config = config
        self.tables = tables
        self.keys = keys
        self.queue = queue

    def statements(self, grant: Grant) -> list[iam.PolicyStatement]:
        plain: list[str] = []
        statements: list[iam.PolicyStatement] = []
        tagged = {"StringEquals": {f"aws:ResourceTag/{DEPLOYMENT_TAG}": self.config.table_prefix}}
        for resource in grant.resources:
            kind, _, name = resource.partition(":")
            if kind == "table":
                plain.append(self.tables[name].table_arn)
            elif kind == "index":
                table, _, index = name.partition("/")
                plain.append(f"{self.tables[table].table_arn}/index/{index}")
            elif kind == "stream" and name == "*":
                # dynamodb:ListStreams has no resource-level permissions.
                plain.append("*")
            elif kind == "stream":
                stream_arn = self.tables[name].table_stream_arn
                assert stream_arn is not None, f"{name} has no stream"
                plain.append(stream_arn)
            elif resource == "key:secrets":
                plain.append(self.keys.secrets.key_arn)
            elif resource == "key:jwt-signing":
                plain.append(self.keys.jwt_signing.key_arn)
            elif resource == "key:rotated-signing":
                # Keys the service created when rotating: their ARNs are not known to the
                # stack, their tag is (chalicelib/crypto/jwt_signing.py puts it on them).
                statements.append(
                    iam.PolicyStatement(
                        actions=list(grant.actions),
                        resources=[f"arn:{Aws.PARTITION}:kms:{Aws.REGION}:{Aws.ACCOUNT_ID}:key/*"],
                        conditions=tagged,
                    )
                )
            elif resource == "key:new":
                # CreateKey has no resource; it is allowed only with this deployment's tag and
                # no other, so the role can create keys that it may then use, and no others.
                statements.append(
                    iam.PolicyStatement(
                        actions=list(grant.actions),
                        resources=["*"],
                        conditions={
                            "StringEquals": {f"aws:RequestTag/{DEPLOYMENT_TAG}": self.config.table_prefix},
                            "ForAllValues:StringEquals": {"aws:TagKeys": [DEPLOYMENT_TAG]},
                        },
                    )
                )
            elif resource == "queue:dead-letters":
                plain.append(self.queue.queue_arn)
            else:
                raise ValueError(f"unknown resource {resource!r} in access.GRANTS")
        if plain:
            statements.insert(0, iam.PolicyStatement(actions=list(grant.actions), resources=plain))
        return statements
