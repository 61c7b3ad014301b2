"""Webhook endpoints (Standard Webhooks): subscribe, change, rotate the secret, see deliveries."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from msgspec import UNSET, structs

from chalicelib.api.http import Call, Reply, Router
from chalicelib.api.schemas import ListQuery, Page
from chalicelib.api.webhook_schemas import (
    Delivery,
    DeliveryAttempt,
    Webhook,
    WebhookCreate,
    WebhookCreated,
    WebhookSecretRotated,
    WebhookUpdate,
)
from chalicelib.domain.clock import now, rfc3339
from chalicelib.domain.policy import Action
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services import webhooks as webhook_cases
    from chalicelib.store import deliveries, webhooks
    from chalicelib.store.webhook_models import DeliveryModel, WebhookModel
else:  # at first use: see chalicelib.lazy
    deliveries = lazy_module("chalicelib.store.deliveries")
    webhooks = lazy_module("chalicelib.store.webhooks")
    webhook_cases = lazy_module("chalicelib.services.webhooks")

router = Router("webhooks", "webhooks")


def webhook_view(webhook: WebhookModel) -> Webhook:
    until = webhook.previous_valid_until
    return Webhook(
        id=webhook.id,
        project_id=webhook.project_id,
        url=webhook.url,
        events=[str(e) for e in webhook.events],  # type: ignore[misc]
        description=webhook.description,
        enabled=bool(webhook.enabled),
        disabled_reason=webhook.disabled_reason,
        created_at=webhook.created_at,
        created_by=webhook.created_by,
        updated_at=webhook.updated_at,
        previous_secret_valid_until=rfc3339(until) if until is not None and until > now() else None,
    )


def delivery_view(delivery: DeliveryModel) -> Delivery:
    return Delivery(
        id=delivery.id,
        webhook_id=delivery.webhook_id,
        message_id=delivery.message_id,
        event_type=delivery.event_type,  # type: ignore[arg-type]
        status=delivery.status,  # type: ignore[arg-type]
        attempt_count=int(delivery.attempt_count),
        next_attempt_at=rfc3339(delivery.next_attempt_at) if delivery.next_attempt_at is not None else None,
        created_at=delivery.created_at,
        attempts=[DeliveryAttempt(**a) for a in delivery.attempts or []],
        payload=json.loads(delivery.payload),
    )


@router.route(
    "GET", "/v1/projects/{pid}/webhooks", query=ListQuery, response=Page[Webhook], action=Action.MANAGE_WEBHOOKS
)
def list_webhooks(call: Call[None, ListQuery]) -> Page[Webhook]:
    """The project's endpoints (never their secrets)."""
    page = webhooks.list_webhooks(call.access.project.id, call.query.limit, call.query.cursor)
    return Page([webhook_view(w) for w in page.items], page.next_cursor)


@router.route(
    "POST",
    "/v1/projects/{pid}/webhooks",
    body=WebhookCreate,
    response=WebhookCreated,
    status=201,
    secret_response=True,
    action=Action.MANAGE_WEBHOOKS,
)
def create_webhook(call: Call[WebhookCreate, None]) -> WebhookCreated:
    """Subscribes an endpoint to events; the signing secret is in this response only."""
    body = call.body
    webhook, secret = webhook_cases.create_webhook(
        call.access.project.id, body.url, list(body.events), body.description, call.person.sub
    )
    return WebhookCreated(webhook=webhook_view(webhook), secret=secret)


@router.route("GET", "/v1/projects/{pid}/webhooks/{webhook_id}", response=Webhook, action=Action.MANAGE_WEBHOOKS)
def get_webhook(call: Call[None, None]) -> Webhook:
    """One endpoint (never its secret)."""
    return webhook_view(webhooks.get_webhook(call.access.project.id, call.params["webhook_id"]))


@router.route(
    "PATCH",
    "/v1/projects/{pid}/webhooks/{webhook_id}",
    body=WebhookUpdate,
    response=Webhook,
    action=Action.MANAGE_WEBHOOKS,
)
def update_webhook(call: Call[WebhookUpdate, None]) -> Webhook:
    """Changes url, events, description; `enabled: true` re-enables an endpoint disabled after a 410."""
    webhook = webhooks.get_webhook(call.access.project.id, call.params["webhook_id"])
    changes = {k: v for k, v in structs.asdict(call.body).items() if v is not UNSET}
    return webhook_view(webhook_cases.update_webhook(webhook, changes, call.person.sub))


@router.route("DELETE", "/v1/projects/{pid}/webhooks/{webhook_id}", status=204, action=Action.MANAGE_WEBHOOKS)
def delete_webhook(call: Call[None, None]) -> None:
    """Deletes the endpoint; deliveries still due to it are dropped."""
    webhook_cases.delete_webhook(
        webhooks.get_webhook(call.access.project.id, call.params["webhook_id"]), call.person.sub
    )


@router.route(
    "POST",
    "/v1/projects/{pid}/webhooks/{webhook_id}/rotate-secret",
    response=WebhookSecretRotated,
    secret_response=True,
    action=Action.MANAGE_WEBHOOKS,
)
def rotate_webhook_secret(call: Call[None, None]) -> Reply:
    """A new signing secret, shown once; for 24 hours deliveries carry signatures by both."""
    webhook = webhooks.get_webhook(call.access.project.id, call.params["webhook_id"])
    rotated, secret, until = webhook_cases.rotate_secret(webhook, call.person.sub)
    return Reply(
        WebhookSecretRotated(webhook=webhook_view(rotated), secret=secret, previous_valid_until=rfc3339(until))
    )


@router.route(
    "GET",
    "/v1/projects/{pid}/webhooks/{webhook_id}/deliveries",
    query=ListQuery,
    response=Page[Delivery],
    action=Action.MANAGE_WEBHOOKS,
)
def list_deliveries(call: Call[None, ListQuery]) -> Page[Delivery]:
    """The endpoint's deliveries, newest first, each with its attempts (newest first)."""
    webhook = webhooks.get_webhook(call.access.project.id, call.params["webhook_id"])
    page = deliveries.list_deliveries(webhook.id, call.query.limit, call.query.cursor)
    return Page([delivery_view(d) for d in page.items], page.next_cursor)


@router.route(
    "POST",
    "/v1/projects/{pid}/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
    response=Delivery,
    status=202,
    action=Action.MANAGE_WEBHOOKS,
)
def retry_delivery(call: Call[None, None]) -> Delivery:
    """Queues a failed delivery for one more attempt, with the same `webhook-id` (409 unless it
    failed): 202 with the delivery `pending`. The dispatcher sends it at its next run (every
    second in the local stack, every minute deployed); the deliveries listing shows the outcome."""
    project_id = call.access.project.id
    webhook = webhooks.get_webhook(project_id, call.params["webhook_id"])
    delivery = deliveries.get_delivery(webhook.id, call.params["delivery_id"], project_id)
    return delivery_view(webhook_cases.retry_delivery(delivery, project_id))
