"""Key requests' use cases: request, approve, deny, cancel, claim, and the lapse of the unclaimed.

Each reads as the recipe: load the request (and its template) → decide the transition in
the domain (`domain.key_requests`), once → for an approval, issue the key
(`services.keys.add_issue`) and seal its secret with the resolved info fields onto the
request → one transaction (`store.key_requests`) → forget the key's cached record.
"""

from __future__ import annotations

import json

from msgspec import structs

from chalicelib.crypto.envelope import open_sealed, seal
from chalicelib.domain import info_fields
from chalicelib.domain.clock import now
from chalicelib.domain.ids import new_id
from chalicelib.domain.key_policy import KeyShape, violations
from chalicelib.domain.key_requests import AUTO_APPROVER, KeyRequest, Status, Transition
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.services import key_policy
from chalicelib.services.keys import NewKey, add_created_event, add_issue, forget
from chalicelib.services.minting import minter
from chalicelib.store import audit, key_requests, key_revocation, keys, roles, templates
from chalicelib.store.base import Transaction, TransactionCancelledError, retrying, transaction
from chalicelib.store.key_models import ApiKeyModel
from chalicelib.store.project_models import ProjectModel
from chalicelib.store.request_models import KeyRequestModel, KeyTemplateModel

# The actor of lapses in the audit trail.
AUTO_EXPIRER = "keywarden:expiry-sweep"


def _claim_context(state: KeyRequest) -> dict[str, str]:
    return {"project_id": state.project_id, "request_id": state.id, "purpose": "key-claim"}


def _add_key(
    txn: Transaction,
    project: ProjectModel,
    template: KeyTemplateModel,
    node_names: dict[str, str],
    approved: KeyRequest,
    expires_at: float | None,
    at: float,
    ip_allowlist: tuple[str, ...] = (),
) -> tuple[str, str]:
    """Adds the approved request's key to `txn`: issued to the requester with the template's
    role, its secret sealed with the resolved info fields for the claim. Returns the sealed
    claim and the key's lookup id."""
    assert approved.key_id is not None and approved.decided_by is not None
    try:
        role = roles.get_role(project.id, template.role_id)
    except NotFoundError:  # not while the template counts in its ref_count; a torn write at most
        raise ConflictError("the template's role is gone; fix the template") from None
    if expires_at is None and template.ttl_seconds is not None:
        expires_at = at + float(template.ttl_seconds)
    spec = NewKey(
        key_type=template.type,
        name=template.name,
        description=template.description,
        owner_id=approved.requester_id,
        role=role,
        expires_at=expires_at,
        meta={},
        template_id=template.id,
        request_id=approved.id,
        ip_allowlist=ip_allowlist,
    )
    issued = add_issue(txn, project, spec, minter(template.type), approved.decided_by, at, key_id=approved.key_id)
    add_created_event(txn, issued.key, approved.decided_by, request_id=approved.id)
    resolved = {
        field["name"]: info_fields.resolve(field["value"], project.id, node_names)
        for field in template.info_fields or []
    }
    sealed = seal(json.dumps({"secret": issued.secret, "secrets": resolved}).encode(), _claim_context(approved))
    return sealed, issued.key.digest


def create_request(project: ProjectModel, template: KeyTemplateModel, requester: str, justification: str) -> KeyRequest:
    """A pending request, or, from an `auto_approve` template, an approved one with its key
    issued in the same transaction."""
    at = now()
    state = KeyRequest.new(new_id("krq"), project.id, template.id, requester, justification, at=at)
    final, names = state, {}
    refused = _policy_refusal(project, template, at) if template.auto_approve else None
    if refused is not None:
        # The policy outranks the template: the request waits for a person, and says why.
        state = structs.replace(state, note=f"not approved automatically: {refused}")
        final = state
    elif template.auto_approve:
        final = state.approve(AUTO_APPROVER, at, new_id("key"), None).state
        names = templates.node_names(project.id, set(template.node_ids or ()))

    def attempt() -> tuple[KeyRequestModel, str | None]:
        with transaction() as txn:
            # Auto-approval issues what the template said when read: it must be unchanged.
            key_requests.template_unchanged(txn, template, exact=template.auto_approve)
            sealed, lookup = None, None
            if final is not state:
                sealed, lookup = _add_key(txn, project, template, names, final, None, at)
            record = key_requests.add_new_request(txn, final, sealed, at, key_issued=lookup is not None)
            key_requests.add_event(txn, requester, Transition(state, "key_request.created"))
            if final is not state:
                key_requests.add_event(
                    txn, AUTO_APPROVER, Transition(final, "key_request.approved"), key_id=final.key_id
                )
        return record, lookup

    try:
        record, lookup = retrying(attempt, retry_if=keys.owner_role_changed)
    except TransactionCancelledError as error:
        if "tile" in error.failed:
            raise ConflictError("you already have a pending request for this template") from None
        if "template" in error.failed:
            templates.get_template(project.id, template.id)  # NotFoundError when it was deleted
            raise ConflictError("the template changed meanwhile; request again") from None
        raise keys.explain_issue_failure(error) from None
    if lookup is not None:
        forget([lookup])
    return key_requests.value_of(record)


