"""The audit trail: one event per change or reveal, written in the change's own transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain.clock import now, rfc3339
from chalicelib.domain.events import WEBHOOK_EVENTS
from chalicelib.domain.ids import first_id_at, new_id
from chalicelib.domain.page import Page
from chalicelib.lazy import lazy_module
from chalicelib.store.audit_models import AuditEventModel
from chalicelib.store.base import Transaction
from chalicelib.store.pagination import decode_cursor, encode_cursor, query_page

if TYPE_CHECKING:
    from chalicelib.store import outbox
else:  # at the first event: the verification path never writes one (see chalicelib.lazy)
    outbox = lazy_module("chalicelib.store.outbox")


def record(
    txn: Transaction,
    project_id: str,
    actor: str,
    action: str,
    target: tuple[str, str],
    details: dict[str, Any] | None = None,
    data: dict[str, Any] | list[dict[str, Any]] | None = None,
) -> AuditEventModel:
    """Adds an audit event to `txn`. `details` must never hold a secret.

    When `action` is a webhook event, its object (`data`: the key or request as the API
    shows it, a list for a bulk change) goes to the outbox in the same transaction.
    """
    if action in WEBHOOK_EVENTS:
        if data is None:
            raise ValueError(f"{action} is a webhook event: record it with its object")
        outbox.publish(txn, project_id, action, data)
    event = AuditEventModel(
        project_id,
        new_id("evt"),
        at=rfc3339(now()),
        actor=actor,
        action=action,
        target_type=target[0],
        target_id=target[1],
        details=details or {},
    )
    # Ids are random; the condition only guards against a (vanishingly unlikely) collision
    # silently replacing an older event.
    txn.save(event, condition=AuditEventModel.id.does_not_exist(), label="audit")
    return event


def list_events(project_id: str, limit: int, cursor: str | None) -> Page[AuditEventModel]:
    """The project's events, newest first."""
    return query_page(AuditEventModel, project_id, "id", limit, cursor, scan_index_forward=False, consistent_read=True)


# What an offline verifier of the project's keys must hear about (see key_changes).
KEY_CHANGE_ACTIONS = (
    "key.revoked",
    "key.rerolled",
    "key.updated",
    "key.disabled",
    "key.enabled",
    "member.added",
    "member.role_changed",
    "member.removed",
    "member.keys_updated",
)


# A key.updated event is in the feed when it changed one of these: an expiry brought forward
# (a JWT's own `exp` no longer tells it), limits (each use must then be charged online), or the
# IP allowlist (a kept answer judges addresses against the old one).
FEED_FIELDS = frozenset({"expires_at", "ratelimits", "credits", "ip_allowlist"})


def key_changes(project_id: str, since_ms: int | None, limit: int, cursor: str | None) -> Page[AuditEventModel]:
    """Events that change whether a key verifies beyond what it carries, oldest first, from
    `since_ms` on: revocations, expiries brought forward (a reroll, a PATCH), and owners'
    memberships, limits given or changed. A `key.updated` that changed none of `FEED_FIELDS` is
    skipped. Strongly consistent.

    One call reads at most `_MAX_EVENTS_READ` events, matching or not, and then hands out a
    cursor at the last one read (a page may then hold fewer than `limit` items, even none).
    """
    start = decode_cursor(cursor, ["id"])
    if start is not None:
        condition = AuditEventModel.id > start["id"]
    elif since_ms is not None:
        condition = AuditEventModel.id >= first_id_at("evt", since_ms)
    else:
        condition = None
    results = AuditEventModel.query(project_id, range_key_condition=condition, consistent_read=True)
    items: list[AuditEventModel] = []
    for read, event in enumerate(results, start=1):
        if event.action in KEY_CHANGE_ACTIONS and (
            event.action != "key.updated" or bool(FEED_FIELDS & set((event.details or {}).get("changed", ())))
        ):
            items.append(event)
        if len(items) == limit or read == _MAX_EVENTS_READ:
            return Page(items, encode_cursor({"id": event.id}))
    return Page(items, None)


_MAX_EVENTS_READ = 1000
