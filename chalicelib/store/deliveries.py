"""Webhook deliveries: one event to one endpoint, with every attempt.

A delivery is created on condition it does not exist (its id comes from the event's
message id), so fanning an event out twice makes no second delivery. A dispatcher takes
a lease on a due delivery before it sends (a conditional write), so two dispatchers
never send it at once, and records the attempt on condition it still holds the lease.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.domain.clock import rfc3339
from chalicelib.domain.page import Page
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.store.pagination import get_or_not_found, query_page
from chalicelib.store.webhook_models import DeliveryModel, OutboxModel

DUE = "due"
PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"
# How long a dispatcher may hold a delivery: the send's 15 s timeout, and room to record it.
LEASE_SECONDS = 60
# Deliveries are kept this long for the listing; DynamoDB's TTL then deletes them.
RETENTION_SECONDS = 30 * 24 * 3600
# Attempts kept on a delivery (a schedule of 10 and a few manual retries fit).
MAX_ATTEMPTS_KEPT = 50


def delivery_id(message_id: str) -> str:
    """The delivery of a message to an endpoint (per endpoint: the endpoint is the hash key)."""
    return "dlv_" + message_id.partition("_")[2]


def _conditional_failure(error: Exception) -> bool:
    cause = getattr(error, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


def create(webhook_id: str, project_id: str, message: dict[str, Any], payload: str, at: float) -> bool:
    """Creates the delivery of `message` to the endpoint, due now; False if it exists already."""
    delivery = DeliveryModel(
        webhook_id,
        delivery_id(message["id"]),
        project_id=project_id,
        message_id=message["id"],
        event_type=message["type"],
        payload=payload,
        status=PENDING,
        attempts=[],
        attempt_count=0,
        next_attempt_at=at,
        due=DUE,
        created_at=rfc3339(at),
        expires_at=datetime.fromtimestamp(at + RETENTION_SECONDS, UTC),
    )
    try:
        delivery.save(condition=DeliveryModel.id.does_not_exist())
    except PutError as error:
        if _conditional_failure(error):
            return False
        raise
    return True


def mark_sent(outbox: OutboxModel) -> None:
    """The event is fanned out: it leaves the index of unsent events (idempotent)."""
    outbox.update(actions=[OutboxModel.unsent.remove()])


def unsent_events(limit: int) -> list[OutboxModel]:
    ids = [item.id for item in OutboxModel.unsent_events.query("unsent", limit=limit)]
    return list(OutboxModel.batch_get(ids, consistent_read=True)) if ids else []


def due_deliveries(at: float, limit: int) -> list[tuple[str, str]]:
    """(webhook id, delivery id) of deliveries whose next attempt is due, earliest first."""
    return [
        (d.webhook_id, d.id)
        for d in DeliveryModel.due_deliveries.query(DUE, DeliveryModel.next_attempt_at <= at, limit=limit)
    ]


def lease(webhook_id: str, delivery: str, at: float) -> DeliveryModel | None:
    """Takes the delivery for one attempt, if it is due and nobody holds it; else None."""
    token = os.urandom(12).hex()
    item = DeliveryModel(webhook_id, delivery)
    try:
        item.update(
            actions=[DeliveryModel.lease.set(token), DeliveryModel.leased_until.set(at + LEASE_SECONDS)],
            condition=(
                (DeliveryModel.status == PENDING)
                & (DeliveryModel.next_attempt_at <= at)
                & (DeliveryModel.leased_until.does_not_exist() | (DeliveryModel.leased_until < at))
            ),
        )
    except UpdateError as error:
        if _conditional_failure(error):
            return None
        raise
    try:
        leased = DeliveryModel.get(webhook_id, delivery, consistent_read=True)
    except DoesNotExist:
        return None
    return leased if leased.lease == token else None


def record_attempt(
    delivery: DeliveryModel, attempt: dict[str, Any], status: str, next_attempt_at: float | None
) -> DeliveryModel:
    """Adds the attempt (newest first) and the outcome, on condition the lease is still ours."""
    attempts = [attempt, *(delivery.attempts or [])][:MAX_ATTEMPTS_KEPT]
    actions: list[Action] = [
        DeliveryModel.attempts.set(attempts),
        DeliveryModel.attempt_count.add(1),
        DeliveryModel.status.set(status),
        DeliveryModel.lease.remove(),
        DeliveryModel.leased_until.remove(),
    ]
    if next_attempt_at is None:
        actions += [DeliveryModel.next_attempt_at.remove(), DeliveryModel.due.remove(), DeliveryModel.manual.set(False)]
    else:
        actions += [DeliveryModel.next_attempt_at.set(next_attempt_at), DeliveryModel.due.set(DUE)]
    try:
        delivery.update(actions=actions, condition=DeliveryModel.lease == delivery.lease)
    except UpdateError as error:
        if _conditional_failure(error):
            raise ConflictError("another dispatcher took this delivery over") from None
        raise
    return delivery


def get_delivery(webhook_id: str, delivery: str, project_id: str) -> DeliveryModel:
    found = get_or_not_found(DeliveryModel, webhook_id, delivery, prefix="dlv", what="delivery")
    if found.project_id != project_id:
        raise NotFoundError("delivery not found")
    return found


def list_deliveries(webhook_id: str, limit: int, cursor: str | None) -> Page[DeliveryModel]:
    """The endpoint's deliveries, newest first."""
    return query_page(DeliveryModel, webhook_id, "id", limit, cursor, scan_index_forward=False, consistent_read=True)


def requeue(delivery: DeliveryModel, at: float) -> DeliveryModel:
    """A failed delivery is due again (manual retry): same message, same `webhook-id`, one
    more attempt. Conditional on it being failed, so a double click queues it once."""
    try:
        delivery.update(
            actions=[
                DeliveryModel.status.set(PENDING),
                DeliveryModel.next_attempt_at.set(at),
                DeliveryModel.due.set(DUE),
                DeliveryModel.manual.set(True),
            ],
            condition=DeliveryModel.status == FAILED,
        )
    except UpdateError as error:
        if _conditional_failure(error):
            raise ConflictError("only a failed delivery can be retried; this one is pending or succeeded") from None
        raise
    return delivery
