"""Webhook endpoints' use cases: create, change, delete, rotate the secret, retry a delivery,
and the secrets that sign a delivery.

Where an endpoint may point is decided here (`domain.webhook_urls`, and outside the local
stage what its name resolves to now; each send checks again). A secret (`whsec_...`) is
made here, shown once and handed to the store only sealed (KMS envelope encryption, bound
to the project and the endpoint).
"""

from __future__ import annotations

import base64
import socket
from typing import Any

from chalicelib.config import get_settings
from chalicelib.crypto.envelope import open_sealed, seal
from chalicelib.domain import webhook_signing, webhook_urls
from chalicelib.domain.clock import now
from chalicelib.domain.ids import new_id
from chalicelib.errors import ValidationFailedError
from chalicelib.store import deliveries, webhooks
from chalicelib.store.webhook_models import DeliveryModel, WebhookModel

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
    url, events = _checked_url(url), _events(events)
    shown, raw = webhook_signing.new_secret()
    webhook_id = new_id("whk")
    sealed = _seal(raw, project_id, webhook_id)
    return webhooks.create_webhook(project_id, webhook_id, url, events, description, sealed, actor), shown


def update_webhook(webhook: WebhookModel, changes: dict[str, Any], actor: str) -> WebhookModel:
    """Changes url, events, description or enabled of the endpoint as read."""
    if "url" in changes:
        changes["url"] = _checked_url(changes["url"])
    if "events" in changes:
        changes["events"] = _events(changes["events"])
    return webhooks.update_webhook(webhook, changes, actor)


def delete_webhook(webhook: WebhookModel, actor: str) -> None:
    """Deletes the endpoint; deliveries still due to it are dropped."""
    webhooks.delete_webhook(webhook, actor)


def retry_delivery(delivery: DeliveryModel, project_id: str) -> DeliveryModel:
    """Queues a failed delivery for one more attempt (409 unless it failed); returns it pending."""
    deliveries.requeue(delivery, now())
    return deliveries.get_delivery(delivery.webhook_id, delivery.id, project_id)


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


def _checked_url(url: str) -> str:
    problem = webhook_urls.url_problem(url, local=get_settings().is_local)
    if problem is None and not get_settings().is_local:
        problem = _resolution_problem(url)
    if problem is not None:
        raise ValidationFailedError.single("url", problem)
    return url


def _resolution_problem(url: str) -> str | None:
    """A name that resolves to an inner address now is refused now (each send checks again)."""
    parts = webhook_urls.parse(url)
    if parts is None or webhook_urls.address_literal(parts.hostname or "") is not None:
        return None
    try:
        addresses = resolve(parts.hostname or "", parts.port or 443)
    except OSError:
        return None  # not resolvable yet: each attempt checks again
    if not all(webhook_urls.is_public_address(address) for address in addresses):
        return "resolves to a private, loopback or link-local address"
    return None


def _events(events: list[str]) -> list[str]:
    return list(dict.fromkeys(events))


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` stands for (itself, when it is one). Raises OSError when DNS fails."""
    literal = webhook_urls.address_literal(host)
    if literal is not None:
        return [literal]
    found = [str(info[4][0]).split("%", 1)[0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    return list(dict.fromkeys(found))
