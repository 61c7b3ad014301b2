"""Shapes of webhook endpoints and their deliveries. Split from `schemas` by feature."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from chalicelib.api.schemas import Body, Description, Timestamp
from chalicelib.domain.events import EVENT_TYPES, EventType

Url = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=2048,
        description="https, and not a private, loopback or link-local address (http and any host: local stage only)",
        examples=["https://hooks.example.com/keywarden"],
    ),
]
Events = Annotated[
    list[EventType],
    Meta(
        min_length=1,
        max_length=len(EVENT_TYPES),
        description=(
            "`data` is the key, request or identity as GET shows it; for the notices of limits "
            "(`key.credits_low`, `key.credits_exhausted`, `key.rate_limited` and their `identity.*` "
            "twins, each sent once: a balance crossing `notify_below`, the last credit spent, a limit's "
            "first refusal in a window) it is `{project_id, key_id, owner_id | identity: {id, external_id}}` "
            "with `remaining` and `notify_below`, or with `ratelimit: {name, limit, duration_seconds}` "
            "and `reset_at`; for `key.exposed` (a leak report acted on the key) it is `{key, source: "
            "github|report, url, action_taken: revoke|disable|notify}`"
        ),
    ),
]


class WebhookCreate(Body):
    url: Url
    events: Events
    description: Description = ""


class WebhookUpdate(Body):
    url: Url | UnsetType = UNSET
    events: Events | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    enabled: Annotated[bool, Meta(description="true re-enables an endpoint disabled after a 410")] | UnsetType = UNSET


class Webhook(Struct):
    id: str
    project_id: str
    url: str
    events: list[EventType]
    description: str
    enabled: bool
    disabled_reason: str | None
    created_at: Timestamp
    created_by: str
    updated_at: Timestamp
    previous_secret_valid_until: Annotated[
        Timestamp | None, Meta(description="after a rotation, the previous secret also signs until then")
    ]


WebhookSecret = Annotated[
    str, Meta(description="`whsec_` + base64 of 32 random bytes; shown once, never again", pattern=r"^whsec_")
]


class WebhookCreated(Struct):
    webhook: Webhook
    secret: WebhookSecret


class WebhookSecretRotated(Struct):
    webhook: Webhook
    secret: WebhookSecret
    previous_valid_until: Annotated[
        Timestamp, Meta(description="the previous secret signs beside the new one until then")
    ]


class DeliveryAttempt(Struct):
    at: Timestamp
    status: Literal["succeeded", "failed"]
    duration_ms: int
    response_code: int | None
    error: str | None


class Delivery(Struct):
    id: str
    webhook_id: str
    message_id: Annotated[str, Meta(description="the `webhook-id` header; every attempt and retry keeps it")]
    event_type: EventType
    status: Literal["pending", "succeeded", "failed"]
    attempt_count: int
    next_attempt_at: Timestamp | None
    created_at: Timestamp
    attempts: Annotated[list[DeliveryAttempt], Meta(description="newest first")]
    payload: Annotated[dict[str, Any], Meta(description="the body sent: {type, timestamp, data}")]