def _policy_refusal(project: ProjectModel, template: KeyTemplateModel, at: float) -> str | None:
    """What the project's key policy says against the key the template would issue now (None: nothing)."""
    try:
        role = roles.get_role(project.id, template.role_id)
    except NotFoundError:
        return None  # the issue itself reports the missing role
    expires_at = at + float(template.ttl_seconds) if template.ttl_seconds is not None else None
    shape = KeyShape(template.type, at, expires_at, tuple(str(p) for p in role.permissions), ())
    found = violations(key_policy.policy_of(project), shape)
    return "; ".join(f"the key policy's {rule}: {message}" for rule, message in found) or None


def approve(
    project: ProjectModel,
    request_id: str,
    by: str,
    note: str | None,
    expires_at: float | None,
    ip_allowlist: tuple[str, ...] = (),
) -> KeyRequest:
    """Approves a pending request and issues its key (with the approver's expiry and IP
    allowlist, if given), in one transaction with the audit events.

    The domain decides first (403 for the requester, 409 unless pending), before any other
    read or any secret is made. The project's key policy then judges the key: a key that
    breaks it is refused (`policy_violation`) and the request stays pending. Of concurrent
    approvals one commits; the others find the request changed and get 409.
    """
    model, state = key_requests.load(project.id, request_id)
    at = now()
    transition = state.approve(by, at, new_id("key"), note)
    found = templates.for_issuing(project.id, model.template_id)
    if found is None:
        raise ConflictError("the request's template was deleted; deny or cancel the request")
    template, names = found

    def attempt() -> str:
        with transaction() as txn:
            sealed, lookup = _add_key(txn, project, template, names, transition.state, expires_at, at, ip_allowlist)
            key_requests.add_approval(txn, model, transition, template, sealed)
        return lookup

    try:
        lookup = retrying(attempt, retry_if=keys.owner_role_changed)
    except TransactionCancelledError as error:
        if "request" in error.failed:
            raise ConflictError("the request was decided meanwhile") from None
        if "template" in error.failed:
            raise ConflictError("the template changed meanwhile; try again") from None
        raise keys.explain_issue_failure(error) from None
    forget([lookup])
    return transition.state


def deny(model: KeyRequestModel, by: str, reason: str | None) -> KeyRequest:
    """Denies the request as read (403 for its requester, 409 unless pending)."""
    transition = key_requests.value_of(model).deny(by, now(), reason)
    key_requests.commit_transition(model, transition, by)
    return transition.state


def cancel(model: KeyRequestModel, by: str) -> KeyRequest:
    """Its requester withdraws the request as read (409 unless pending)."""
    transition = key_requests.value_of(model).cancel(by, now())
    key_requests.commit_transition(model, transition, by)
    return transition.state


def claim(
    project: ProjectModel, model: KeyRequestModel, by: str
) -> tuple[KeyRequest, ApiKeyModel, dict[str, str], dict[str, str]]:
    """The requester takes the approved key: its secret and the resolved info fields, once.

    The sealed copy is erased in the transaction that records the claim, so a second claim,
    concurrent or later, finds nothing to hand out (409). A key that breaks the project's key
    policy as it is now (it changed since the approval) is not handed out (`policy_violation`).
    """
    transition = key_requests.value_of(model).claim(by, now())
    if model.sealed_claim is None or model.key_id is None:
        raise ConflictError("the key of this request was handed out already")
    # Everything the answer needs is read before the secret is erased: once the claim
    # commits, nothing may fail between it and the response.
    key = keys.get_key(model.project_id, model.key_id)
    key_policy.enforce(key_policy.policy_of(project), key_policy.shape_of(key))
    opened = json.loads(open_sealed(model.sealed_claim, _claim_context(transition.state)))
    try:
        key_requests.commit_transition(
            model, transition, by, KeyRequestModel.sealed_claim.remove(), key_id=model.key_id
        )
    except ConflictError:
        raise ConflictError("the request changed meanwhile (claimed or lapsed)") from None
    return transition.state, key, opened["secret"], opened["secrets"]


def expire_lapsed(at: float | None = None, limit: int = 500) -> dict[str, int]:
    """Records the lapse of open requests past their deadline: a pending one expires, an
    approved one expires with its sealed claim erased and its unclaimed key revoked, each in
    one transaction. Safe to run twice or concurrently: each write requires the request as read."""
    at = now() if at is None else at
    expired = revoked = conflicts = 0
    for model in key_requests.lapsed(at, limit):
        state = key_requests.value_of(model)
        try:
            transition = state.expire(at)
        except ConflictError:
            continue
        key: ApiKeyModel | None = None
        if state.status is Status.APPROVED and state.key_id is not None:
            key = keys.get_key(state.project_id, state.key_id)
            if key.revoked_at is not None:
                key = None
        try:
            with transaction() as txn:
                key_requests.add_transition(
                    txn,
                    model,
                    transition,
                    AUTO_EXPIRER,
                    KeyRequestModel.sealed_claim.remove(),
                    key_revoked=key is not None,
                )
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
            forget([key.digest])
    return {"expired": expired, "keys_revoked": revoked, "conflicts": conflicts}
