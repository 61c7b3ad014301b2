"""The audit trail of a project."""

from __future__ import annotations

from chalicelib.api.access import project_access
from chalicelib.api.http import Call, Router
from chalicelib.api.schemas import AuditEvent, AuditTarget, ListQuery, Page
from chalicelib.domain.policy import Action
from chalicelib.store import audit

router = Router("audit", "audit")


@router.route("GET", "/v1/projects/{pid}/audit-events", query=ListQuery, response=Page[AuditEvent])
def list_audit_events(call: Call) -> Page[AuditEvent]:
    """Every change and reveal in a project, newest first (owner, admin)."""
    project, _, _ = project_access(call, Action.READ_AUDIT)
    page = audit.list_events(project.id, call.query.limit, call.query.cursor)
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
