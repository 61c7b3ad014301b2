"""API keys as stored (ApiKeyModel): the writes of issuing, rerolling, changing, and reads.

Every change that matters to verification also writes the key's lookup record
(`store.key_lookup`) in the same transaction, and issuing adds the key to its owner's
list (`store.key_holders`). Revocation is `store.key_revocation`. Deciding who may hold
a key, minting its secret and sealing it are the use case's (`services.keys`): only the
handle's keyed hash and, for HMAC keys, the sealed secret reach this module.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from msgspec import Struct
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.clock import now, parse_rfc3339, rfc3339
from chalicelib.domain.ids import is_id
from chalicelib.domain.limits import NO_LIMITS, Limits, credit_attribute, key_meter, period_of, to_document
from chalicelib.domain.page import Page
from chalicelib.domain.verification import IdentityRef
from chalicelib.errors import ConflictError, NotFoundError, ValidationFailedError
from chalicelib.store import audit, event_data, identities, key_expiry, key_holders, key_lookup, meters
from chalicelib.store.base import Transaction, TransactionCancelledError, transaction
from chalicelib.store.key_models import ApiKeyModel
from chalicelib.store.pagination import decode_cursor, get_or_not_found, paginate, query_page
from chalicelib.store.project_models import MemberModel, RoleModel
from chalicelib.store.projects import project_is_live


class KeyFields(Struct, frozen=True):
    """What a new key's record says of it; `expires_at` in whole epoch seconds or None."""

    key_type: str
    name: str
    description: str
    owner_id: str | None  # None: an identity's key (`identity`)
    role_id: str
    permissions: tuple[str, ...]
    expires_at: int | None
    lifetime_seconds: int | None
    meta: Mapping[str, Any]
    template_id: str | None = None
    request_id: str | None = None
    limits: Limits = NO_LIMITS
    # The credit balance the key starts with (its credit policy is in `limits`).
    credits: int | None = None
    identity: IdentityRef | None = None
    # When it is made disabled (a reroll of a disabled key), and the networks it may be used from.
    disabled_at: str | None = None
    ip_allowlist: tuple[str, ...] = ()


class Balance(Struct, frozen=True):
    """A credit balance to set in a holder's meter, and the attributes it no longer needs."""

    meter: str
    attribute: str
    value: int | None  # None: no balance (unlimited)
    remove: tuple[str, ...] = ()


def starting_balance(key_id: str, limits: Limits, credits: int | None, at: float) -> Balance | None:
    if limits.credits is None or credits is None:
        return None
    return Balance(key_meter(key_id, limits), credit_attribute(period_of(limits.credits.refill, at)), credits)


def _epoch(value: str | None) -> float | None:
    return parse_rfc3339(value) if value else None


# --- issuing ------------------------------------------------------------------------


def new_record(
    project_id: str,
    key_id: str,
    lookup: str,
    fields: KeyFields,
    hint: str,
    actor: str,
    at: float,
) -> ApiKeyModel:
    """A new key's management record (not yet written); `fields.expires_at` in whole seconds."""
    return ApiKeyModel(
        project_id,
        key_id,
        digest=lookup,
        type=fields.key_type,
        name=fields.name,
        description=fields.description,
        owner_id=fields.owner_id,
        role_id=fields.role_id,
        permissions=list(fields.permissions),
        hint=hint,
        created_at=rfc3339(at),
        created_by=actor,
        expires_at=rfc3339(fields.expires_at) if fields.expires_at is not None else None,
        lifetime_seconds=fields.lifetime_seconds,
        template_id=fields.template_id,
        request_id=fields.request_id,
        meta=dict(fields.meta),
        limits=to_document(fields.limits),
        identity_id=fields.identity.id if fields.identity is not None else None,
        disabled_at=fields.disabled_at,
        ip_allowlist=list(fields.ip_allowlist) or None,
        **key_expiry.watch_fields(fields.expires_at),
    )


def add_key_items(
    txn: Transaction,
    key: ApiKeyModel,
    owner_role: str | None,
    sealed_secret: str | None,
    issued_at: float,
    limits: Limits = NO_LIMITS,
    balance: Balance | None = None,
    identity: IdentityRef | None = None,
) -> None:
    """Adds a new key's items to `txn`: the checks of project, owner and role, and both records.

    Nothing here conflicts with another key being issued: the project is only checked, the
    holder's list and version only added to, the role's count only incremented.
    """
    expires_at = _epoch(key.expires_at)
    # 0: the project is live: a deletion that has begun lists every key, so none may be added.
    project_is_live(txn, key.project_id)
    if identity is not None:
        # 1-2: the identity still exists, and its key list gains this key.
        identities.add_key(txn, key.project_id, identity.id, key.digest)
    else:
        assert key.owner_id is not None and owner_role is not None
        # 1: the owner still has the role the caller read, so owner_permitted=True is true.
        txn.condition_check(
            MemberModel, key.project_id, key.owner_id, condition=MemberModel.role == owner_role, label="member"
        )
        # 2: the owner's key list gains this key (unconditionally: issues commute).
        key_holders.add_key(txn, key.project_id, key.owner_id, key.digest)
    # 3: the role exists, and now counts this key as a user.
    txn.update(
        RoleModel(key.project_id, key.role_id),
        actions=[RoleModel.ref_count.add(1)],
        condition=RoleModel.id.exists(),
        label="role",
    )
    txn.save(key, condition=ApiKeyModel.id.does_not_exist())
    key_lookup.add_new(
        txn,
        key.digest,
        key_id=key.id,
        project_id=key.project_id,
        owner_id=key.owner_id,
        role_id=key.role_id,
        permissions=[str(p) for p in key.permissions],
        expires_at=expires_at,
        meta=key.meta or {},
        sealed_secret=sealed_secret,
        issued_at=math.floor(issued_at),
        limits=limits,
        identity=identity,
        disabled=key.disabled_at is not None,
        ip_allowlist=tuple(str(c) for c in key.ip_allowlist or ()),
    )
    if balance is not None:
        meters.set_balance(txn, balance.meter, balance.attribute, balance.value, balance.remove)


