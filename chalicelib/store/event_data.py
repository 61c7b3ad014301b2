"""The objects events carry: a key, a request or an identity as the API shows it, never a secret.

One source for both the API's views (`api.keys.key_view`, `api.key_requests.request_view`,
`api.identities.identity_view`) and webhook bodies, so a receiver sees exactly what a GET would return.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from chalicelib.domain.clock import now, parse_rfc3339, rfc3339
from chalicelib.domain.limits import from_document
from chalicelib.store.key_models import ApiKeyModel

if TYPE_CHECKING:
    from chalicelib.domain.key_requests import KeyRequest
    from chalicelib.domain.limits import Limits
    from chalicelib.store.identity_models import IdentityModel


def status_of(key: ApiKeyModel, at: float | None = None) -> str:
    """revoked, expired, disabled or active, as the key's management view shows it (in the
    order verification refuses: a revoked key that was disabled first is revoked)."""
    return _status(key.revoked_at, key.expires_at, key.disabled_at is not None, at)


def _status(revoked_at: str | None, expires_at: str | None, disabled: bool, at: float | None = None) -> str:
    if revoked_at is not None:
        return "revoked"
    expires = parse_rfc3339(expires_at) if expires_at else None
    if expires is not None and expires <= (now() if at is None else at):
        return "expired"
    return "disabled" if disabled else "active"


def key_data(key: ApiKeyModel, remaining: int | None = None, **changed: Any) -> dict[str, Any]:
    """The key's fields as GET returns them; `changed` overrides some (a write's new values).

    `remaining` is the key's credit balance, counted in its meter: events that do not know it
    (a revocation) leave it out of `credits`.
    """
    limits = from_document(key.limits)
    credits = None
    if limits.credits is not None:
        credits = msgspec.to_builtins(limits.credits)
        if remaining is not None:
            credits["remaining"] = remaining
    data: dict[str, Any] = {
        "id": key.id,
        "project_id": key.project_id,
        "type": key.type,
        "name": key.name,
        "description": key.description,
        "owner_id": key.owner_id,
        "identity_id": key.identity_id,
        "role_id": key.role_id,
        "permissions": [str(p) for p in key.permissions],
        "status": "active",
        "hint": key.hint,
        "created_at": key.created_at,
        "created_by": key.created_by,
        "expires_at": key.expires_at,
        "revoked_at": key.revoked_at,
        "last_used_at": key.last_used_at,
        "template_id": key.template_id,
        "request_id": key.request_id,
        "meta": dict(key.meta or {}),
        "ratelimits": msgspec.to_builtins(limits.ratelimits),
        "credits": credits,
        "enabled": key.disabled_at is None,
        "ip_allowlist": list(key.ip_allowlist or ()),
        "exposed_at": key.exposed_at,
        "exposed_action": key.exposed_action,
    } | changed
    if "status" not in changed:
        data["status"] = _status(data["revoked_at"], data["expires_at"], not data["enabled"])
    return data


def request_data(state: KeyRequest) -> dict[str, Any]:
    """The request's fields as GET returns them (a lapsed one reads as expired)."""
    return {
        "id": state.id,
        "project_id": state.project_id,
        "template_id": state.template_id,
        "requester_id": state.requester_id,
        "justification": state.justification,
        "status": state.status_at(now()).value,
        "created_at": rfc3339(state.created_at),
        "expires_at": rfc3339(state.expires_at),
        "decided_at": rfc3339(state.decided_at) if state.decided_at is not None else None,
        "decided_by": state.decided_by,
        "note": state.note,
        "reason": state.reason,
        "key_id": state.key_id,
    }


def identity_data(identity: IdentityModel, limits: Limits, remaining: int | None) -> dict[str, Any]:
    """The identity's fields as GET returns them: `limits` as its item holds them
    (`store.identities.identity_limits`), `remaining` its credit balance (None: unlimited)."""
    credits = None
    if limits.credits is not None:
        refill = limits.credits.refill
        credits = {
            "remaining": remaining or 0,
            "refill": None
            if refill is None
            else {"amount": refill.amount, "interval": refill.interval, "day_of_month": refill.day_of_month},
            "notify_below": limits.credits.notify_below,
        }
    return {
        "id": identity.id,
        "project_id": identity.project_id,
        "external_id": identity.external_id,
        "meta": dict(identity.meta or {}),
        "ratelimits": [
            {"name": r.name, "limit": r.limit, "duration_seconds": r.duration_seconds, "auto_apply": r.auto_apply}
            for r in limits.ratelimits
        ],
        "credits": credits,
        "created_at": identity.created_at,
    }
