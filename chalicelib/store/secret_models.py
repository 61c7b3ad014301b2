"""The tables of a project's own secrets: its secure and service keys, sealed, and the lookup
that finds a project by its service key."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.store.base import KeywardenModel


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
