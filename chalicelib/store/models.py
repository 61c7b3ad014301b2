"""Table models. Each class is one DynamoDB table; `logical_name` names it.

The physical name is `<table_prefix>-<logical_name>` (see Settings.table_name).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.store.base import KeywardenModel


class ProjectModel(KeywardenModel):
    logical_name = "projects"

    class Meta(KeywardenModel.Meta):
        pass

    id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # How many members are owners, kept in the same transaction as every membership
    # change so that "a project keeps at least one owner" is a condition, not a scan.
    owner_count = NumberAttribute(default=0)
    # Deletion first sets `deleting_at`: from then on every write to the project is refused
    # (each is conditional on neither being set), so the keys it then revokes are all there
    # are; `deleted_at` is set once they are. Projects are deleted softly: keys and audit
    # history outlive them.
    deleting_at = UnicodeAttribute(null=True)
    deleted_at = UnicodeAttribute(null=True)


class MembersByUser(GlobalSecondaryIndex["MemberModel"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by-user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    project_id = UnicodeAttribute(range_key=True)


class MemberModel(KeywardenModel):
    logical_name = "members"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)
    role = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    added_by = UnicodeAttribute()
    by_user = MembersByUser()


class RoleModel(KeywardenModel):
    logical_name = "roles"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    permissions = ListAttribute(of=UnicodeAttribute, default=list)
    # Keys and templates that name this role; a role in use cannot be deleted.
    ref_count = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class NodeModel(KeywardenModel):
    logical_name = "nodes"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    created_at = UnicodeAttribute()
    # Templates whose info fields name this node; a node in use cannot be deleted.
    ref_count = NumberAttribute(default=0)


class AuditEventModel(KeywardenModel):
    logical_name = "audit"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    # Time-ordered (see domain.ids), so a reverse query lists newest first.
    id = UnicodeAttribute(range_key=True)
    at = UnicodeAttribute()
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    target_type = UnicodeAttribute()
    target_id = UnicodeAttribute()
    details = JSONAttribute(default=dict)


class IdempotencyModel(KeywardenModel):
    logical_name = "idempotency"

    class Meta(KeywardenModel.Meta):
        pass

    # SHA-256 of the caller, the route and the Idempotency-Key header.
    key = UnicodeAttribute(hash_key=True)
    request_hash = UnicodeAttribute()
    state = UnicodeAttribute()  # in_progress | completed
    locked_until = NumberAttribute(default=0)
    status_code = NumberAttribute(null=True)
    body = UnicodeAttribute(null=True)
    headers = JSONAttribute(null=True)
    # DynamoDB deletes the item some time after this; reads check it too, because
    # deletion may lag by days (and moto never deletes).
    expires_at = TTLAttribute()


class SystemItemModel(KeywardenModel):
    """Service-wide values, such as the sealed pepper of key hashes."""

    logical_name = "system"

    class Meta(KeywardenModel.Meta):
        pass

    name = UnicodeAttribute(hash_key=True)
    sealed = UnicodeAttribute()
    created_at = UnicodeAttribute()


class AppSecretModel(KeywardenModel):
    """A project's secure key or service key, sealed (KMS envelope encryption)."""

    logical_name = "app-secrets"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)
    sealed = UnicodeAttribute()
    hint = UnicodeAttribute()
    created_at = UnicodeAttribute()
    rotated_at = UnicodeAttribute(null=True)
    # During a rotation's grace period the old value keeps working until then.
    previous_sealed = UnicodeAttribute(null=True)
    previous_valid_until = NumberAttribute(null=True)
    version = NumberAttribute(default=1)


class ServiceKeyModel(KeywardenModel):
    """Finds a project by its service key: keyed by the key's keyed hash, never the key."""

    logical_name = "service-keys"

    class Meta(KeywardenModel.Meta):
        pass

    digest = UnicodeAttribute(hash_key=True)
    project_id = UnicodeAttribute()
    # None while the key is the project's current one; set when a rotation retires it.
    valid_until = NumberAttribute(null=True)
    created_at = UnicodeAttribute()


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
    owner_id = UnicodeAttribute()
    role_id = UnicodeAttribute()
    permissions = ListAttribute(of=UnicodeAttribute, default=list)
    hint = UnicodeAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    expires_at = UnicodeAttribute(null=True)
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
    owner_id = UnicodeAttribute()
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


class SigningKeyModel(KeywardenModel):
    """A KMS key that signs JWT API keys, with what the JWKS publishes of it.

    Keys form a chain: each records its successor at most once (`successor`), so of two
    concurrent rotations one wins. A key signs from `signs_from` until its successor's
    `signs_from`, and is published while a token it signed can still be valid.
    """

    logical_name = "signing-keys"

    class Meta(KeywardenModel.Meta):
        pass

    kid = UnicodeAttribute(hash_key=True)  # the RFC 7638 thumbprint of the public key
    kms_key_id = UnicodeAttribute()
    public_jwk = JSONAttribute()
    created_at = UnicodeAttribute()
    signs_from = NumberAttribute()
    successor = UnicodeAttribute(null=True)
    # The latest `exp` of a token it signed (raised before each signature), and whether it
    # signed one that never expires: together, how long it must stay published.
    valid_until = NumberAttribute(null=True)
    signs_forever = BooleanAttribute(default=False)


class ReplayMarkModel(KeywardenModel):
    """An HMAC signature already seen, so that a replay of its request is refused.

    Written create-only: of two verifications of one signature, in any processes, one
    succeeds. A mark matters only while its request's date is within the window.
    """

    logical_name = "hmac-replay"

    class Meta(KeywardenModel.Meta):
        pass

    id = UnicodeAttribute(hash_key=True)  # SHA-256 of the token, the signature and the signed message
    until = NumberAttribute()
    # Random, per write: a refused request takes back its own mark, never another's.
    writer = UnicodeAttribute()
    # DynamoDB deletes the mark some time after this; the write's condition checks `until`
    # too, because deletion may lag by days (and moto never deletes).
    expires_at = TTLAttribute()
