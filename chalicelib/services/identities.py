"""Identities' use cases: create, change, delete, and changing their credit balance.

    load (the caller's handler) → decide what the item and its meter become → one
    transaction through `store.identities` and `store.meters`, audited and announced
    (`identity.created`, `identity.updated`, `identity.deleted`) → return its state

An identity's rate limits and credit policy live on its item; its credit balance lives in its
meter (`store.meters`), set in the same transaction whenever credits are given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from msgspec import Struct

from chalicelib.domain.clock import now, rfc3339
from chalicelib.domain.ids import new_id
from chalicelib.domain.limits import CreditPolicy, Limits, RateLimit
from chalicelib.errors import ConflictError
from chalicelib.services import metering
from chalicelib.services.keys import forget, revoke_keys
from chalicelib.store import audit, identities, key_lookup, keys, meters
from chalicelib.store.base import RETRY_ATTEMPTS, Transaction, TransactionCancelledError, retrying, transaction
from chalicelib.store.event_data import identity_data
from chalicelib.store.identity_models import IdentityModel
from chalicelib.store.key_holders import CHUNK
from chalicelib.store.projects import project_is_live


class IdentityState(Struct, frozen=True):
    """An identity, its limits and its credit balance (None: unlimited), as its view shows them."""

    identity: IdentityModel
    limits: Limits
    remaining: int | None

    def data(self) -> dict[str, Any]:
        """The identity as GET shows it (and as its webhook events carry it)."""
        return identity_data(self.identity, self.limits, self.remaining)


class IdentityChange(Struct, frozen=True):
    """A PATCH: each field None is left as it is. `credits_given` with `credits` None makes the
    identity unlimited; with a policy, its balance is set to `balance`."""

    meta: Mapping[str, Any] | None = None
    ratelimits: tuple[RateLimit, ...] | None = None
    credits_given: bool = False
    credits: CreditPolicy | None = None
    balance: int | None = None

    @property
    def changed(self) -> list[str]:
        given = {"meta": self.meta is not None, "ratelimits": self.ratelimits is not None}
        return sorted(
            [name for name, present in given.items() if present] + (["credits"] if self.credits_given else [])
        )


def states(found: Sequence[IdentityModel]) -> list[IdentityState]:
    """The identities with their limits and live balances (one read of their meters)."""
    at = now()
    limits = [identities.identity_limits(i) for i in found]
    remaining = metering.balances([identities.meter_of(i.id) for i in found], [x.credits for x in limits], at)
    return [IdentityState(*row) for row in zip(found, limits, remaining, strict=True)]


def create_identity(
    project_id: str, external_id: str, meta: Mapping[str, Any], limits: Limits, credits: int | None, actor: str
) -> IdentityState:
    """A new identity in a live project; 409 when its external id is taken there.

    With a credit policy, its balance starts at `credits`, in the same transaction.
    """
    remaining = credits if limits.credits is not None else None

    def attempt() -> IdentityState:
        at = now()
        identity = identities.new_record(
            project_id, new_id(identities.ID_PREFIX), external_id, meta, limits, actor, rfc3339(at)
        )
        state = IdentityState(identity, limits, remaining)
        with transaction() as txn:
            identities.add_identity(txn, identity)
            if limits.credits is not None and remaining is not None:
                attribute = limits.credits.attribute(at)
                meters.set_balance(txn, identities.meter_of(identity.id), attribute, remaining)
            audit.record(
                txn,
                project_id,
                actor,
                "identity.created",
                ("identity", identity.id),
                {"external_id": external_id},
                data=state.data(),
            )
        return state

    try:
        # Only a transaction that lost to another one on the same items is tried again; a taken
        # external id is not transient, and stays a 409.
        return retrying(attempt, retry_if=lambda error: False)
    except TransactionCancelledError as error:
        raise identities.explain_create_failure(error, external_id) from None


def update_identity(identity: IdentityModel, change: IdentityChange, actor: str) -> IdentityState:
    """Replaces the identity's meta, rate limits or credits (each when given); 404 when it was
    deleted meanwhile. Credits given set the balance in the same transaction.

    Its keys' verification records name it with its limits, so they change too: the first
    chunk in the same transaction (which requires no key issued since the identity was read:
    a key issued meanwhile makes it read again), the rest a chunk at a time after it.
    """
    for _ in range(RETRY_ATTEMPTS):
        try:
            state, revision = _update_once(identity, change, actor)
        except TransactionCancelledError as error:
            if "identity" not in error.failed and not error.transient:
                raise identities.explain_change_failure(error) from None
            identity = identities.get_identity(identity.project_id, identity.id)  # 404 when it is gone
            continue
        if revision is not None:
            _rewrite_keys(state, revision)
        return state
    raise ConflictError("keys kept being issued to this identity while it changed; try again")


def _update_once(identity: IdentityModel, change: IdentityChange, actor: str) -> tuple[IdentityState, str | None]:
    (current,) = states([identity])
    if not change.changed:
        return current, None
    at = now()
    old = current.limits
    limits = None
    if change.ratelimits is not None or change.credits_given:
        limits = Limits(
            change.ratelimits if change.ratelimits is not None else old.ratelimits,
            change.credits if change.credits_given else old.credits,
        )
    new_limits = limits if limits is not None else old
    remaining = current.remaining if new_limits.credits is not None else None
    balance = change.balance
    if change.credits_given and change.credits is not None:
        if balance is None:
            # The policy changes, the balance stays (from unlimited: what a new period starts with).
            balance = current.remaining if current.remaining is not None else change.credits.start
        remaining = balance
    stamp, revision = rfc3339(at), new_id("rev")
    after = identities.changed_record(identity, change.meta, limits, stamp)
    state = IdentityState(after, new_limits, remaining)
    reference = identities.reference(after, new_limits)
    with transaction() as txn:
        identities.add_update(txn, identity, change.meta, limits, stamp, revision)
        for lookup in identities.key_lookups(identity)[:CHUNK]:
            key_lookup.set_identity(txn, lookup, reference)
        if change.credits_given and change.credits is not None and balance is not None:
            attribute = change.credits.attribute(at)
            # The old policy's balance is no longer read (a period label of another kind).
            stale = [old.credits.attribute(at)] if old.credits is not None else []
            meters.set_balance(txn, identities.meter_of(identity.id), attribute, balance, stale)
        audit.record(
            txn,
            identity.project_id,
            actor,
            "identity.updated",
            ("identity", identity.id),
            {"changed": change.changed},
            data=state.data(),
        )
    return state, revision


def _rewrite_keys(state: IdentityState, revision: str) -> None:
    """The keys beyond the first chunk, a chunk per transaction, each while no later change
    overtook this one; every key's cached record forgotten, committed or not."""
    lookups = identities.key_lookups(state.identity)
    reference = identities.reference(state.identity, state.limits)
    try:
        for start in range(CHUNK, len(lookups), CHUNK):
            if not identities.set_keys_chunk(state.identity, lookups[start : start + CHUNK], reference, revision):
                break
    finally:
        forget(lookups)