def explain_issue_failure(error: TransactionCancelledError) -> Exception:
    if "project" in error.failed:
        return NotFoundError("project not found")
    if "member" in error.failed:
        return ConflictError("the owner's role kept changing while the key was issued; try again")
    if "identity" in error.failed:
        return ValidationFailedError.single("identity_id", "no such identity in this project")
    if "role" in error.failed:
        return ValidationFailedError.single("role_id", "no such role in this project")
    return error


def owner_role_changed(error: TransactionCancelledError) -> bool:
    # The owner's role changed between our read and the commit: read it again (it may no
    # longer allow keys) and retry.
    return error.failed == {"member"}


def add_retirement(txn: Transaction, old: ApiKeyModel, successor_id: str, retire_at: float) -> None:
    """Adds to `txn` the old key's end after a reroll: it expires at `retire_at` and names its
    one successor, on condition that it is live and has none yet (of concurrent rerolls,
    exactly one succeeds)."""
    txn.update(
        old,
        actions=[
            ApiKeyModel.expires_at.set(rfc3339(retire_at)),
            ApiKeyModel.rerolled_to.set(successor_id),
            # The sweep records the end of the grace; `key.rerolled` announced it.
            ApiKeyModel.watch.set(key_expiry.WATCHED),
            ApiKeyModel.watch_at.set(retire_at),
        ],
        # Live and without a successor: concurrent rerolls make one successor, not several.
        condition=ApiKeyModel.revoked_at.does_not_exist() & ApiKeyModel.rerolled_to.does_not_exist(),
        label="old_key",
    )
    key_lookup.set_expiry(txn, old.digest, retire_at)


# --- reading ------------------------------------------------------------------------


def get_key(project_id: str, key_id: str) -> ApiKeyModel:
    return get_or_not_found(ApiKeyModel, project_id, key_id, prefix="key", what="key")


def list_keys(
    project_id: str,
    limit: int,
    cursor: str | None,
    *,
    owner_id: str | None = None,
    identity_id: str | None = None,
    status: str | None = None,
    key_type: str | None = None,
    unused_days: int | None = None,
) -> Page[ApiKeyModel]:
    """The project's keys in creation order, filtered by owner, status, type and idleness.

    `unused_days=N`: keys with no valid verification in the last N days, never-used ones included.
    """
    condition: Condition | None = None

    def both(extra: Condition) -> None:
        nonlocal condition
        condition = extra if condition is None else condition & extra

    if owner_id is not None:
        both(ApiKeyModel.owner_id == owner_id)
    if identity_id is not None:
        both(ApiKeyModel.identity_id == identity_id)
    if key_type is not None:
        both(ApiKeyModel.type == key_type)
    stamp = rfc3339(now())
    if status == "revoked":
        both(ApiKeyModel.revoked_at.exists())
    elif status == "expired":
        both(ApiKeyModel.revoked_at.does_not_exist() & (ApiKeyModel.expires_at <= stamp))
    elif status in ("active", "disabled"):
        both(
            ApiKeyModel.revoked_at.does_not_exist()
            & (ApiKeyModel.expires_at.does_not_exist() | (ApiKeyModel.expires_at > stamp))
            & (ApiKeyModel.disabled_at.does_not_exist() if status == "active" else ApiKeyModel.disabled_at.exists())
        )
    if unused_days is not None:
        since = rfc3339(now() - unused_days * 86400)
        both(ApiKeyModel.last_used_at.does_not_exist() | (ApiKeyModel.last_used_at < since))
    return query_page(ApiKeyModel, project_id, "id", limit, cursor, filter_condition=condition, consistent_read=True)


def revoked_since(project_id: str, since: str | None, limit: int, cursor: str | None) -> Page[ApiKeyModel]:
    """Revoked keys, oldest revocation first, from `since` (RFC 3339) on."""
    start = decode_cursor(cursor, ["id", "revoked_at"])
    results = ApiKeyModel.revoked.query(
        project_id,
        range_key_condition=ApiKeyModel.revoked_at >= since if since else None,
        limit=limit + 1,
        last_evaluated_key=(
            {
                "project_id": {"S": project_id},
                "id": {"S": start["id"]},
                "revoked_at": {"S": start["revoked_at"]},
            }
            if start
            else None
        ),
    )
    return paginate(results, limit, lambda k: {"id": k.id, "revoked_at": k.revoked_at})


