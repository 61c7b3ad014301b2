"""Webhook endpoints of a project as stored, their signing secrets only sealed.

Making a secret, sealing and opening it are the use cases' (`services.webhooks`). After a
rotation the previous secret keeps signing beside the new one for a grace period, so
receivers can switch without missing a delivery (the spec's space-separated signatures).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from chalicelib.domain.clock import now, rfc3339
from chalicelib.domain.page import Page
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.store import audit
from chalicelib.store.base import TransactionCancelledError, transaction
from chalicelib.store.pagination import get_or_not_found, query_page
from chalicelib.store.projects import project_is_live
from chalicelib.store.webhook_models import WebhookModel


def _shown(url: str) -> str:
    """The URL for the audit trail: scheme, host and path; a query may carry a receiver's token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def _explain(error: TransactionCancelledError, what: str) -> Exception:
    if "project" in error.failed:
        return NotFoundError("project not found")
    if "webhook" in error.failed:
        return ConflictError(what)
    return error


def create_webhook(
    project_id: str, webhook_id: str, url: str, events: list[str], description: str, sealed_secret: str, actor: str
) -> WebhookModel:
    """A new endpoint, with its secret sealed, audited."""
    stamp = rfc3339(now())
    webhook = WebhookModel(
        project_id,
        webhook_id,
        url=url,
        events=events,
        description=description,
        enabled=True,
        sealed_secret=sealed_secret,
        created_at=stamp,
        created_by=actor,
        updated_at=stamp,
        version=1,
    )
    try:
        with transaction() as txn:
            project_is_live(txn, project_id)
            txn.save(webhook, condition=WebhookModel.id.does_not_exist(), label="webhook")
            audit.record(
                txn,
                project_id,
                actor,
                "webhook.created",
                ("webhook", webhook_id),
                {"url": _shown(url), "events": events},
            )
    except TransactionCancelledError as error:
        raise _explain(error, "a webhook with this id exists") from None
    return webhook


def get_webhook(project_id: str, webhook_id: str) -> WebhookModel:
    return get_or_not_found(WebhookModel, project_id, webhook_id, prefix="whk", what="webhook")


def list_webhooks(project_id: str, limit: int, cursor: str | None) -> Page[WebhookModel]:
    return query_page(WebhookModel, project_id, "id", limit, cursor, consistent_read=True)


def all_webhooks(project_id: str) -> list[WebhookModel]:
    return list(WebhookModel.query(project_id, consistent_read=True))


def update_webhook(webhook: WebhookModel, changes: Mapping[str, Any], actor: str) -> WebhookModel:
    """Changes url, events, description or enabled; enabling clears why it was disabled."""
    if not changes:
        return webhook
    actions = [getattr(WebhookModel, field).set(value) for field, value in changes.items()]
    if changes.get("enabled") is True:
        actions.append(WebhookModel.disabled_reason.remove())
    actions += [WebhookModel.updated_at.set(rfc3339(now())), WebhookModel.version.add(1)]
    try:
        with transaction() as txn:
            project_is_live(txn, webhook.project_id)
            txn.update(webhook, actions=actions, condition=WebhookModel.version == webhook.version, label="webhook")
            audit.record(
                txn, webhook.project_id, actor, "webhook.updated", ("webhook", webhook.id), {"changed": sorted(changes)}
            )
    except TransactionCancelledError as error:
        if "webhook" in error.failed:
            get_webhook(webhook.project_id, webhook.id)
        raise _explain(error, "the webhook changed meanwhile; read it again") from None
    return get_webhook(webhook.project_id, webhook.id)


def delete_webhook(webhook: WebhookModel, actor: str) -> None:
    """Deletes the endpoint; its pending deliveries are dropped when they come due."""
    try:
        with transaction() as txn:
            project_is_live(txn, webhook.project_id)
            txn.delete(webhook, condition=WebhookModel.id.exists(), label="webhook")
            audit.record(
                txn, webhook.project_id, actor, "webhook.deleted", ("webhook", webhook.id), {"url": _shown(webhook.url)}
            )
    except TransactionCancelledError as error:
        if "webhook" in error.failed:
            raise NotFoundError("webhook not found") from None
        raise _explain(error, "") from None


def rotate_secret(webhook: WebhookModel, sealed_secret: str, until: float, actor: str) -> WebhookModel:
    """The endpoint as read gets a new secret; the previous one signs too until `until` (epoch seconds)."""
    try:
        with transaction() as txn:
            project_is_live(txn, webhook.project_id)
            txn.update(
                webhook,
                actions=[
                    WebhookModel.sealed_secret.set(sealed_secret),
                    WebhookModel.previous_sealed_secret.set(webhook.sealed_secret),
                    WebhookModel.previous_valid_until.set(until),
                    WebhookModel.updated_at.set(rfc3339(now())),
                    WebhookModel.version.add(1),
                ],
                # Optimistic: of two rotations, the second would make the first's secret vanish unseen.
                condition=WebhookModel.version == webhook.version,
                label="webhook",
            )
            audit.record(
                txn,
                webhook.project_id,
                actor,
                "webhook.secret_rotated",
                ("webhook", webhook.id),
                {"previous_valid_until": rfc3339(until)},
            )
    except TransactionCancelledError as error:
        if "webhook" in error.failed:
            get_webhook(webhook.project_id, webhook.id)
        raise _explain(error, "the webhook changed meanwhile (rotated by someone else?); try again") from None
    return get_webhook(webhook.project_id, webhook.id)


def disable(webhook: WebhookModel, reason: str) -> None:
    """Turns the endpoint off (it answered 410 Gone); a PATCH {enabled: true} turns it on again."""
    try:
        with transaction() as txn:
            txn.update(
                webhook,
                actions=[
                    WebhookModel.enabled.set(False),
                    WebhookModel.disabled_reason.set(reason),
                    WebhookModel.updated_at.set(rfc3339(now())),
                    WebhookModel.version.add(1),
                ],
                condition=WebhookModel.id.exists(),
                label="webhook",
            )
            audit.record(
                txn,
                webhook.project_id,
                "keywarden:webhooks",
                "webhook.disabled",
                ("webhook", webhook.id),
                {"reason": reason},
            )
    except TransactionCancelledError as error:
        if "webhook" not in error.failed:
            raise
