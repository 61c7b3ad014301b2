"""The `Minter` of each key kind, with what it needs from outside the domain (a KMS signer)."""

from __future__ import annotations

from chalicelib.domain.key_kinds import Draft, Made, Minter
from chalicelib.domain.kind_registry import kinds


def minter(key_type: str) -> Minter:
    """Makes the secrets of new keys of `key_type` ("opaque", "jwt" or "hmac")."""
    kind = kinds()[key_type]
    if not kind.self_contained:
        return lambda draft: kind.make(draft, None)

    from chalicelib.services import signing_keys

    signer = signing_keys.signer()

    def mint_signed(draft: Draft) -> Made:
        # Published for as long as the token is valid, before the token exists.
        signer.cover(draft.expires_at)
        return kind.make(draft, signer)

    return mint_signed
