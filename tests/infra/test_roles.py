"""Each function's role allows what infra/keywarden_infra/access.py grants it, and no more."""

from __future__ import annotations

import json
from typing import Any

import pytest
from keywarden_infra.access import DEPLOYMENT_TAG, GRANTS
from keywarden_infra.stack import CHALICE_FUNCTIONS

from tests.infra.conftest import Template

Pair = tuple[str, str]


def logical_names(template: Template) -> dict[str, str]:
    """Template logical ids -> the resource names access.py uses."""
    names: dict[str, str] = {}
    for logical_id, table in template.of_type("AWS::DynamoDB::Table").items():
        names[logical_id] = "table:" + table["Properties"]["TableName"].removeprefix("keywarden-dev-")
    for alias in template.of_type("AWS::KMS::Alias").values():
        target = alias["Properties"]["TargetKeyId"]["Fn::GetAtt"][0]
        names[target] = "key:" + alias["Properties"]["AliasName"].removeprefix("alias/keywarden-dev-")
    for logical_id in template.of_type("AWS::SQS::Queue"):
        names[logical_id] = "queue:dead-letters"
    return names


def resolve(resource: Any, statement: dict[str, Any], names: dict[str, str]) -> str:
    """One statement resource as a logical name; fails on anything it cannot name."""
    if resource == "*":
        if "StringEquals" in statement.get("Condition", {}):
            condition = statement["Condition"]
            assert condition["StringEquals"] == {f"aws:RequestTag/{DEPLOYMENT_TAG}": "keywarden-dev"}
            assert condition["ForAllValues:StringEquals"] == {"aws:TagKeys": [DEPLOYMENT_TAG]}
            return "key:new"
        return "stream:*"
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        logical_id, attribute = resource["Fn::GetAtt"]
        if attribute == "StreamArn":
            return "stream:" + names[logical_id].removeprefix("table:")
        assert attribute == "Arn", resource
        return names[logical_id]
    if isinstance(resource, dict) and "Fn::Join" in resource:
        parts = resource["Fn::Join"][1]
        tail = parts[-1]
        if isinstance(parts[0], dict) and "Fn::GetAtt" in parts[0] and tail.startswith("/index/"):
            return "index:" + names[parts[0]["Fn::GetAtt"][0]].removeprefix("table:") + "/" + tail[len("/index/") :]
        if tail == ":key/*":
            assert statement["Condition"] == {"StringEquals": {f"aws:ResourceTag/{DEPLOYMENT_TAG}": "keywarden-dev"}}, (
                statement
            )
            return "key:rotated-signing"
        if ":log-group:" in tail:
            return "logs:" + tail.split(":log-group:", 1)[1]
    raise AssertionError(f"a resource the grants do not name: {resource}")


def role_pairs(template: Template, role_logical_id: str) -> set[Pair]:
    names = logical_names(template)
    pairs: set[Pair] = set()
    for policy in template.of_type("AWS::IAM::Policy").values():
        if {"Ref": role_logical_id} not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in resources:
                for action in actions:
                    pairs.add((action, resolve(resource, statement, names)))
    assert not template.props(role_logical_id).get("ManagedPolicyArns"), "no managed policies: only the grants"
    assert not template.props(role_logical_id).get("Policies"), "no inline policies: only the grants"
    return pairs


def granted(function: str) -> set[Pair]:
    pairs = {
        (action, resource) for grant in GRANTS[function] for action in grant.actions for resource in grant.resources
    }
    return pairs | {
        ("logs:CreateLogStream", f"logs:/aws/lambda/keywarden-dev/{function}:*"),
        ("logs:PutLogEvents", f"logs:/aws/lambda/keywarden-dev/{function}:*"),
    }


def function_roles(template: Template) -> dict[str, str]:
    """Function name (as access.py says) -> the logical id of the role it runs as."""
    roles = {}
    for name, logical_id in CHALICE_FUNCTIONS.items():
        role = template.props(logical_id)["Role"]
        roles[name] = role["Fn::GetAtt"][0]
    roles["verify"] = template.props(template.verify_function())["Role"]["Fn::GetAtt"][0]
    return roles


