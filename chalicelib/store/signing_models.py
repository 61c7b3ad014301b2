"""The table of the KMS keys that sign JWT API keys."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.store.base import KeywardenModel


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
