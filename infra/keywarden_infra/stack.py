"""The Keywarden stack: tables, KMS keys, the Chalice app and what Chalice does not set.

`chalice.cdk.Chalice` packages the app (`chalice package`) and includes its SAM template;
the rest is built around it here, with the construct's escape hatches where Chalice has
no setting: per-function roles, a function of its own for verification, the stream's
retry policy and dead letters, the gateway's error responses, the API stage's limits and
access log, alarms. In front of it all, a CloudFront distribution serves the API and the
web console on one origin (front_door.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import Annotations, Aspects, CfnOutput, Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from chalice.cdk import Chalice
from constructs import Construct

from keywarden_infra import alarms, front_door, gateway
from keywarden_infra.checks import CheckovSuppressions
from keywarden_infra.config import StageConfig
from keywarden_infra.kms import Keys, create_keys
from keywarden_infra.roles import create_roles, log_group_name
from keywarden_infra.tables import create_tables

ROOT = Path(__file__).resolve().parents[2]

# Chalice's logical ids of the app's functions (SAM resources), by the name `access` uses.
CHALICE_FUNCTIONS = {
    "api": "APIHandler",
    "webhook_events": "WebhookEvents",
    "webhook-dispatch": "WebhookDispatch",
    "usage-rollup": "UsageRollup",
    "expiry-sweep": "ExpirySweep",
}
SCHEDULED = ("webhook-dispatch", "usage-rollup", "expiry-sweep")
LOG_RETENTION = logs.RetentionDays.ONE_YEAR


class KeywardenStack(Stack):
    """One deployment of Keywarden. Its construct id is the stage name: `chalice.cdk.Chalice`
    names the Chalice stage after its scope, so `.chalice/config.json`'s stage (memory,
    timeouts per function) applies as it does to `chalice deploy`."""

    def __init__(self, scope: Construct, config: StageConfig, **kwargs: Any) -> None:
        super().__init__(scope, config.stage, stack_name=f"Keywarden-{config.stage}", **kwargs)
        chalice_stage = _chalice_stage(config.stage)
        self.config = config
        self.tables = create_tables(self, config)
        self.keys: Keys = create_keys(self, config)
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            queue_name=f"keywarden-{config.stage}-dead-letters",
            retention_period=Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        self.roles = create_roles(self, config, self.tables, self.keys, self.dead_letters)
        environment = config.environment()

        self.chalice = Chalice(
            self,
            "App",
            source_dir=str(ROOT),
            stage_config={
                "environment_variables": {**chalice_stage.get("environment_variables", {}), **environment},
                # Each function gets its own role below; this one is the API function's.
                "manage_iam_role": False,
                "iam_role_arn": self.roles["api"].role_arn,
            },
        )
        for name, logical_id in CHALICE_FUNCTIONS.items():
            function = self.chalice.get_resource(logical_id)
            function.add_property_override("Role", self.roles[name].role_arn)
            # Lambda checks the role's permissions when it creates the stream's event source and
            # the failure destinations: the role's policy must exist by then (a bare ARN implies
            # no dependency on it).
            function.node.add_dependency(self.roles[name])
            function.add_property_override("LoggingConfig", {"LogGroup": self._log_group(name).log_group_name})
        self._stream_source()
        self._scheduled_retries()
        self.verify_function = self._verify_function(environment, chalice_stage)
        self._api_stage()
        gateway.configure(self, self.config, self.chalice, self.verify_function)
        alarms.create(self, config, self.chalice, self.verify_function, self.dead_letters)
        self.front_door = front_door.create(self, config, self.api_domain, self.api_stage)
        if not (config.oidc_issuer and config.oidc_jwks_url):
            Annotations.of(self).add_warning_v2(
                "keywarden:no-oidc",
                "No OIDC issuer and JWKS URL: nobody can sign in to this stage "
                "(-c oidc_issuer=... -c oidc_jwks_url=...; see the README's deployment guide).",
            )
        if not config.console_oidc_client_id:
            Annotations.of(self).add_warning_v2(
                "keywarden:no-console-client",
                "No console_oidc_client_id: the web console cannot sign anyone in "
                "(-c console_oidc_client_id=...; see the README's deployment guide).",
            )

        Aspects.of(self).add(CheckovSuppressions())

        front_door_url = self.front_door.url(config)
        CfnOutput(self, "ConsoleUrl", value=f"{front_door_url}/console/", description="The web console")
        CfnOutput(
            self,
            "FrontDoorApiUrl",
            value=front_door_url,
            description="The API through CloudFront, on the console's origin (append /v1/...)",
        )
        CfnOutput(self, "ApiUrl", value=self.api_url, description="The API's base URL (append /v1/...)")
        CfnOutput(self, "JwksUrl", value=f"{self.api_url}/.well-known/jwks.json")
        CfnOutput(self, "DeadLetterQueueUrl", value=self.dead_letters.queue_url)

    @property
    def api_domain(self) -> str:
        """The REST API's own host name (regional endpoint)."""
        rest_api = self.chalice.get_resource("RestAPI")
        return f"{rest_api.ref}.execute-api.{self.region}.{self.url_suffix}"

    @property
    def api_stage(self) -> str:
        """The API Gateway stage Chalice deploys to (`api_gateway_stage` in .chalice/config.json)."""
        return str(_chalice_stage(self.config.stage).get("api_gateway_stage", "api"))

    @property
    def api_url(self) -> str:
        return f"https://{self.api_domain}/{self.api_stage}"

    def _log_group(self, name: str) -> logs.LogGroup:
        """Each function's log group, made by the stack before the function (so Lambda never
        makes its own, which would keep logs forever), with a retention."""
        return logs.LogGroup(
            self,
            f"{construct_id(name)}Logs",
            log_group_name=log_group_name(self.config.stage, name),
            retention=LOG_RETENTION,
            removal_policy=self.config.kept,
        )

    def _stream_source(self) -> None:
        """The outbox stream's event source: the real stream, and what Chalice cannot say:
        retries, halving a failing batch to find the bad record, a maximum age, dead letters."""
        events = self.chalice.get_resource("WebhookEvents")
        path = "Events.WebhookEventsDynamodbEventSource.Properties"
        events.add_property_override(f"{path}.Stream", self.tables["webhook-outbox"].table_stream_arn)
        events.add_property_override(f"{path}.MaximumRetryAttempts", 5)
        events.add_property_override(f"{path}.BisectBatchOnFunctionError", True)
        # The scheduled dispatcher picks up whatever the stream gave up on (the `unsent`
        # index), so an hour of retries is plenty.
        events.add_property_override(f"{path}.MaximumRecordAgeInSeconds", 3600)
        events.add_property_override(
            f"{path}.DestinationConfig",
            {"OnFailure": {"Type": "SQS", "Destination": self.dead_letters.queue_arn}},
        )

    def _scheduled_retries(self) -> None:
        """A scheduled run is not retried (the next tick does the work again); a failed run
        lands in the dead-letter queue, which alarms."""
        for name in SCHEDULED:
            function = self.chalice.get_resource(CHALICE_FUNCTIONS[name])
            function.add_property_override(
                "EventInvokeConfig",
                {
                    "MaximumRetryAttempts": 0,
                    "MaximumEventAgeInSeconds": 600,
                    "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": self.dead_letters.queue_arn}},
                },
            )

    def _verify_function(self, environment: dict[str, str], chalice_stage: dict[str, Any]) -> lambda_.Function:
        """Verification, the hot path, in a function of its own: the same code and handler as
        the API function, but its own role (read a key, count its use), its own concurrency
        and its own alarms. API Gateway sends the verification routes to it (gateway.py)."""
        code = self.chalice.node.find_child("ChaliceAppCode")
        function = lambda_.Function(
            self,
            "VerifyHandler",
            runtime=lambda_.Runtime.PYTHON_3_11,
            handler="app.app",
            code=lambda_.Code.from_bucket(code.bucket, code.s3_object_key),
            role=self.roles["verify"],
            memory_size=int(chalice_stage.get("lambda_memory_size", 1024)),
            timeout=Duration.seconds(int(chalice_stage.get("lambda_timeout", 15))),
            environment={**chalice_stage.get("environment_variables", {}), **environment},
            reserved_concurrent_executions=self.config.verify_reserved_concurrency,
            description="Keywarden: verification of API keys (POST /v1/keys/verify, /v1/hmac/verify)",
            log_group=self._log_group("verify"),
        )
        # The asset's key is its content hash: new code is a new key, so the function is updated.
        Annotations.of(function).acknowledge_warning("@aws-cdk/aws-lambda:codeFromBucketObjectVersionNotSpecified")
        return function

    def _api_stage(self) -> None:
        """The API stage's rate limits (429 beyond them, as a problem) and access log."""
        rest_api = self.chalice.get_resource("RestAPI")
        access_log = logs.LogGroup(
            self,
            "ApiAccessLogs",
            retention=LOG_RETENTION,
            removal_policy=self.config.kept,
        )
        rest_api.add_property_override(
            "MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": self.config.api_rate_limit,
                    "ThrottlingBurstLimit": self.config.api_burst_limit,
                    "MetricsEnabled": True,
                }
            ],
        )
        rest_api.add_property_override(
            "AccessLogSetting",
            {
                "DestinationArn": access_log.log_group_arn,
                # One JSON line per request as the gateway saw it: the ones it answered itself
                # (throttled, unknown route) never reach a function's log.
                "Format": json.dumps(
                    {
                        "request_id": "$context.requestId",
                        "method": "$context.httpMethod",
                        "route": "$context.resourcePath",
                        "status": "$context.status",
                        "error": "$context.error.responseType",
                        "latency_ms": "$context.responseLatency",
                        "integration_ms": "$context.integration.latency",
                        "ip": "$context.identity.sourceIp",
                    }
                ),
            },
        )
        if self.config.manage_api_gateway_account:
            # The stage's access log needs the account's logging role set first.
            rest_api.add_dependency(gateway.account_logging_role(self))
        self.access_log = access_log


def _chalice_stage(stage: str) -> dict[str, Any]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    stages: dict[str, Any] = config.get("stages", {})
    if stage not in stages:
        raise ValueError(f"stage {stage!r} is not in .chalice/config.json; add it there (memory, timeouts) first")
    return dict(stages[stage])


def construct_id(name: str) -> str:
    """`usage-rollup` -> `UsageRollup`: a function's name as part of a construct id."""
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))
