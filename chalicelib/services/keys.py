"""API keys' use cases: issue, reroll, change, revoke. Each reads as the recipe.

    load what it needs → decide in the domain, once → mint and seal → one transaction
    through the repositories (`store.keys`, `store.key_revocation`) → forget the keys'
    cached verification records → return the key

Issuing is also a step of other use cases (a key request's approval issues its key in the
request's own transaction): `add_issue` adds it to a transaction the caller holds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from chalicelib import cache
from chalicelib.config import get_settings
from chalicelib.crypto.envelope import seal
from chalicelib.domain.clock import now, parse_rfc3339, rfc3339
from chalicelib.domain.ids import new_id
from chalicelib.domain.key_kinds import Draft, Minter
from chalicelib.domain.key_policy import KeyShape
from chalicelib.domain.limits import NO_LIMITS, Limits, from_document, key_meter
from chalicelib.domain.policy import MemberRole, require_key_holder
from chalicelib.domain.verification import IdentityRef
from chalicelib.errors import AlreadyRerolledError, ConflictError, NotFoundError, ValidationFailedError
from chalicelib.lazy import lazy_module
from chalicelib.services import key_policy
from chalicelib.store import audit, identities, key_lookup, key_revocation, keys, projects
from chalicelib.store.base import Transaction, TransactionCancelledError, retrying, transaction
from chalicelib.store.event_data import key_data
from chalicelib.store.key_models import ApiKeyModel
from chalicelib.store.project_models import ProjectModel, RoleModel
from chalicelib.store.projects import project_is_live

if TYPE_CHECKING:
    from chalicelib.domain import kind_registry
    from chalicelib.services import metering, minting
else:  # the kinds and their minters at the first key issued or changed: see chalicelib.lazy
    kind_registry = lazy_module("chalicelib.domain.kind_registry")
    minting = lazy_module("chalicelib.services.minting")
    metering = lazy_module("chalicelib.services.metering")


class NewKey(Struct, frozen=True):
    """What a caller asks of a new key; `expires_at` is epoch seconds or None."""

    key_type: str
    name: str
    description: str
    owner_id: str | None  # None: the key of `identity`
    role: RoleModel
    expires_at: float | None
    meta: Mapping[str, Any]
    template_id: str | None = None
    request_id: str | None = None
    limits: Limits = NO_LIMITS
    # The credit balance it starts with (with a credit policy in `limits`).
    credits: int | None = None
    # The identity it is issued to (the "API calls" right is then no one's to hold).
    identity: IdentityRef | None = None
    # The networks it may be used from (normalized); empty: anywhere.
    ip_allowlist: tuple[str, ...] = ()
    # Made disabled (a reroll of a disabled key): when it was disabled.
    disabled_at: str | None = None


class Issued(Struct, frozen=True):
    """A key just made, and its secret part: in this answer only, never stored."""

    key: ApiKeyModel
    secret: dict[str, str]


def forget(lookups: Iterable[str]) -> None:
    """The one seam where a change reaches verification: cached lookup records (and misses)
    of these keys are dropped, so this process sees the change at once and others within
    the cache's TTL."""
    cache.key_records.invalidate(list(lookups))


def owner_role(project_id: str, owner_id: str) -> MemberRole:
    """The role of a key's owner-to-be, read now, if it may hold keys (else OwnerNotPermittedError)."""
    member = projects.get_membership(project_id, owner_id)
    return require_key_holder(owner_id, MemberRole(member.role) if member else None)


