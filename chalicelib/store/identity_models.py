"""The tables of identities: a project's own customers (API.md, "Identities"), and the guard
that keeps each external id to one identity per project."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute

from chalicelib.store.base import KeywardenModel


class IdentityModel(KeywardenModel):
    logical_name = "identities"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    # The platform's own id for its customer; unique in the project (IdentityNameModel) and immutable.
    external_id = UnicodeAttribute()
    meta = JSONAttribute(default=dict)
    # The identity's rate limits and credit policy: `{"ratelimits": [...], "credits": {...} | null}`
    # (`domain.limits.Limits` as JSON; `store.identities.identity_limits` reads it). None: none.
    # Its credit balance and window counts are in its meter (`store.meters`).
    limits = JSONAttribute(null=True)
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # The lookup ids of the keys issued to the identity (revoked ones stay: their lookup items
    # stay too), so that a change of its meta or limits reaches each key's verification record.
    digests = UnicodeSetAttribute(null=True)
    # Bumped by every key issued to it; a change that rewrites its keys' records requires it
    # unchanged, so it never misses a key issued meanwhile (as `KeyHolderModel.version`).
    version = NumberAttribute(default=0)
    # Which change last rewrote its keys' records (a fresh id per change; `updated_at` has
    # whole seconds, and two changes in one second must still tell the later one).
    revision = UnicodeAttribute(null=True)


class IdentityNameModel(KeywardenModel):
    """One item per external id in use: created on condition that it does not exist, in the
    identity's own transaction, so of any number of concurrent creates exactly one commits;
    deleted with the identity."""

    logical_name = "identity-names"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    # At most 256 characters, so at most 1,024 bytes of UTF-8: DynamoDB's bound for a sort key.
    external_id = UnicodeAttribute(range_key=True)
    identity_id = UnicodeAttribute()
