"""Key requests as stored: each transition of `domain.key_requests` as one conditional write.

Every transition requires the status and version it read, so of concurrent decisions
exactly one commits and the others get 409. Approval issues the key in the same
transaction (`store.keys.add_key_items`) and seals the key's secret, with the resolved
info fields, onto the request; the claim hands them out once and erases them, and so
does the lapse of an unclaimed request, which also revokes its key.

Each requester's latest request from each template is mirrored in a tile
(KeyRequestTileModel): the `my_request` of a template listing, and the guard of one
pending request per requester and template (a new request requires the tile not pending).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib import cache
from chalicelib.crypto.envelope import open_sealed, seal
from chalicelib.domain import info_fields
from chalicelib.domain.clock import now, parse_rfc3339, rfc3339
from chalicelib.domain.events import WEBHOOK_EVENTS
from chalicelib.domain.ids import new_id
from chalicelib.domain.key_kinds import Minter
from chalicelib.domain.key_requests import AUTO_APPROVER, KeyRequest, Status, Transition
from chalicelib.domain.page import Page
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.store import audit, key_revocation, keys, templates
from chalicelib.store.base import Transaction, TransactionCancelledError, retrying, transaction
from chalicelib.store.event_data import key_data, request_data
from chalicelib.store.models import (
    ApiKeyModel,
    ProjectModel,
    RoleModel,
)
from chalicelib.store.pagination import get_or_not_found, query_page
from chalicelib.store.projects import project_is_live
from chalicelib.store.templates import node_names
from chalicelib.store.workflow_models import KeyRequestModel, KeyRequestTileModel, KeyTemplateModel

# The one hash key of the sparse index of open (pending or approved) requests.
OPEN = "open"
_OPEN_STATES = {Status.PENDING, Status.APPROVED}
# The actor of lapses in the audit trail.
AUTO_EXPIRER = "keywarden:expiry-sweep"


# --- the value and its record ------------------------------------------------------


def value_of(model: KeyRequestModel) -> KeyRequest:
    return KeyRequest(
        id=model.id,
        project_id=model.project_id,
        template_id=model.template_id,
        requester_id=model.requester_id,
        justification=model.justification,
        status=Status(model.status),
        created_at=parse_rfc3339(model.created_at),
        expires_at=float(model.expires_at),
        version=int(model.version),
        decided_at=parse_rfc3339(model.decided_at) if model.decided_at else None,
        decided_by=model.decided_by,
        note=model.note,
        reason=model.reason,
        key_id=model.key_id,
    )


def _stamp(value: float | None) -> str | None:
    return rfc3339(value) if value is not None else None


def _record(state: KeyRequest, sealed_claim: str | None = None) -> KeyRequestModel:
    return KeyRequestModel(
        state.project_id,
        state.id,
        template_id=state.template_id,
        requester_id=state.requester_id,
        justification=state.justification,
        status=state.status.value,
        created_at=rfc3339(state.created_at),
        expires_at=state.expires_at,
        version=state.version,
        decided_at=_stamp(state.decided_at),
        decided_by=state.decided_by,
        note=state.note,
        reason=state.reason,
        key_id=state.key_id,
        sealed_claim=sealed_claim,
        open_shard=OPEN if state.status in _OPEN_STATES else None,
    )


def _changes(state: KeyRequest) -> list[Action]:
    """The update that turns the stored request into `state` (the sealed claim aside)."""
    actions: list[Action] = [
        KeyRequestModel.status.set(state.status.value),
        KeyRequestModel.version.set(state.version),
        KeyRequestModel.expires_at.set(state.expires_at),
    ]
    for attribute, value in (
        (KeyRequestModel.decided_at, _stamp(state.decided_at)),
        (KeyRequestModel.decided_by, state.decided_by),
        (KeyRequestModel.note, state.note),
        (KeyRequestModel.reason, state.reason),
        (KeyRequestModel.key_id, state.key_id),
    ):
        if value is not None:
            actions.append(attribute.set(value))
    if state.status not in _OPEN_STATES:
        actions.append(KeyRequestModel.open_shard.remove())
    return actions


def _slot(requester_id: str, template_id: str) -> str:
    # Hashed: a requester id is any OIDC `sub` and may hold the separator.
    return f"{_requester_prefix(requester_id)}{template_id}"


def _requester_prefix(requester_id: str) -> str:
    return hashlib.sha256(requester_id.encode()).hexdigest()[:40] + "#"


def _claim_context(state: KeyRequest) -> dict[str, str]:
    return {"project_id": state.project_id, "request_id": state.id, "purpose": "key-claim"}


def _unchanged(model: KeyRequestModel) -> Condition:
    return (KeyRequestModel.status == model.status) & (KeyRequestModel.version == model.version)


def _write_transition(txn: Transaction, model: KeyRequestModel, transition: Transition, *extra: Action) -> None:
    """The request moves to the transition's state, on condition it is as read; its tile
    follows when the tile still shows this request (a newer one may have replaced it)."""
    state = transition.state
    txn.update(model, actions=[*_changes(state), *extra], condition=_unchanged(model), label="request")
    slot = _slot(state.requester_id, state.template_id)
    try:
        tile = KeyRequestTileModel.get(state.project_id, slot, consistent_read=True)
    except DoesNotExist:
        return
    if tile.request_id == state.id:
        txn.update(
            tile,
            actions=[
                KeyRequestTileModel.status.set(state.status.value),
                KeyRequestTileModel.expires_at.set(state.expires_at),
            ],
            condition=KeyRequestTileModel.request_id == state.id,
            label="tile",
        )


def _audit(txn: Transaction, actor: str, transition: Transition, details: dict[str, Any] | None = None) -> None:
    state = transition.state
    audit.record(
        txn,
        state.project_id,
        actor,
        transition.event,
        ("key_request", state.id),
        {"template_id": state.template_id, "requester_id": state.requester_id, "status": state.status.value}
        | (details or {}),
        data=request_data(state) if transition.event in WEBHOOK_EVENTS else None,
    )


# --- reading -----------------------------------------------------------------------


def get_request(project_id: str, request_id: str) -> KeyRequestModel:
    return get_or_not_found(KeyRequestModel, project_id, request_id, prefix="krq", what="key request")


def list_requests(
    project_id: str, limit: int, cursor: str | None, *, status: str | None = None, requester_id: str | None = None
) -> Page[KeyRequestModel]:
    """The project's requests, newest first, by requester and by status as readers see it
    (a pending or approved request past its deadline is expired)."""
    condition: Condition | None = None
    if requester_id is not None:
        condition = KeyRequestModel.requester_id == requester_id
    if status is not None:
        at = now()
        if status in ("pending", "approved"):
            extra = (KeyRequestModel.status == status) & (KeyRequestModel.expires_at > at)
        elif status == "expired":
            extra = (KeyRequestModel.status == "expired") | (
                KeyRequestModel.status.is_in("pending", "approved") & (KeyRequestModel.expires_at <= at)
            )
        else:
            extra = KeyRequestModel.status == status
        condition = extra if condition is None else condition & extra
    return query_page(
        KeyRequestModel,
        project_id,
        "id",
        limit,
        cursor,
        filter_condition=condition,
        scan_index_forward=False,
        consistent_read=True,
    )


def tiles_of(project_id: str, requester_id: str) -> dict[str, KeyRequestTileModel]:
    """The requester's latest request from each template, by template id."""
    prefix = _requester_prefix(requester_id)
    tiles = KeyRequestTileModel.query(
        project_id, range_key_condition=KeyRequestTileModel.slot.startswith(prefix), consistent_read=True
    )
    return {tile.slot[len(prefix) :]: tile for tile in tiles}