# --- changing -----------------------------------------------------------------------


def update_key(
    key: ApiKeyModel,
    changes: Mapping[str, Any],
    actor: str,
    *,
    limits: Limits | None = None,
    balance: Balance | None = None,
) -> ApiKeyModel:
    """Writes name, description, expires_at (epoch seconds or None), ip_allowlist (normalized)
    or enabled of a live key, and its limits (`limits`, with the credit `balance` to set),
    audited; the use case (`services.keys.update_key`) has decided the change may be made.

    Disabling or enabling is its own event (`key.disabled` / `key.enabled`, announced with the
    key), recorded only when it changes something: the write requires the state it changes
    from, so of two concurrent disables one is announced.
    """
    actions: list[Action] = []
    at = rfc3339(now())
    for field, value in changes.items():
        if field in ("ratelimits", "credits", "enabled"):
            continue
        if field == "expires_at":
            actions.append(
                ApiKeyModel.expires_at.set(rfc3339(value)) if value is not None else ApiKeyModel.expires_at.remove()
            )
        elif field == "ip_allowlist":
            actions.append(ApiKeyModel.ip_allowlist.set(list(value)) if value else ApiKeyModel.ip_allowlist.remove())
        else:
            actions.append(getattr(ApiKeyModel, field).set(value))
    if limits is not None:
        document = to_document(limits)
        actions.append(ApiKeyModel.limits.set(document) if document is not None else ApiKeyModel.limits.remove())
    condition = ApiKeyModel.revoked_at.does_not_exist()
    if "expires_at" in changes:
        actions.extend(key_expiry.watch_actions(key, changes["expires_at"]))
        # A reroll set this key's retirement; a PATCH that read the key before it must not undo it.
        condition &= ApiKeyModel.rerolled_to.does_not_exist()
    toggled = "enabled" in changes and changes["enabled"] == (key.disabled_at is not None)
    if toggled:
        if changes["enabled"]:
            actions.append(ApiKeyModel.disabled_at.remove())
            # Still disabled: an enable that read it so announces it once, whoever else enables it.
            condition &= ApiKeyModel.disabled_at.exists()
        else:
            actions.append(ApiKeyModel.disabled_at.set(at))
            condition &= ApiKeyModel.disabled_at.does_not_exist()
    others = sorted(set(changes) - {"enabled"})
    if not actions:
        return key
    try:
        with transaction() as txn:
            project_is_live(txn, key.project_id)
            txn.update(key, actions=actions, condition=condition, label="key")
            # The verification record's changes, one write (a transaction names an item once).
            record: list[Action] = []
            if "expires_at" in changes:
                record.append(key_lookup.expiry_action(changes["expires_at"]))
            if "ip_allowlist" in changes:
                record.append(key_lookup.ip_allowlist_action(tuple(changes["ip_allowlist"] or ())))
            if limits is not None:
                record.append(key_lookup.limits_action(limits))
            if toggled:
                record.append(key_lookup.disabled_action(not changes["enabled"]))
            if record:
                key_lookup.update(txn, key.digest, record)
            if balance is not None:
                meters.set_balance(txn, balance.meter, balance.attribute, balance.value, balance.remove)
            if others:
                audit.record(txn, key.project_id, actor, "key.updated", ("key", key.id), {"changed": others})
            if toggled:
                enabled = bool(changes["enabled"])
                data = event_data.key_data(key, enabled=enabled, status="active" if enabled else "disabled")
                action = "key.enabled" if enabled else "key.disabled"
                audit.record(txn, key.project_id, actor, action, ("key", key.id), {}, data=data)
    except TransactionCancelledError as error:
        if "project" in error.failed:
            raise NotFoundError("project not found") from None
        if "key" in error.failed:
            current = get_key(key.project_id, key.id)
            done = toggled and not others and (current.disabled_at is None) == bool(changes["enabled"])
            if current.revoked_at is None and done:
                # Someone else made the same change first: nothing left to do, nothing to announce.
                return current
            raise ConflictError("the key was revoked, rerolled or changed meanwhile; read it again") from None
        raise
    return get_key(key.project_id, key.id)


def keys_by_ids(project_id: str, key_ids: Iterable[str]) -> dict[str, ApiKeyModel]:
    wanted = [(project_id, key_id) for key_id in dict.fromkeys(key_ids) if is_id(key_id, "key")]
    if not wanted:
        return {}
    return {k.id: k for k in ApiKeyModel.batch_get(wanted, consistent_read=True)}


def all_keys(project_id: str) -> list[ApiKeyModel]:
    return list(ApiKeyModel.query(project_id, consistent_read=True))


def identity_keys(project_id: str, identity_id: str) -> list[ApiKeyModel]:
    """Every key issued to the identity, revoked ones included."""
    return list(
        ApiKeyModel.query(project_id, filter_condition=ApiKeyModel.identity_id == identity_id, consistent_read=True)
    )