def add_issue(
    txn: Transaction,
    project: ProjectModel,
    spec: NewKey,
    mint: Minter,
    actor: str,
    at: float,
    *,
    key_id: str | None = None,
) -> Issued:
    """Adds issuing a key to `txn` (its event is the caller's: `key.created`, or a reroll's).

    The project's key policy (as `project` was read) is enforced first. The owner's right is
    decided on a fresh read, and the transaction requires their role unchanged, so a key never
    reaches someone who lost the right meanwhile.
    """
    project_id = project.id
    permissions = tuple(str(p) for p in spec.role.permissions)
    new = KeyShape(spec.key_type, at, spec.expires_at, permissions, spec.ip_allowlist)
    key_policy.enforce(key_policy.policy_of(project), new)
    role = owner_role(project_id, spec.owner_id) if spec.owner_id is not None else None
    key_id = key_id or new_id("key")
    # Whole seconds, as the key's view shows it and as a JWT's `exp` must be: the same instant everywhere.
    expires_at = math.ceil(spec.expires_at) if spec.expires_at is not None else None
    made = mint(
        Draft(
            key_id=key_id,
            project_id=project_id,
            # A JWT key's `sub`: its owner, or its identity.
            owner_id=spec.owner_id or (spec.identity.id if spec.identity is not None else ""),
            role_id=spec.role.id,
            permissions=permissions,
            issued_at=at,
            expires_at=expires_at,
            issuer=get_settings().issuer,
            key_prefix=get_settings().key_prefix,
        )
    )
    sealed = None
    if made.sealed_material is not None and made.seal_context is not None:
        sealed = seal(made.sealed_material, made.seal_context)
    fields = keys.KeyFields(
        key_type=spec.key_type,
        name=spec.name,
        description=spec.description,
        owner_id=spec.owner_id,
        role_id=spec.role.id,
        permissions=permissions,
        expires_at=expires_at,
        lifetime_seconds=round(spec.expires_at - at) if spec.expires_at is not None else None,
        meta=spec.meta,
        template_id=spec.template_id,
        request_id=spec.request_id,
        limits=spec.limits,
        credits=spec.credits,
        identity=spec.identity,
        disabled_at=spec.disabled_at,
        ip_allowlist=spec.ip_allowlist,
    )
    key = keys.new_record(project_id, key_id, key_lookup.lookup_id(made.handle), fields, made.hint, actor, at)
    balance = keys.starting_balance(key_id, spec.limits, spec.credits, at)
    keys.add_key_items(
        txn, key, role.value if role is not None else None, sealed, at, spec.limits, balance, spec.identity
    )
    return Issued(key, made.shown)


def add_created_event(txn: Transaction, key: ApiKeyModel, actor: str, **details: str) -> None:
    """Adds a new key's `key.created` event to `txn` (announced to webhooks with the key's view)."""
    audit.record(
        txn,
        key.project_id,
        actor,
        "key.created",
        ("key", key.id),
        {"owner_id": key.owner_id, "identity_id": key.identity_id, "role_id": key.role_id, "type": key.type} | details,
        data=key_data(key),
    )


def issue_key(project: ProjectModel, spec: NewKey, actor: str) -> Issued:
    """Issues a key; returns it with its secret part, which is never stored."""
    mint = minting.minter(spec.key_type)

    def attempt() -> Issued:
        with transaction() as txn:
            issued = add_issue(txn, project, spec, mint, actor, now())
            add_created_event(txn, issued.key, actor)
        return issued

    try:
        issued = retrying(attempt, retry_if=keys.owner_role_changed)
    except TransactionCancelledError as error:
        raise keys.explain_issue_failure(error) from None
    forget([issued.key.digest])
    return issued


def reroll_key(project: ProjectModel, old: ApiKeyModel, role: RoleModel, grace_seconds: int, actor: str) -> Issued:
    """A new key with the old one's owner, role and meta; the old one expires after the grace.

    A key has at most one successor: the old key records it in the same transaction, on
    condition that it has none yet, so of concurrent rerolls exactly one succeeds.
    """
    _check_rerollable(old)
    old_expires = parse_rfc3339(old.expires_at) if old.expires_at else None
    lifetime: float | None = None
    if old_expires is not None:
        # Keys issued before lifetimes were recorded: from the whole-second stamps.
        lifetime = old.lifetime_seconds or old_expires - parse_rfc3339(old.created_at)
    mint = minting.minter(old.type)
    # The successor has the old key's limits and counts in the old key's meter: while both work
    # (the grace), they spend one balance and fill one window, as one key would.
    inherited = from_document(old.limits)
    limits = (
        inherited if inherited.empty else Limits(inherited.ratelimits, inherited.credits, key_meter(old.id, inherited))
    )
    credits = None
    identity = None
    if old.identity_id is not None:
        try:
            identity = identities.reference(identities.get_identity(project.id, old.identity_id))
        except NotFoundError:
            raise ConflictError("the key's identity was deleted") from None

    def attempt() -> Issued:
        at = now()
        spec = NewKey(
            key_type=old.type,
            name=old.name,
            description=old.description,
            owner_id=old.owner_id,
            role=role,
            expires_at=at + lifetime if lifetime is not None else None,
            meta=dict(old.meta or {}),
            template_id=old.template_id,
            request_id=old.request_id,
            limits=limits,
            credits=credits,
            identity=identity,
            # Its restrictions go with it: a reroll is no way around a disable or an allowlist.
            ip_allowlist=tuple(str(c) for c in old.ip_allowlist or ()),
            disabled_at=old.disabled_at,
        )
        retire_at = at + grace_seconds if old_expires is None else min(at + grace_seconds, old_expires)
        with transaction() as txn:
            issued = add_issue(txn, project, spec, mint, actor, at)
            keys.add_retirement(txn, old, issued.key.id, retire_at)
            audit.record(
                txn,
                project.id,
                actor,
                "key.rerolled",
                ("key", old.id),
                {"new_key_id": issued.key.id, "grace_seconds": grace_seconds},
                data=key_data(old, expires_at=rfc3339(retire_at)) | {"rerolled_to": issued.key.id},
            )
        return issued

    try:
        issued = retrying(attempt, retry_if=keys.owner_role_changed)
    except TransactionCancelledError as error:
        if "old_key" in error.failed:
            _check_rerollable(keys.get_key(project.id, old.id))
            raise ConflictError("the key changed meanwhile; read it again") from None
        raise keys.explain_issue_failure(error) from None
    forget([old.digest, issued.key.digest])
    return issued


