"""The table of `Idempotency-Key` records: a request in progress or its stored response
(see `store.idempotency`)."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute

from chalicelib.store.base import KeywardenModel


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
