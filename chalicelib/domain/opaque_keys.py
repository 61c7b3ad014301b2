"""Opaque API keys: `kw_` + 28 random base62 characters + their checksum (see `tokens`).

The key is the whole secret: the service keeps only its keyed hash, which is also the
handle of its lookup record.

>>> key = generate()
>>> parse(key) == key
True
"""

from __future__ import annotations

from collections.abc import Callable

from msgspec import Struct

from chalicelib.domain.key_kinds import Draft, Keyring, Made, Minter, Signer
from chalicelib.domain.tokens import ChecksummedToken

PREFIX = "kw_"
FORMAT = ChecksummedToken(PREFIX)


def generate() -> str:
    """A new opaque key. Show it once; store only its keyed hash."""
    return FORMAT.generate()


def parse(candidate: str) -> str | None:
    """The key when `candidate` is a well-formed opaque key, else None. No I/O."""
    return FORMAT.parse(candidate)


def hint(key: str) -> str:
    """What lists show instead of the key: the prefix and the last 4 characters."""
    return FORMAT.hint(key)


class OpaqueKey(Struct, frozen=True):
    handle: str


def _make(draft: Draft) -> Made:
    key = generate()
    return Made(handle=key, shown={"key": key}, hint=hint(key))


class _Opaque:
    name = "opaque"

    def minter(self, signer: Callable[[], Signer]) -> Minter:
        return _make

    def parse(self, candidate: str) -> OpaqueKey | None:
        key = parse(candidate)
        return OpaqueKey(key) if key is not None else None

    def owns(self, candidate: str) -> bool:
        return candidate.startswith(PREFIX)

    def refusal_before_lookup(self, presented: OpaqueKey, project_id: str, keyring: Keyring) -> str | None:
        # The key is the whole secret: only its record can say anything of it.
        return None

    def expiry_change_refusal(self, current: float | None, new: float | None) -> str | None:
        # Nothing in the key says when it expires: the record decides, and may change.
        return None


KIND = _Opaque()