def _check_rerollable(key: ApiKeyModel) -> None:
    if key.revoked_at is not None:
        raise ConflictError("a revoked key cannot be rerolled")
    if key.rerolled_to is not None:
        raise AlreadyRerolledError(key.rerolled_to)


def update_key(
    project: ProjectModel,
    key: ApiKeyModel,
    changes: Mapping[str, Any],
    actor: str,
    *,
    limits: Limits | None = None,
    credits: int | None = None,
) -> ApiKeyModel:
    """Changes name, description, expires_at (epoch seconds or None), ip_allowlist (normalized)
    or enabled of a live key, or its limits (`limits`, the key's rate limits and credit policy
    as they are to be; `credits` the balance to set when it has a policy).

    The project's key policy judges the rules that look at what changes (the expiry, the
    allowlist): a key made before a rule is not refused a rename because of it.
    """
    if not changes:
        return key
    if key.revoked_at is not None:
        raise ConflictError("a revoked key cannot be changed")
    touched = key_policy.rules_touched(changes)
    if touched:
        key_policy.enforce(key_policy.policy_of(project), key_policy.shape_of_changed(key, changes), touched)
    if "expires_at" in changes:
        if key.rerolled_to is not None:
            raise AlreadyRerolledError(
                key.rerolled_to, f"this key was rerolled to {key.rerolled_to}; its expiry is the reroll's grace"
            )
        current = parse_rfc3339(key.expires_at) if key.expires_at else None
        refusal = kind_registry.kinds()[key.type].expiry_change_refusal(current, changes["expires_at"])
        if refusal is not None:
            raise ValidationFailedError.single("expires_at", refusal)
    balance = None
    if limits is not None:
        before = from_document(key.limits)
        # A rerolled key's successor keeps counting in the meter it inherited.
        limits = Limits(limits.ratelimits, limits.credits, before.meter)
        balance = metering.replaced_balance(key_meter(key.id, before), before, limits, credits, now())
    updated = keys.update_key(key, changes, actor, limits=limits, balance=balance)
    forget([key.digest])
    return updated


def change_credits(key: ApiKeyModel, op: str, value: int, actor: str) -> int:
    """Sets, increments or decrements a live key's credits (`services.metering`), audited."""
    if key.revoked_at is not None:
        raise ConflictError("a revoked key cannot be changed")
    policy = from_document(key.limits).credits
    if policy is None:
        raise ConflictError("the key has unlimited credits; give it credits with PATCH first")

    def audited(txn: Transaction) -> None:
        project_is_live(txn, key.project_id)
        details = {"op": op, "value": value}
        audit.record(txn, key.project_id, actor, "key.credits_changed", ("key", key.id), details)

    return metering.change_credits(key_meter(key.id, from_document(key.limits)), policy, op, value, now(), audited)


def revoke_keys(project_id: str, chosen: Iterable[ApiKeyModel], actor: str, reason: str = "revoked") -> list[str]:
    """Revokes the live ones of `chosen`, as many per transaction as fit; returns the ids it revoked.

    A key revoked by someone else meanwhile is left out, not a 409.
    """
    revoked: list[str] = []
    for chunk in key_revocation.chunks([k for k in chosen if k.revoked_at is None]):
        try:
            done = key_revocation.revoke_chunk(project_id, chunk, actor, reason)
        except TransactionCancelledError as error:
            raise ConflictError("keys kept changing while they were revoked; try again") from error
        finally:
            forget(k.digest for k in chunk)
        revoked.extend(k.id for k in done)
    return revoked


def revoke_all(project_id: str, actor: str, reason: str) -> None:
    """Revokes every live key of the project (a deletion's step; nothing may add keys by then).

    A chunk that fails because someone revoked one of its keys meanwhile is read again.
    """
    for _attempt in range(5):
        try:
            revoke_keys(project_id, keys.all_keys(project_id), actor, reason=reason)
            return
        except ConflictError:
            continue
    raise ConflictError("keys of this project kept changing while it was deleted; repeat the deletion")