def delete_identity(identity: IdentityModel, actor: str) -> None:
    """Revokes the identity's keys, then deletes it and frees its external id; 404 when it was
    deleted meanwhile. A key issued between the two fails the deletion, which starts again;
    an interrupted deletion is finished by repeating it (its keys stay revoked)."""
    for _ in range(RETRY_ATTEMPTS):
        revoke_keys(
            identity.project_id, keys.identity_keys(identity.project_id, identity.id), actor, "identity deleted"
        )
        (current,) = states([identity])
        try:
            with transaction() as txn:
                identities.add_deletion(txn, identity)
                audit.record(
                    txn,
                    identity.project_id,
                    actor,
                    "identity.deleted",
                    ("identity", identity.id),
                    {"external_id": identity.external_id},
                    data=current.data(),
                )
            return
        except TransactionCancelledError as error:
            if "identity" not in error.failed and not error.transient:
                raise identities.explain_change_failure(error) from None
            identity = identities.get_identity(identity.project_id, identity.id)  # 404 when it is gone
    raise ConflictError("keys kept being issued to this identity while it was deleted; try again")


def change_credits(identity: IdentityModel, op: str, value: int, actor: str) -> int:
    """Sets, increments or decrements the identity's balance (never below 0), whatever its keys'
    verifications spend meanwhile; returns the balance after. An unlimited identity: 409."""
    policy = identities.identity_limits(identity).credits
    if policy is None:
        raise ConflictError("this identity has no credits (it is unlimited): give it credits with PATCH first")

    def audited(txn: Transaction) -> None:
        project_is_live(txn, identity.project_id)
        details = {"op": op, "value": value}
        audit.record(txn, identity.project_id, actor, "identity.credits_changed", ("identity", identity.id), details)

    return metering.change_credits(identities.meter_of(identity.id), policy, op, value, now(), audited)
