"""Checksummed tokens: a prefix, random base62 characters, then their CRC32 in base62.

Opaque keys (`kw_`) and HMAC key tokens (`kwh_`) share this shape. The last 6
characters are the CRC32 (zlib's) of the random ones, in base62, most significant
digit first, zero-padded, so a scanner, a client or this service can reject a
mistyped token offline, before any database read:

>>> fmt = ChecksummedToken("kw_")
>>> token = fmt.generate()
>>> fmt.parse(token) == token
True
>>> fmt.parse(token[:-1] + ("0" if token[-1] != "0" else "1")) is None
True
"""

from __future__ import annotations

import zlib

from chalicelib.domain.base62 import encode_int, is_base62, random_text

RANDOM_LENGTH = 28  # about 166 bits
CHECKSUM_LENGTH = 6


def checksum(random_part: str) -> str:
    return encode_int(zlib.crc32(random_part.encode("ascii")), CHECKSUM_LENGTH)


class ChecksummedToken:
    """The format of one kind of token, told apart from the others by its prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.length = len(prefix) + RANDOM_LENGTH + CHECKSUM_LENGTH

    def generate(self) -> str:
        random_part = random_text(RANDOM_LENGTH)
        return self.prefix + random_part + checksum(random_part)

    def parse(self, candidate: str) -> str | None:
        """The token when `candidate` is well formed, else None. No I/O.

        Checks length, prefix, alphabet and checksum; none of these is secret, so plain
        comparisons are fine here (the secret comparison is the keyed hash lookup).
        """
        if len(candidate) != self.length or not candidate.startswith(self.prefix):
            return None
        body = candidate[len(self.prefix) :]
        if not body.isascii() or not is_base62(body):
            return None
        random_part, check = body[:RANDOM_LENGTH], body[RANDOM_LENGTH:]
        return candidate if checksum(random_part) == check else None

    def hint(self, token: str) -> str:
        """What lists show instead of the token: the prefix and the last 4 characters."""
        return f"{self.prefix}...{token[-4:]}"
