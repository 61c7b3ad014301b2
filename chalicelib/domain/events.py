"""The events a project's webhooks may subscribe to (API.md, "Webhooks"): one list, which the
request schemas validate against and the audit seam routes to the outbox."""

from __future__ import annotations

from typing import Literal, get_args

EventType = Literal[
    "key_request.created",
    "key_request.approved",
    "key_request.denied",
    "key_request.cancelled",
    "key.created",
    "key.revoked",
    "key.rerolled",
    "key.expiring",
    "key.disabled",
    "key.enabled",
    "key.exposed",
    "key.credits_low",
    "key.credits_exhausted",
    "key.rate_limited",
    "identity.credits_low",
    "identity.credits_exhausted",
    "identity.rate_limited",
    "secret.rotated",
    "identity.created",
    "identity.updated",
    "identity.deleted",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
WEBHOOK_EVENTS = frozenset(EVENT_TYPES)
