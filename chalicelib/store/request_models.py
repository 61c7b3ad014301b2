"""The tables of key requests: templates, the requests made from them, and each requester's
latest request per template (its tile)."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.store.base import KeywardenModel


class KeyTemplateModel(KeywardenModel):
    """A key half-formed: role, type, lifetime and information fields, without its holder."""

    logical_name = "key-templates"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    role_id = UnicodeAttribute()
    type = UnicodeAttribute()
    ttl_seconds = NumberAttribute(null=True)
    auto_approve = BooleanAttribute(default=False)
    # [{name, description, value}], values with their placeholders unresolved.
    info_fields = JSONAttribute(default=list)
    # The nodes the values name, each counted in the node's ref_count.
    node_ids = UnicodeSetAttribute(default=set)
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # Every change requires the version it read, so that role and node counts stay exact.
    version = NumberAttribute(default=1)


class OpenRequestsIndex(GlobalSecondaryIndex["KeyRequestModel"]):  # type: ignore[no-untyped-call]
    """Sparse: only pending and approved requests have `open_shard`, so the expiry sweep
    finds the lapsed ones without a scan."""

    class Meta:
        index_name = "open-by-deadline"
        projection = KeysOnlyProjection()

    open_shard = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class KeyRequestModel(KeywardenModel):
    """A request for a key from a template (see domain.key_requests for its states)."""

    logical_name = "key-requests"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    template_id = UnicodeAttribute()
    requester_id = UnicodeAttribute()
    justification = UnicodeAttribute(default="")
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    # Epoch seconds: when a pending request lapses, or an approved one's key is revoked unclaimed.
    expires_at = NumberAttribute()
    version = NumberAttribute(default=1)
    decided_at = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    key_id = UnicodeAttribute(null=True)
    # The key's secret and the resolved info fields, sealed, from approval until the claim
    # (or the lapse) erases them.
    sealed_claim = UnicodeAttribute(null=True)
    open_shard = UnicodeAttribute(null=True)
    open_requests = OpenRequestsIndex()


class KeyRequestTileModel(KeywardenModel):
    """One requester's latest request from one template: the key tile of a template listing,
    and the guard of "one pending request per requester and template"."""

    logical_name = "key-request-tiles"

    class Meta(KeywardenModel.Meta):
        pass

    project_id = UnicodeAttribute(hash_key=True)
    # `<sha256 of the requester id>#<template id>`: one query lists a requester's tiles.
    slot = UnicodeAttribute(range_key=True)
    request_id = UnicodeAttribute()
    status = UnicodeAttribute()
    expires_at = NumberAttribute()
