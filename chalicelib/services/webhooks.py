"""Webhook endpoints' use cases that touch their signing secrets: create, rotate, and the
secrets that sign a delivery.

A secret (`whsec_...`) is made here, shown once and handed to the store only sealed (KMS
envelope encryption, bound to the project and the endpoint).
"""

from __future__ import annotations

import base64

from chalicelib.crypto.envelope import open_sealed, seal
from chalicelib.domain import webhook_signing
from chalicelib.domain.clock import now
from chalicelib.domain.ids import new_id
from chalicelib.store import webhooks
from chalicelib.store.webhook_models import WebhookModel

# How long the previous secret signs beside the new one after a rotation (as Svix does).
ROTATION_GRACE_SECONDS = 24 * 3600


def _context(project_id: str, webhook_id: str) -> dict[str, str]:
    return {"project_id": project_id, "webhook_id": webhook_id, "purpose": "webhook-secret"}


def _seal(raw: bytes, project_id: str, webhook_id: str) -> str:
    return seal(base64.b64encode(raw), _context(project_id, webhook_id))


def _open(sealed: str, project_id: str, webhook_id: str) -> bytes:
    return base64.b64decode(open_sealed(sealed, _context(project_id, webhook_id)))


def create_webhook(
    project_id: str, url: str, events: list[str], description: str, actor: str
) -> tuple[WebhookModel, str]:
    """A new endpoint; returns it and its secret (`whsec_...`), which is never shown again."""
    shown, raw = webhook_signing.new_secret()
    webhook_id = new_id("whk")
    sealed = _seal(raw, project_id, webhook_id)
    return webhooks.create_webhook(project_id, webhook_id, url, events, description, sealed, actor), shown


def rotate_secret(webhook: WebhookModel, actor: str) -> tuple[WebhookModel, str, float]:
    """A new secret; the previous one signs too until the returned time (epoch seconds)."""
    shown, raw = webhook_signing.new_secret()
    until = now() + ROTATION_GRACE_SECONDS
    rotated = webhooks.rotate_secret(webhook, _seal(raw, webhook.project_id, webhook.id), until, actor)
    return rotated, shown, until


def signing_secrets(webhook: WebhookModel, at: float | None = None) -> list[bytes]:
    """The secrets that sign a delivery now: the current one, and the previous one in its grace."""
    at = now() if at is None else at
    secrets = [_open(webhook.sealed_secret, webhook.project_id, webhook.id)]
    if webhook.previous_sealed_secret is not None and (webhook.previous_valid_until or 0) > at:
        secrets.append(_open(webhook.previous_sealed_secret, webhook.project_id, webhook.id))
    return secrets
