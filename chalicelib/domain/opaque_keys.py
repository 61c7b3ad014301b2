"""Opaque API keys: `<prefix>_` + 28 random base62 characters + their checksum (see `tokens`).

The key is the whole secret: the service keeps only its keyed hash, which is also the
handle of its lookup record. The prefix is the deployment's (`KEYWARDEN_KEY_PREFIX`,
default `kw`), so each deployment's keys have a pattern of their own for secret scanners.
The kind reads any prefix's shape, then refuses (MALFORMED, before any read) a prefix that
is neither the deployment's nor the default one (keys issued before a change of prefix keep
working; a mistyped prefix is caught offline as a mistyped body is).

>>> key = generate()
>>> parse(key) == key, parse(generate("acme")), parse(generate("acme"), ANY_PREFIX) is not None
(True, None, True)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from msgspec import Struct

from chalicelib.domain.key_kinds import Draft, Keyring, Made, Minter, Signer
from chalicelib.domain.tokens import ChecksummedToken
from chalicelib.domain.verification import MALFORMED

DEFAULT_PREFIX = "kw"
PREFIX = DEFAULT_PREFIX + "_"
# The prefixes of the other tokens of the same shape: HMAC key tokens and service keys.
_OTHERS = ("kwh_", "kws_")


@lru_cache(maxsize=16)
def _format(prefix: str) -> ChecksummedToken:
    return ChecksummedToken(prefix)


def generate(prefix: str = DEFAULT_PREFIX) -> str:
    """A new opaque key with the deployment's `prefix`. Show it once; store only its keyed hash."""
    return _format(prefix + "_").generate()


ANY_PREFIX: tuple[str, ...] = ()


def parse(candidate: str, prefixes: tuple[str, ...] = (PREFIX,)) -> str | None:
    """The key when `candidate` is a well-formed opaque key with one of `prefixes` (`ANY_PREFIX`:
    whatever its prefix), else None. No I/O."""
    end = _prefix_end(candidate)
    if end < 0 or (prefixes and candidate[: end + 1] not in prefixes):
        return None
    return _format(candidate[: end + 1]).parse(candidate)


def _prefix_end(candidate: str) -> int:
    """Where the `_` after a prefix of ours is (2 to 16 lower-case letters and digits, starting
    with a letter; not an HMAC token's or a service key's), else -1."""
    end = candidate.find("_", 2, 17)
    if end < 0 or candidate.startswith(_OTHERS):
        return -1
    word = candidate[:end]
    return end if word.isascii() and word.isalnum() and word.islower() and word[0].isalpha() else -1


def hint(key: str) -> str:
    """What lists show instead of the key: the prefix and the last 4 characters."""
    return _format(key[: key.index("_") + 1]).hint(key)


class OpaqueKey(Struct, frozen=True):
    handle: str


def _make(draft: Draft) -> Made:
    key = generate(draft.key_prefix)
    return Made(handle=key, shown={"key": key}, hint=hint(key))


class _Opaque:
    name = "opaque"

    def minter(self, signer: Callable[[], Signer]) -> Minter:
        return _make

    def parse(self, candidate: str) -> OpaqueKey | None:
        key = parse(candidate, ANY_PREFIX)
        return OpaqueKey(key) if key is not None else None

    def owns(self, candidate: str) -> bool:
        # A prefix of ours and `_`: the rest is the parse's to judge (MALFORMED when it is wrong).
        return _prefix_end(candidate) > 0

    def refusal_before_lookup(self, presented: OpaqueKey, project_id: str, keyring: Keyring) -> str | None:
        # Another deployment's prefix (or a mistyped one) is no key of ours; else the key is the
        # whole secret, and only its record can say anything of it.
        return None if presented.handle.startswith(keyring.key_prefixes) else MALFORMED

    def expiry_change_refusal(self, current: float | None, new: float | None) -> str | None:
        # Nothing in the key says when it expires: the record decides, and may change.
        return None


KIND = _Opaque()
