"""The audit trail of a project."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.api.http import Call, Router
from chalicelib.api.schemas import AuditEvent, AuditTarget, ListQuery, Page
from chalicelib.domain.policy import Action
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.store import audit
else:  # at first use: see chalicelib.lazy
    audit = lazy_module("chalicelib.store.audit")

router = Router("audit", "audit")


@router.route(
    "GET", "/v1/projects/{pid}/audit-events", query=ListQuery, response=Page[AuditEvent], action=Action.READ_AUDIT
)
def list_audit_events(call: Call[None, ListQuery]) -> Page[AuditEvent]:
    """Every change and reveal in a project, newest first (owner, admin)."""
    page = audit.list_events(call.access.project.id, call.query.limit, call.query.cursor)
    return Page(
        [
            AuditEvent(
                id=e.id,
                at=e.at,
                actor=e.actor,
                action=e.action,
                target=AuditTarget(type=e.target_type, id=e.target_id),
                details=dict(e.details or {}),
            )
            for e in page.items
        ],
        page.next_cursor,
    )
