"""The `Minter` of each key kind, with what a kind may ask of the service (a KMS signer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.key_kinds import Minter, Signer
from chalicelib.domain.kind_registry import kinds
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.services import signing_keys
else:
    # Imported when a kind asks for the signer, so issuing opaque and HMAC keys never does.
    signing_keys = lazy_module("chalicelib.services.signing_keys")


def minter(key_type: str) -> Minter:
    """Makes the secrets of new keys of `key_type` ("opaque", "jwt" or "hmac")."""
    return kinds()[key_type].minter(_signer)


def _signer() -> Signer:
    # The key that signs now; it keeps each token's key published while the token is valid.
    return signing_keys.signer()
