"""The transactional outbox: webhook events written with the change that causes them.

`audit.record` calls `publish` for every audited action that is a webhook event, in the
same transaction, so an event exists exactly when its change committed: nothing is lost
when a process dies between the change and the send, and nothing is sent for a change
that rolled back. One item per message, however many endpoints listen (the dispatcher
fans it out), so a transaction grows by one item per event, not by one per endpoint; and
each item holds one key or request, so it stays far below DynamoDB's 400 KB per item (a
key's view is at most about 60 KB escaped) whatever a bulk change revokes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.domain.clock import now, rfc3339
from chalicelib.domain.ids import new_id
from chalicelib.domain.webhook_signing import new_message_id
from chalicelib.store.base import Transaction
from chalicelib.store.webhook_models import OutboxModel

UNSENT = "unsent"
# Kept for reading back after fan-out; DynamoDB's TTL then deletes it.
RETENTION_SECONDS = 30 * 24 * 3600


def publish_once(project_id: str, event_id: str, event_type: str, data: dict[str, Any]) -> bool:
    """Writes one event outside any transaction, unless an event with `event_id` exists
    already (a notice that another request or process sent first); True when written.

    For what is no change of state but an observation (a balance crossing a threshold, a
    window refusing): it has no transaction to join, so its id makes it happen once.
    """
    at = now()
    message = {"id": new_message_id(), "type": event_type, "timestamp": rfc3339(at), "data": data}
    event = OutboxModel(
        event_id,
        project_id=project_id,
        messages=[message],
        created_at=at,
        unsent=UNSENT,
        expires_at=datetime.fromtimestamp(at + RETENTION_SECONDS, UTC),
    )
    try:
        # Absent: the first to notice sends; every later one finds it and sends nothing.
        event.save(condition=OutboxModel.id.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def publish(txn: Transaction, project_id: str, event_type: str, data: dict[str, Any] | list[dict[str, Any]]) -> None:
    """Adds the event to `txn`; a list of objects (a bulk revocation) makes one message, and
    one item, each (the caller counts them against the transaction's 100 items)."""
    at = now()
    for item in data if isinstance(data, list) else [data]:
        message = {"id": new_message_id(), "type": event_type, "timestamp": rfc3339(at), "data": item}
        event = OutboxModel(
            new_id("obx"),
            project_id=project_id,
            messages=[message],
            created_at=at,
            unsent=UNSENT,
            expires_at=datetime.fromtimestamp(at + RETENTION_SECONDS, UTC),
        )
        txn.save(event, condition=OutboxModel.id.does_not_exist(), label="outbox")
