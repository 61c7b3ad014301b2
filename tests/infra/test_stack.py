"""The rest of what the stack promises: routes, gateway problems, event sources, keys,
configuration, alarms."""

from __future__ import annotations

import json
from typing import Any

import pytest
from keywarden_infra.access import VERIFY_ROUTES
from keywarden_infra.stack import CHALICE_FUNCTIONS, SCHEDULED

from chalicelib import errors
from tests.infra.conftest import ROOT, Template


def definition(template: Template) -> dict[str, Any]:
    return template.props("RestAPI")["DefinitionBody"]


def integration_target(operation: dict[str, Any]) -> Any:
    """The function an API operation invokes (its logical id, or the Arn expression)."""
    uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
    if isinstance(uri, str):
        return uri.split("${")[-1].split(".Arn}")[0]
    return uri[1]["Arn"]["Fn::GetAtt"][0]


def test_verification_routes_invoke_the_verification_function_and_others_the_api(dev: Template) -> None:
    verify_id = dev.verify_function()
    paths = definition(dev)["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if "x-amazon-apigateway-integration" not in operation:
                continue
            expected = verify_id if (method.upper(), path) in VERIFY_ROUTES else "APIHandler"
            assert integration_target(operation) == expected, (method, path)
    permissions = [
        p["Properties"]
        for p in dev.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [verify_id, "Arn"]}
    ]
    allowed = {json.dumps(p["SourceArn"]) for p in permissions}
    for method, path in VERIFY_ROUTES:
        assert any(f"/*/{method}{path}" in arn for arn in allowed), (method, path)


def test_every_get_is_also_a_head_for_the_same_function(dev: Template) -> None:
    """HEAD is declared wherever GET is (chalicelib.api.http.Router.route), and served alike."""
    paths = definition(dev)["paths"]
    gets = [path for path, operations in paths.items() if "get" in operations]
    assert "/v1/projects/{pid}" in gets
    for path in gets:
        assert integration_target(paths[path]["head"]) == integration_target(paths[path]["get"]), path


def test_every_path_sends_other_methods_to_the_app_for_its_405(dev: Template) -> None:
    """API Gateway would answer a wrong method as an unknown route; the app answers 405 with Allow."""
    from app import app

    paths = definition(dev)["paths"]
    assert set(app.routes) <= set(paths)
    for path in app.routes:
        assert integration_target(paths[path]["x-amazon-apigateway-any-method"]) == "APIHandler", path


CONTRACT_CODES = {
    cls.code: cls.status
    for cls in vars(errors).values()
    if isinstance(cls, type) and issubclass(cls, errors.KeywardenError)
}


@pytest.mark.parametrize(
    ("response_type", "status", "code"),
    [
        ("MISSING_AUTHENTICATION_TOKEN", 404, "not_found"),
        ("THROTTLED", 429, "rate_limited"),
        ("REQUEST_TOO_LARGE", 413, "payload_too_large"),
        ("UNSUPPORTED_MEDIA_TYPE", 415, "unsupported_media_type"),
        ("INTEGRATION_TIMEOUT", 504, "internal_error"),
        ("INTEGRATION_FAILURE", 502, "internal_error"),
        ("DEFAULT_5XX", 502, "internal_error"),
        ("DEFAULT_4XX", 400, "malformed_request"),
    ],
)
def test_the_gateways_own_answers_are_problems(dev: Template, response_type: str, status: int, code: str) -> None:
    response = definition(dev)["x-amazon-apigateway-gateway-responses"][response_type]
    assert response["statusCode"] == str(status)
    headers = response["responseParameters"]
    assert headers["gatewayresponse.header.Content-Type"] == "'application/problem+json'"
    # The body as API Gateway sends it, once it has put the request id in.
    body = json.loads(response["responseTemplates"]["application/json"].replace("$context.requestId", "abc123"))
    assert body == {
        "type": f"urn:keywarden:problem:{code}",
        "title": body["title"],
        "status": status,
        "detail": body["detail"],
        "code": code,
        "request_id": "abc123",
    }
    assert body["title"] and body["detail"]
    if code in CONTRACT_CODES and code != "internal_error":
        assert CONTRACT_CODES[code] == status


def test_every_gateway_problem_body_is_valid_json(dev: Template) -> None:
    for response_type, response in definition(dev)["x-amazon-apigateway-gateway-responses"].items():
        body = json.loads(response["responseTemplates"]["application/json"].replace("$context.requestId", "x"))
        assert body["status"] == int(response["statusCode"]), response_type


def test_the_outbox_stream_feeds_the_event_handler_with_retries_and_dead_letters(dev: Template) -> None:
    source = dev.props("WebhookEvents")["Events"]["WebhookEventsDynamodbEventSource"]["Properties"]
    outbox_id, _ = dev.tables_by_name()["keywarden-dev-webhook-outbox"]
    [queue_id] = dev.of_type("AWS::SQS::Queue")
    assert source["Stream"] == {"Fn::GetAtt": [outbox_id, "StreamArn"]}
    assert source["MaximumRetryAttempts"] >= 1
    assert source["BisectBatchOnFunctionError"] is True
    assert 60 <= source["MaximumRecordAgeInSeconds"] <= 86400
    assert source["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": [queue_id, "Arn"]}


