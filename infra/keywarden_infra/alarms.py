"""Alarms: function errors and throttles, dead letters, verification's p99 latency and
the API's 5xx. They notify one SNS topic (mailed to `alarm_email` when set)."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from chalice.cdk import Chalice

from keywarden_infra.config import StageConfig

FIVE_MINUTES = Duration.minutes(5)


def create(
    stack: Stack, config: StageConfig, chalice: Chalice, verify_function: lambda_.Function, dead_letters: sqs.Queue
) -> sns.Topic:
    from keywarden_infra.stack import CHALICE_FUNCTIONS, construct_id

    topic = sns.Topic(
        stack,
        "Alarms",
        display_name=f"Keywarden {config.stage} alarms",
        # Not encrypted with the AWS-managed `aws/sns` key: CloudWatch may not use it, and every
        # alarm's notification would fail (checks.py says why none is needed).
    )
    if config.alarm_email:
        topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
    notify = actions.SnsAction(topic)

    functions: dict[str, lambda_.IFunction] = {
        name: chalice.get_function(logical_id) for name, logical_id in CHALICE_FUNCTIONS.items()
    }
    functions["verify"] = verify_function
    for name, function in functions.items():
        for kind, metric, why in (
            ("Errors", function.metric_errors, "failed (an invocation raised or timed out)"),
            ("Throttles", function.metric_throttles, "was throttled (its account or reserved concurrency is used up)"),
        ):
            _alarm(
                stack,
                f"{construct_id(name)}{kind}",
                metric(period=FIVE_MINUTES, statistic="Sum"),
                threshold=1,
                description=f"The {name} function {why}",
            ).add_alarm_action(notify)

    _alarm(
        stack,
        "DeadLettersWaiting",
        dead_letters.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum"),
        threshold=1,
        description="Webhook events or scheduled runs gave up; see the dead-letter queue",
    ).add_alarm_action(notify)

    _alarm(
        stack,
        "VerificationLatencyP99",
        # Emitted by the verification handler as EMF (chalicelib's request log and metrics).
        cloudwatch.Metric(
            namespace="Keywarden",
            metric_name="VerificationLatency",
            dimensions_map={"service": "keywarden"},
            statistic="p99",
            period=FIVE_MINUTES,
            unit=cloudwatch.Unit.MILLISECONDS,
        ),
        threshold=config.verify_p99_ms,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        description=f"Verification's p99 latency is above {config.verify_p99_ms} ms",
    ).add_alarm_action(notify)

    _alarm(
        stack,
        "Api5xx",
        cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name="5XXError",
            dimensions_map={"ApiName": config.api_name, "Stage": "api"},
            statistic="Sum",
            period=FIVE_MINUTES,
        ),
        threshold=1,
        description="The API answered with a 5xx (the contract says no input ever yields one)",
    ).add_alarm_action(notify)
    return topic


def _alarm(
    stack: Stack,
    construct_id: str,
    metric: cloudwatch.IMetric,
    *,
    threshold: float,
    description: str,
    evaluation_periods: int = 1,
    datapoints_to_alarm: int = 1,
) -> cloudwatch.Alarm:
    return cloudwatch.Alarm(
        stack,
        construct_id,
        metric=metric,
        threshold=threshold,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        if threshold == 1
        else cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        alarm_description=description,
    )
