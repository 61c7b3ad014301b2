"""The tables of API keys: the key as its project manages it, the record verification reads
(found by the key's keyed hash), and the keys each holder holds."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.store.base import KeywardenModel


class RevokedKeysIndex(GlobalSecondaryIndex["ApiKeyModel"]):  # type: ignore[no-untyped-call]
    """Sparse: only revoked keys have `revoked_at`, so only they appear here."""

    class Meta:
        index_name = "revoked"
        projection = KeysOnlyProjection()

    project_id = UnicodeAttribute(hash_key=True)
    revoked_at = UnicodeAttribute(range_key=True)


class ExpiryWatchIndex(GlobalSecondaryIndex["ApiKeyModel"]):  # type: ignore[no-untyped-call]
    """Sparse: only keys the expiry sweep still has to look at have `watch`, ordered by when
    it should next look (7 days before expiry, then at expiry)."""

    class Meta:
        index_name = "expiry-watch"
        projection = KeysOnlyProjection()

    watch = UnicodeAttribute(hash_key=True)
    watch_at = NumberAttribute(range_key=True)


class ApiKeyModel(KeywardenModel):
    """An API key as its project manages it. Verification reads KeyLookupModel instead."""

    logical_name = "api-keys"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    digest = UnicodeAttribute()
    type = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    owner_id = UnicodeAttribute(null=True)  # None: an identity's key
    role_id = UnicodeAttribute()
    permissions = ListAttribute(of=UnicodeAttribute, default=list)
    hint = UnicodeAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    expires_at = UnicodeAttribute(null=True)
    # The identity (the platform's customer) the key belongs to; then `owner_id` is None.
    identity_id = UnicodeAttribute(null=True)
    # How long the key was issued for, so a reroll gives its successor the same lifetime
    # (expires_at is rounded up to whole seconds, created_at down: their difference drifts).
    lifetime_seconds = NumberAttribute(null=True)
    revoked_at = UnicodeAttribute(null=True)
    last_used_at = UnicodeAttribute(null=True)
    template_id = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    meta = JSONAttribute(default=dict)
    # The key a reroll made from this one; a key has at most one successor.
    rerolled_to = UnicodeAttribute(null=True)
    # The key's own rate limits and credit policy (`domain.limits.to_document`); None: none.
    # Its credit balance and window counts are in its meter (`store.meters`).
    limits = JSONAttribute(null=True)
    # When its project disabled it (reversible: removed when enabled again); None: enabled.
    disabled_at = UnicodeAttribute(null=True)
    # The networks it may be used from (normalized CIDRs); None: anywhere.
    ip_allowlist = ListAttribute(of=UnicodeAttribute, null=True)
    # When a leak report was first acted on for it (`services.leaks`): once per key; and the
    # action its project's policy took then (revoke, disable or notify).
    exposed_at = UnicodeAttribute(null=True)
    exposed_action = UnicodeAttribute(null=True)
    # The expiry sweep's bookkeeping (`store.key_expiry`): when it should next look at the
    # key, when it announced `key.expiring`, and when it recorded the expiry.
    watch = UnicodeAttribute(null=True)
    watch_at = NumberAttribute(null=True)
    expiring_notified_at = UnicodeAttribute(null=True)
    expiry_recorded_at = UnicodeAttribute(null=True)
    revoked = RevokedKeysIndex()
    expiry_watch = ExpiryWatchIndex()


class KeyLookupModel(KeywardenModel):
    """Everything verification needs of a key, in one item found by the key's keyed hash.

    Kept in step with ApiKeyModel (and the owner's right) in the same transactions.
    """

    logical_name = "key-lookup"

    class Meta(KeywardenModel.Meta):
        pass

    digest = UnicodeAttribute(hash_key=True)
    key_id = UnicodeAttribute()
    project_id = UnicodeAttribute()
    owner_id = UnicodeAttribute(null=True)  # None: an identity's key
    role_id = UnicodeAttribute()
    permissions = ListAttribute(of=UnicodeAttribute, default=list)
    expires_at = NumberAttribute(null=True)
    revoked_at = NumberAttribute(null=True)
    owner_permitted = BooleanAttribute()
    meta = JSONAttribute(default=dict)
    # An HMAC key's secret, sealed with KMS (context: project and key id); None for other kinds.
    sealed_secret = UnicodeAttribute(null=True)
    # When the key was issued (whole seconds): RFC 7662 introspection's `iat`.
    issued_at = NumberAttribute(null=True)
    # The key's own limits, as on ApiKeyModel; None: none.
    limits = JSONAttribute(null=True)
    # The key's identity as verification answers name it, with its shared limits:
    # `{id, external_id, meta, limits}` (`domain.verification.IdentityRef`); None: a member's key.
    identity = JSONAttribute(null=True)
    # Disabled by its project (absent: enabled), and the networks it may be used from.
    disabled = BooleanAttribute(null=True)
    ip_allowlist = ListAttribute(of=UnicodeAttribute, null=True)


class KeyHolderModel(KeywardenModel):
    """The live keys one person holds in one project, so a change of their right reaches them all.

    It outlives the membership: a member removed and added back gets their keys back.
    """

    logical_name = "key-holders"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute(range_key=True)
    digests = UnicodeSetAttribute(default=set)
    # Bumped by every key issued to the owner (an unconditional ADD, so issues commute);
    # a membership change requires it unchanged, so it never misses a key issued meanwhile.
    version = NumberAttribute(default=0)