# --- requesting and approving ------------------------------------------------------


def create_request(
    project: ProjectModel, template: KeyTemplateModel, requester: str, justification: str, mint: Minter | None
) -> KeyRequestModel:
    """A pending request, or, from an `auto_approve` template (`mint` given), an approved one
    with its key issued in the same transaction."""
    at = now()
    state = KeyRequest.new(new_id("krq"), project.id, template.id, requester, justification, at=at)
    slot = _slot(requester, template.id)

    def attempt() -> tuple[KeyRequestModel, str | None]:
        with transaction() as txn:
            # Auto-approval issues what the template said when read: it must be unchanged.
            unchanged = KeyTemplateModel.version == template.version
            txn.condition_check(
                KeyTemplateModel,
                project.id,
                template.id,
                condition=unchanged if template.auto_approve else KeyTemplateModel.id.exists(),
                label="template",
            )
            final, sealed, digest = state, None, None
            if template.auto_approve and mint is not None:
                # Issuing checks the project is live (an item appears in a transaction once).
                final, sealed, digest = _issue(txn, project, template, state, AUTO_APPROVER, None, None, mint, at)
            else:
                project_is_live(txn, project.id)
            record = _record(final, sealed)
            txn.save(record, condition=KeyRequestModel.id.does_not_exist(), label="request")
            # One pending request per requester and template: the tile must not show a live pending one.
            txn.save(
                KeyRequestTileModel(
                    project.id, slot, request_id=final.id, status=final.status.value, expires_at=final.expires_at
                ),
                condition=(
                    KeyRequestTileModel.slot.does_not_exist()
                    | (KeyRequestTileModel.status != Status.PENDING.value)
                    | (KeyRequestTileModel.expires_at <= at)
                ),
                label="tile",
            )
            _audit(txn, requester, Transition(state, "key_request.created"))
            if final is not state:
                _audit(txn, AUTO_APPROVER, Transition(final, "key_request.approved"), {"key_id": final.key_id})
        return record, digest

    try:
        record, digest = retrying(attempt, retry_if=keys.owner_role_changed)
    except TransactionCancelledError as error:
        if "tile" in error.failed:
            raise ConflictError("you already have a pending request for this template") from None
        if "template" in error.failed:
            templates.get_template(project.id, template.id)  # NotFoundError when it was deleted
            raise ConflictError("the template changed meanwhile; request again") from None
        raise keys.explain_issue_failure(error) from None
    if digest is not None:
        cache.key_records.invalidate([digest])
    return record


