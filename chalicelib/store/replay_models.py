"""The table of HMAC signatures already seen (see `store.replay`)."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute

from chalicelib.store.base import KeywardenModel


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