@pytest.mark.parametrize("function", sorted(GRANTS))
def test_each_role_allows_exactly_its_grants(dev: Template, function: str) -> None:
    assert role_pairs(dev, function_roles(dev)[function]) == granted(function)


def test_every_function_has_a_role_of_its_own(dev: Template) -> None:
    roles = function_roles(dev)
    assert set(roles) == set(GRANTS)
    assert len(set(roles.values())) == len(roles)
    # Chalice's catch-all role (logs on every group, every stream) is not made at all.
    assert "DefaultRole" not in dev.resources


def test_verification_reads_keys_and_writes_counts_limits_and_notices_and_nothing_else(dev: Template) -> None:
    writes = {
        (action, resource)
        for action, resource in role_pairs(dev, function_roles(dev)["verify"])
        if action.split(":")[1].startswith(("Put", "Update", "Delete", "BatchWrite", "ConditionCheck"))
    }
    assert writes == {
        ("dynamodb:PutItem", "table:usage-counters"),
        ("dynamodb:PutItem", "table:hmac-replay"),
        ("dynamodb:DeleteItem", "table:hmac-replay"),
        # Keys with limits: their meters are charged, and a notice of limits goes to the outbox.
        ("dynamodb:UpdateItem", "table:meters"),
        ("dynamodb:PutItem", "table:webhook-outbox"),
        ("logs:PutLogEvents", "logs:/aws/lambda/keywarden-dev/verify:*"),
    }


def test_no_wildcard_resource_where_an_arn_is_known(dev: Template) -> None:
    for policy in dev.of_type("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if "*" in resources:
                actions = set(statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
                # CreateKey has no resource (and is conditioned on the tag); ListStreams has none either.
                assert actions <= {"kms:CreateKey", "kms:TagResource", "dynamodb:ListStreams"}, statement


def test_the_only_other_roles_are_the_gateways_logging_role_and_cdks_deploy_time_handlers(dev: Template) -> None:
    """Besides the six functions' roles, the stack has API Gateway's logging role and the roles of
    CDK's own custom-resource handlers, which CloudFormation runs while deploying and no request
    ever reaches: BucketDeployment (copies the console's build into its bucket) and the console
    bucket's auto-delete. Those are CDK's, with AWS's basic execution policy (their logs) as CDK
    makes them, and are held to this instead of the grants: they touch the console's bucket and
    CDK's asset bucket, nothing else, and no service function runs as one."""
    service = set(function_roles(dev).values())
    handlers = dev.cdk_handlers()
    kinds = ("CustomCDKBucketDeployment", "CustomS3AutoDeleteObjects")
    assert sorted(kind for name in handlers for kind in kinds if name.startswith(kind)) == sorted(kinds)
    cdk_roles = {handler["Properties"]["Role"]["Fn::GetAtt"][0] for handler in handlers.values()}
    [logging_role] = [name for name in dev.of_type("AWS::IAM::Role") if name.startswith("ApiGatewayLoggingRole")]
    assert set(dev.of_type("AWS::IAM::Role")) == service | cdk_roles | {logging_role}
    assert not service & cdk_roles
    [bucket] = [name for name in dev.of_type("AWS::S3::Bucket") if name.startswith("ConsoleFiles")]
    for role in cdk_roles:
        [managed] = dev.props(role)["ManagedPolicyArns"]
        assert ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" in json.dumps(managed)
        assert not dev.props(role).get("Policies")
        for policy in dev.of_type("AWS::IAM::Policy").values():
            if {"Ref": role} not in policy["Properties"]["Roles"]:
                continue
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                assert all(action.startswith("s3:") for action in statement["Action"]), statement
                for resource in statement["Resource"]:
                    text = json.dumps(resource)
                    assert f'"{bucket}"' in text or "cdk-hnb659fds-assets-" in text, resource