def _issue(
    txn: Transaction,
    project: ProjectModel,
    template: KeyTemplateModel,
    state: KeyRequest,
    by: str,
    note: str | None,
    expires_at: float | None,
    mint: Minter,
    at: float,
) -> tuple[KeyRequest, str, str]:
    """Adds the approval's key to `txn`; returns the approved state, the sealed claim and the
    key's lookup id. Raises (before anything is minted) when the request may not be approved."""
    key_id = new_id("key")
    approved = state.approve(by, at, key_id, note).state  # the domain's checks, before a secret is made
    try:
        role = RoleModel.get(project.id, template.role_id, consistent_read=True)
    except DoesNotExist:  # not while the template counts in its ref_count; a torn write at most
        raise ConflictError("the template's role is gone; fix the template") from None
    if expires_at is None and template.ttl_seconds is not None:
        expires_at = at + float(template.ttl_seconds)
    spec = keys.NewKey(
        key_type=template.type,
        name=template.name,
        description=template.description,
        owner_id=state.requester_id,
        role=role,
        expires_at=expires_at,
        meta={},
        template_id=template.id,
        request_id=state.id,
    )
    key, secret, digest = keys.add_key_items(txn, project, spec, mint, by, at, key_id=key_id)
    names = node_names(project.id, set(template.node_ids or ()))
    resolved = {
        field["name"]: info_fields.resolve(field["value"], project.id, names) for field in template.info_fields or []
    }
    sealed = seal(json.dumps({"secret": secret, "secrets": resolved}).encode(), _claim_context(approved))
    audit.record(
        txn,
        project.id,
        by,
        "key.created",
        ("key", key.id),
        {"owner_id": key.owner_id, "role_id": key.role_id, "type": key.type, "request_id": state.id},
        data=key_data(key),
    )
    return approved, sealed, digest


def approve(
    project: ProjectModel,
    model: KeyRequestModel,
    by: str,
    note: str | None,
    expires_at: float | None,
    mint_for: Any,
) -> KeyRequestModel:
    """Approves a pending request and issues its key, in one transaction with the audit events.

    `mint_for(key_type)` gives the minter of the template's key type. Of concurrent
    approvals one commits; the others find the request changed and get 409.
    """
    state = value_of(model)
    state.approve(by, now(), "", note)  # 403 or 409 before any other read
    try:
        template = KeyTemplateModel.get(project.id, model.template_id, consistent_read=True)
    except DoesNotExist:
        raise ConflictError("the request's template was deleted; deny or cancel the request") from None
    mint = mint_for(template.type)

    def attempt() -> tuple[KeyRequest, str]:
        at = now()
        with transaction() as txn:
            txn.condition_check(
                KeyTemplateModel,
                project.id,
                template.id,
                condition=KeyTemplateModel.version == template.version,
                label="template",
            )
            approved, sealed, digest = _issue(txn, project, template, state, by, note, expires_at, mint, at)
            transition = Transition(approved, "key_request.approved")
            _write_transition(txn, model, transition, KeyRequestModel.sealed_claim.set(sealed))
            _audit(txn, by, transition, {"key_id": approved.key_id})
        return approved, digest

    try:
        _, digest = retrying(attempt, retry_if=keys.owner_role_changed)
    except TransactionCancelledError as error:
        if "request" in error.failed:
            raise ConflictError("the request was decided meanwhile") from None
        if "template" in error.failed:
            raise ConflictError("the template changed meanwhile; try again") from None
        raise keys.explain_issue_failure(error) from None
    cache.key_records.invalidate([digest])
    return get_request(project.id, model.id)