@pytest.mark.parametrize("job", SCHEDULED)
def test_a_failed_scheduled_run_lands_in_the_dead_letter_queue(dev: Template, job: str) -> None:
    config = dev.props(CHALICE_FUNCTIONS[job])["EventInvokeConfig"]
    [queue_id] = dev.of_type("AWS::SQS::Queue")
    assert config["MaximumRetryAttempts"] == 0
    assert config["DestinationConfig"]["OnFailure"] == {"Type": "SQS", "Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}


def test_kms_keys_are_the_ones_the_service_reaches_by_alias(dev: Template) -> None:
    from chalicelib.config import load_settings
    from chalicelib.crypto.keys import DEPLOYMENT_TAG, KMS_KEYS

    settings = load_settings({"KEYWARDEN_STAGE": "dev", "KEYWARDEN_TABLE_PREFIX": "keywarden-dev"})
    aliases = {
        a["Properties"]["AliasName"]: a["Properties"]["TargetKeyId"]["Fn::GetAtt"][0]
        for a in dev.of_type("AWS::KMS::Alias").values()
    }
    assert set(aliases) == {settings.kms_alias(key.logical_name) for key in KMS_KEYS}
    for key in KMS_KEYS:
        props = dev.props(aliases[settings.kms_alias(key.logical_name)])
        assert props.get("KeySpec", "SYMMETRIC_DEFAULT") == key.key_spec
        assert props.get("KeyUsage", "ENCRYPT_DECRYPT") == key.key_usage
        assert {"Key": DEPLOYMENT_TAG, "Value": "keywarden-dev"} in props["Tags"]
        # KMS rotates symmetric keys; asymmetric ones are rotated by the service (README).
        assert props.get("EnableKeyRotation", False) is (key.key_spec == "SYMMETRIC_DEFAULT")


def test_stage_settings_reach_every_function(prod: Template) -> None:
    functions = prod.service_functions()
    assert len(functions) == len(CHALICE_FUNCTIONS) + 1
    for logical_id, function in functions.items():
        env = function["Properties"]["Environment"]["Variables"]
        assert env["KEYWARDEN_STAGE"] == "prod", logical_id
        assert env["KEYWARDEN_TABLE_PREFIX"] == "keywarden-prod"
        assert env["KEYWARDEN_OIDC_ISSUER"] == "https://idp.example.com/realms/acme"
        assert env["KEYWARDEN_OIDC_JWKS_URL"] == "https://idp.example.com/realms/acme/protocol/openid-connect/certs"
        assert env["KEYWARDEN_OIDC_AUDIENCE"] == "keywarden-prod"
    assert prod.props(prod.verify_function())["ReservedConcurrentExecutions"] == 50
    # Memory and timeouts come from .chalice/config.json's stage, as for `chalice deploy`.
    config = json.loads((ROOT / ".chalice/config.json").read_text())
    for name, logical_id in CHALICE_FUNCTIONS.items():
        per_function = config["stages"]["prod"].get("lambda_functions", {}).get(name, {})
        expected = per_function.get("lambda_timeout", config["stages"]["prod"]["lambda_timeout"])
        assert prod.props(logical_id)["Timeout"] == expected, name


def test_alarms_watch_errors_throttles_dead_letters_and_verification_latency(prod: Template) -> None:
    alarms = list(prod.of_type("AWS::CloudWatch::Alarm").values())
    metrics = [(a["Properties"].get("Namespace"), a["Properties"].get("MetricName")) for a in alarms]
    functions = len(CHALICE_FUNCTIONS) + 1
    assert metrics.count(("AWS/Lambda", "Errors")) == functions
    assert metrics.count(("AWS/Lambda", "Throttles")) == functions
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible") in metrics
    assert ("AWS/ApiGateway", "5XXError") in metrics
    [latency] = [a["Properties"] for a in alarms if a["Properties"].get("MetricName") == "VerificationLatency"]
    assert latency["Namespace"] == "Keywarden"
    assert latency["ExtendedStatistic"] == "p99"
    assert latency["Dimensions"] == [{"Name": "service", "Value": "keywarden"}]
    [topic] = prod.of_type("AWS::SNS::Topic")
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": topic}] for a in alarms)
    [subscription] = [r for r in prod.resources.values() if r["Type"] == "AWS::SNS::Subscription"]
    assert subscription["Properties"]["Endpoint"] == "oncall@example.com"


def test_every_function_logs_to_a_group_with_a_retention(dev: Template) -> None:
    groups = dev.of_type("AWS::Logs::LogGroup")
    targets = [dev.props(logical_id)["LoggingConfig"]["LogGroup"] for logical_id in CHALICE_FUNCTIONS.values()]
    targets.append(dev.props(dev.verify_function())["LoggingConfig"]["LogGroup"])
    for target in targets:
        assert target["Ref"] in groups
    for r in dev.of_type("AWS::Logs::LogGroup").values():
        assert r["Properties"]["RetentionInDays"] >= 30


def test_resources_wait_for_what_aws_checks_when_creating_them(dev: Template) -> None:
    """Lambda checks a role's permissions when it creates an event source or a failure
    destination, and API Gateway the account's logging role when a stage has an access log:
    on a first deploy these must exist first."""
    roles = {logical_id for logical_id in dev.of_type("AWS::IAM::Role")}
    policies = dev.of_type("AWS::IAM::Policy")
    for name, logical_id in CHALICE_FUNCTIONS.items():
        role = dev.props(logical_id)["Role"]["Fn::GetAtt"][0]
        [policy] = [p for p, r in policies.items() if {"Ref": role} in r["Properties"]["Roles"]]
        assert policy in dev.resources[logical_id].get("DependsOn", []), name
        assert role in roles
    [account] = dev.of_type("AWS::ApiGateway::Account")
    assert account in dev.resources["RestAPI"]["DependsOn"]


def test_alarms_can_publish_to_their_topic(dev: Template) -> None:
    """CloudWatch cannot use the AWS-managed aws/sns key: a topic encrypted with it drops every alarm."""
    [topic] = dev.of_type("AWS::SNS::Topic").values()
    assert "KmsMasterKeyId" not in topic["Properties"]
