"""The events a project's webhooks may subscribe to (API.md, "Webhooks")."""

from __future__ import annotations

EVENT_TYPES: tuple[str, ...] = (
    "key_request.created",
    "key_request.approved",
    "key_request.denied",
    "key_request.cancelled",
    "key.created",
    "key.revoked",
    "key.rerolled",
    "key.expiring",
    "secret.rotated",
)
WEBHOOK_EVENTS = frozenset(EVENT_TYPES)