def _simple_transition(model: KeyRequestModel, transition: Transition, actor: str) -> KeyRequestModel:
    try:
        with transaction() as txn:
            project_is_live(txn, model.project_id)
            _write_transition(txn, model, transition)
            _audit(txn, actor, transition)
    except TransactionCancelledError as error:
        if "project" in error.failed:
            raise NotFoundError("project not found") from None
        if error.failed & {"request", "tile"}:
            raise ConflictError("the request changed meanwhile; read it again") from None
        raise
    return get_request(model.project_id, model.id)


def deny(model: KeyRequestModel, by: str, reason: str | None) -> KeyRequestModel:
    return _simple_transition(model, value_of(model).deny(by, now(), reason), by)


def cancel(model: KeyRequestModel, by: str) -> KeyRequestModel:
    return _simple_transition(model, value_of(model).cancel(by, now()), by)


def claim(model: KeyRequestModel, by: str) -> tuple[KeyRequest, ApiKeyModel, dict[str, str], dict[str, str]]:
    """The requester takes the approved key: its secret and the resolved info fields, once.

    The sealed copy is erased in the transaction that records the claim, so a second claim,
    concurrent or later, finds nothing to hand out (409).
    """
    transition = value_of(model).claim(by, now())
    if model.sealed_claim is None or model.key_id is None:
        raise ConflictError("the key of this request was handed out already")
    opened = json.loads(open_sealed(model.sealed_claim, _claim_context(transition.state)))
    # Everything the answer needs is read before the secret is erased: once the claim
    # commits, nothing may fail between it and the response.
    key = keys.get_key(model.project_id, model.key_id)
    try:
        with transaction() as txn:
            project_is_live(txn, model.project_id)
            _write_transition(txn, model, transition, KeyRequestModel.sealed_claim.remove())
            _audit(txn, by, transition, {"key_id": model.key_id})
    except TransactionCancelledError as error:
        if "project" in error.failed:
            raise NotFoundError("project not found") from None
        if error.failed & {"request", "tile"}:
            raise ConflictError("the request changed meanwhile (claimed or lapsed)") from None
        raise
    return transition.state, key, opened["secret"], opened["secrets"]


# --- lapsing -----------------------------------------------------------------------


def expire_lapsed(at: float | None = None, limit: int = 500) -> dict[str, int]:
    """Records the lapse of open requests past their deadline: a pending one expires, an
    approved one expires with its sealed claim erased and its unclaimed key revoked, each in
    one transaction. Safe to run twice or concurrently: each write requires the request as read."""
    at = now() if at is None else at
    expired = revoked = conflicts = 0
    for entry in KeyRequestModel.open_requests.query(OPEN, KeyRequestModel.expires_at <= at, limit=limit):
        try:
            model = KeyRequestModel.get(entry.project_id, entry.id, consistent_read=True)
        except DoesNotExist:
            continue
        state = value_of(model)
        try:
            transition = state.expire(at)
        except ConflictError:
            continue
        key = None
        if state.status is Status.APPROVED and state.key_id is not None:
            key = keys.get_key(state.project_id, state.key_id)
            if key.revoked_at is not None:
                key = None
        try:
            with transaction() as txn:
                _write_transition(txn, model, transition, KeyRequestModel.sealed_claim.remove())
                _audit(txn, AUTO_EXPIRER, transition, {"key_revoked": key is not None})
                if key is not None:
                    # Revoked now (`at` is only the time lapses are judged by).
                    revoked_at = now()
                    key_revocation.add_revocations(txn, [key], revoked_at)
                    audit.record(
                        txn,
                        state.project_id,
                        AUTO_EXPIRER,
                        "key.revoked",
                        ("key", key.id),
                        {"reason": "unclaimed"},
                        data=key_revocation.revoked_data([key], revoked_at)[0],
                    )
        except TransactionCancelledError:
            conflicts += 1  # claimed, or revoked, meanwhile: the next round reads it again
            continue
        expired += 1
        if key is not None:
            revoked += 1
            cache.key_records.invalidate([key.digest])
    return {"expired": expired, "keys_revoked": revoked, "conflicts": conflicts}
