"""API Gateway around the Chalice app: routes to the verification function, 405s that say
`Allow`, and the gateway's own answers as RFC 9457 problems.

All of it goes into the REST API's OpenAPI document (`DefinitionBody`) that `chalice
package` writes, through the construct's escape hatch.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Aws, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from chalice.cdk import Chalice

from keywarden_infra.access import VERIFY_ROUTES
from keywarden_infra.config import StageConfig

_INVOCATION = "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Arn}/invocations"


class GatewayProblem:
    """One gateway response: API Gateway's response type, and the problem it answers with."""

    def __init__(self, response_type: str, status: int, code: str, title: str, detail: str) -> None:
        self.response_type = response_type
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail

    def body(self) -> str:
        # $context.requestId is the id the functions' problems and log lines carry as well (API
        # Gateway sends it as the x-amzn-RequestId header too).
        return json.dumps(
            {
                "type": f"urn:keywarden:problem:{self.code}",
                "title": self.title,
                "status": self.status,
                "detail": self.detail,
                "code": self.code,
                "request_id": "$context.requestId",
            }
        )

    def definition(self) -> dict[str, Any]:
        return {
            "statusCode": str(self.status),
            "responseParameters": {
                "gatewayresponse.header.Content-Type": "'application/problem+json'",
                "gatewayresponse.header.Cache-Control": "'no-store'",
            },
            "responseTemplates": {"application/json": self.body()},
        }


# What API Gateway may answer without asking the app. An unknown path reaches no function
# (MISSING_AUTHENTICATION_TOKEN is API Gateway's name for "no such route"); a known path
# with another method does (see `_methods_not_allowed`), so that its 405 can say `Allow`.
GATEWAY_PROBLEMS: tuple[GatewayProblem, ...] = (
    GatewayProblem("MISSING_AUTHENTICATION_TOKEN", 404, "not_found", "Not found", "no such route"),
    GatewayProblem("RESOURCE_NOT_FOUND", 404, "not_found", "Not found", "no such route"),
    GatewayProblem(
        "THROTTLED", 429, "rate_limited", "Too many requests", "the API's request rate limit was exceeded; retry later"
    ),
    GatewayProblem(
        "QUOTA_EXCEEDED", 429, "rate_limited", "Too many requests", "the API's request quota was exceeded; retry later"
    ),
    GatewayProblem(
        "REQUEST_TOO_LARGE", 413, "payload_too_large", "Payload too large", "request bodies are limited to 262144 bytes"
    ),
    GatewayProblem(
        "UNSUPPORTED_MEDIA_TYPE", 415, "unsupported_media_type", "Unsupported media type", "send application/json"
    ),
    GatewayProblem("BAD_REQUEST_BODY", 400, "malformed_request", "Malformed request", "the request is malformed"),
    GatewayProblem("BAD_REQUEST_PARAMETERS", 400, "malformed_request", "Malformed request", "the request is malformed"),
    GatewayProblem("ACCESS_DENIED", 403, "forbidden", "Forbidden", "access denied"),
    GatewayProblem("UNAUTHORIZED", 401, "unauthenticated", "Authentication required", "authentication required"),
    GatewayProblem("DEFAULT_4XX", 400, "malformed_request", "Malformed request", "the request is malformed"),
    GatewayProblem(
        "INTEGRATION_TIMEOUT",
        504,
        "internal_error",
        "Internal error",
        "the service did not answer in time; quote the request id when you report it",
    ),
    GatewayProblem(
        "INTEGRATION_FAILURE",
        502,
        "internal_error",
        "Internal error",
        "the service failed to answer; quote the request id when you report it",
    ),
    GatewayProblem(
        "DEFAULT_5XX",
        502,
        "internal_error",
        "Internal error",
        "an unexpected error occurred; quote the request id when you report it",
    ),
)


def configure(stack: Stack, config: StageConfig, chalice: Chalice, verify_function: lambda_.Function) -> None:
    rest_api = chalice.get_resource("RestAPI")
    rest_api.add_property_override("Name", config.api_name)
    rest_api.add_property_override(
        "DefinitionBody.x-amazon-apigateway-gateway-responses",
        {problem.response_type: problem.definition() for problem in GATEWAY_PROBLEMS},
    )
    _methods_not_allowed(rest_api)
    _verification_routes(stack, rest_api, verify_function)


def _methods_not_allowed(rest_api: Any) -> None:
    """Every path also takes any other method, and sends it to the API function, where
    Chalice answers 405 and chalicelib/api/gateway.py makes it a problem with `Allow`.
    (API Gateway itself would answer a wrong method like an unknown path.)"""
    integration = {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": {"Fn::Sub": [_INVOCATION, {"Arn": {"Fn::GetAtt": ["APIHandler", "Arn"]}}]},
        "passthroughBehavior": "when_no_match",
        "contentHandling": "CONVERT_TO_TEXT",
    }
    for path in chalice_routes():
        rest_api.add_property_override(
            f"DefinitionBody.paths.{_escaped(path)}.x-amazon-apigateway-any-method",
            {
                "consumes": ["*/*"],
                "produces": ["application/json"],
                "responses": {},
                "x-amazon-apigateway-integration": integration,
            },
        )


def _verification_routes(stack: Stack, rest_api: Any, verify_function: lambda_.Function) -> None:
    for method, path in VERIFY_ROUTES:
        rest_api.add_property_override(
            f"DefinitionBody.paths.{_escaped(path)}.{method.lower()}.x-amazon-apigateway-integration.uri",
            {"Fn::Sub": [_INVOCATION, {"Arn": verify_function.function_arn}]},
        )
        verify_function.add_permission(
            f"Invoke{''.join(part.capitalize() for part in path.split('/'))}",
            principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
            source_arn=f"arn:{Aws.PARTITION}:execute-api:{Aws.REGION}:{Aws.ACCOUNT_ID}:{rest_api.ref}/*/{method}{path}",
        )


def account_logging_role(stack: Stack) -> apigateway.CfnAccount:
    """The account's (and region's) role that lets API Gateway write access logs."""
    role = iam.Role(
        stack,
        "ApiGatewayLoggingRole",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        managed_policies=[
            iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AmazonAPIGatewayPushToCloudWatchLogs")
        ],
    )
    # Kept when the stack goes: the setting is the account's, and another stage's stack in the
    # same account and region may be logging through it.
    role.apply_removal_policy(RemovalPolicy.RETAIN)
    account = apigateway.CfnAccount(stack, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn)
    return account


def chalice_routes() -> list[str]:
    """The paths of the Chalice app, as `chalice package` put them in the API's definition."""
    import importlib
    from pathlib import Path

    module = importlib.import_module("app")
    root = Path(__file__).resolve().parents[2]
    # infra/app.py is the CDK app: the Chalice app is the repository root's app.py.
    if Path(str(module.__file__)).resolve() != root / "app.py":
        raise RuntimeError(f"imported {module.__file__} as `app`, not the Chalice app in {root}")
    return list(module.app.routes)


def _escaped(path: str) -> str:
    # CDK's override paths are dotted; a dot inside a key is written `\.`.
    return path.replace(".", "\\.")
