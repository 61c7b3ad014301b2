"""Keywarden's Chalice application: wiring only; the code lives in chalicelib/."""

import os
from typing import TYPE_CHECKING, Any

from chalice.app import DynamoDBEvent, Rate

# Every function reads DynamoDB on its first request: PynamoDB and botocore load here, at init
# (where Lambda gives the function its full CPU), not inside the first caller's request. What
# only some routes need (the tables and repositories of one feature) loads at first use.
import chalicelib.store.base  # noqa: F401
from chalicelib.api import (
    audit,
    dev,
    health,
    identities,
    key_policy,
    key_requests,
    keys,
    launch_params,
    leaks,
    members,
    nodes,
    openapi,
    projects,
    roles,
    secrets,
    signing_keys,
    templates,
    usage,
    verify,
    webhooks,
)
from chalicelib.api.gateway import KeywardenChalice
from chalicelib.jobs import run_job
from chalicelib.lazy import lazy_module
from chalicelib.services import lambda_extension

if TYPE_CHECKING:
    from chalicelib.services import webhook_delivery
else:  # in the outbox stream's function only: see chalicelib.lazy
    webhook_delivery = lazy_module("chalicelib.services.webhook_delivery")

app = KeywardenChalice(app_name="keywarden")
# In Lambda's API function only: flushes usage counts after each response (must register at init).
lambda_extension.start()

for module in (
    health,
    openapi,
    projects,
    members,
    roles,
    nodes,
    audit,
    secrets,
    launch_params,
    keys,
    key_policy,
    identities,
    templates,
    key_requests,
    verify,
    leaks,
    signing_keys,
    webhooks,
    usage,
    dev,
):
    app.register_blueprint(module.router.blueprint)


# The outbox table's stream. infra/ points the event source at the real stream itself; those who
# deploy with `chalice package` set this. The placeholder keeps packaging working.
OUTBOX_STREAM_ARN = os.environ.get(
    "KEYWARDEN_OUTBOX_STREAM_ARN",
    "arn:aws:dynamodb:us-east-1:000000000000:table/keywarden-local-webhook-outbox/stream/local",
)


@app.on_dynamodb_record(stream_arn=OUTBOX_STREAM_ARN, batch_size=25, starting_position="TRIM_HORIZON")
def webhook_events(event: DynamoDBEvent) -> dict[str, Any]:
    """A committed event's first delivery attempts, as soon as the outbox streams it."""
    return webhook_delivery.dispatch_events(record.keys["id"]["S"] for record in event if record.event_name == "INSERT")


@app.schedule(Rate(1, unit=Rate.MINUTES), name="webhook-dispatch")
def webhook_dispatch(event: object) -> dict[str, Any]:
    """Retries that came due, and events the stream handler missed."""
    return run_job("webhook-dispatch")


@app.schedule(Rate(5, unit=Rate.MINUTES), name="usage-rollup")
def usage_rollup(event: object) -> dict[str, Any]:
    """Rolls raw usage counters up into hour, day and month totals; sets keys' last_used_at."""
    return run_job("usage-rollup")


@app.schedule(Rate(1, unit=Rate.HOURS), name="expiry-sweep")
def expiry_sweep(event: object) -> dict[str, Any]:
    """Announces keys 7 days before they expire, records expiries, lapses key requests."""
    return run_job("expiry-sweep")
