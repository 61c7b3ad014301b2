"""Key requests as stored: each transition of `domain.key_requests` as one conditional write.

Every transition requires the status and version it read, so of concurrent decisions
exactly one commits and the others get 409. The use cases (`services.key_requests`)
decide each transition in the domain, issue an approval's key and seal its claim; the
writes are here.

Each requester's latest request from each template is mirrored in a tile
(KeyRequestTileModel): the `my_request` of a template listing, and the guard of one
pending request per requester and template (a new request requires the tile not pending).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.clock import now, parse_rfc3339, rfc3339
from chalicelib.domain.events import WEBHOOK_EVENTS
from chalicelib.domain.key_requests import KeyRequest, Status, Transition
from chalicelib.domain.page import Page
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.store import audit
from chalicelib.store.base import Transaction, TransactionCancelledError, transaction
from chalicelib.store.event_data import request_data
from chalicelib.store.pagination import get_or_not_found, query_page
from chalicelib.store.projects import project_is_live
from chalicelib.store.request_models import KeyRequestModel, KeyRequestTileModel, KeyTemplateModel

# The one hash key of the sparse index of open (pending or approved) requests.
OPEN = "open"
_OPEN_STATES = {Status.PENDING, Status.APPROVED}


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


def load(project_id: str, request_id: str) -> tuple[KeyRequestModel, KeyRequest]:
    """The request as stored (what a transition's write requires unchanged) and as a domain value."""
    model = get_request(project_id, request_id)
    return model, value_of(model)


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


# --- writing -----------------------------------------------------------------------


def add_new_request(
    txn: Transaction, state: KeyRequest, sealed_claim: str | None, at: float, *, key_issued: bool
) -> KeyRequestModel:
    """Adds a new request (pending, or approved at once) and its tile to `txn`. One pending
    request per requester and template: the tile must not show a live pending one."""
    if not key_issued:
        # The project is live (issuing a key checks it already: an item appears in a transaction once).
        project_is_live(txn, state.project_id)
    record = _record(state, sealed_claim)
    txn.save(record, condition=KeyRequestModel.id.does_not_exist(), label="request")
    txn.save(
        KeyRequestTileModel(
            state.project_id,
            _slot(state.requester_id, state.template_id),
            request_id=state.id,
            status=state.status.value,
            expires_at=state.expires_at,
        ),
        condition=(
            KeyRequestTileModel.slot.does_not_exist()
            | (KeyRequestTileModel.status != Status.PENDING.value)
            | (KeyRequestTileModel.expires_at <= at)
        ),
        label="tile",
    )
    return record


def template_unchanged(txn: Transaction, template: KeyTemplateModel, *, exact: bool) -> None:
    """Adds a check that the template still exists, and with `exact` that it is as read
    (an approval issues what the template said when read)."""
    if exact:
        txn.condition_check(
            KeyTemplateModel,
            template.project_id,
            template.id,
            condition=KeyTemplateModel.version == template.version,
            label="template",
        )
    else:
        txn.condition_check(
            KeyTemplateModel, template.project_id, template.id, condition=KeyTemplateModel.id.exists(), label="template"
        )


def add_approval(
    txn: Transaction, model: KeyRequestModel, transition: Transition, template: KeyTemplateModel, sealed_claim: str
) -> None:
    """Adds an approval to `txn`: the template as read (the key issued beside it is what the
    template said), the request's transition with its sealed claim, and the audit event."""
    template_unchanged(txn, template, exact=True)
    add_transition(
        txn,
        model,
        transition,
        transition.state.decided_by or "",
        KeyRequestModel.sealed_claim.set(sealed_claim),
        key_id=transition.state.key_id,
    )


def add_transition(
    txn: Transaction, model: KeyRequestModel, transition: Transition, actor: str, *extra: Action, **details: Any
) -> None:
    """Adds the transition of the request as read, and its audit event, to `txn`."""
    _write_transition(txn, model, transition, *extra)
    _audit(txn, actor, transition, details or None)


def add_event(txn: Transaction, actor: str, transition: Transition, **details: Any) -> None:
    """Adds a transition's audit event alone to `txn` (a new request's are written with it)."""
    _audit(txn, actor, transition, details or None)


def commit_transition(
    model: KeyRequestModel, transition: Transition, actor: str, *extra: Action, **details: Any
) -> None:
    """A transition in a transaction of its own, on a live project; 404 when the project is
    gone, 409 when the request changed meanwhile (decided, claimed or lapsed)."""
    try:
        with transaction() as txn:
            project_is_live(txn, model.project_id)
            add_transition(txn, model, transition, actor, *extra, **details)
    except TransactionCancelledError as error:
        if "project" in error.failed:
            raise NotFoundError("project not found") from None
        if error.failed & {"request", "tile"}:
            raise ConflictError("the request changed meanwhile; read it again") from None
        raise


def lapsed(at: float, limit: int) -> Iterator[KeyRequestModel]:
    """Open requests past their deadline, each read again consistently (skipping the gone)."""
    for entry in KeyRequestModel.open_requests.query(OPEN, KeyRequestModel.expires_at <= at, limit=limit):
        try:
            yield KeyRequestModel.get(entry.project_id, entry.id, consistent_read=True)
        except DoesNotExist:
            continue
