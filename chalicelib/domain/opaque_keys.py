"""The opaque API key format: `kw_` + base62 body whose last 6 characters are a checksum.

The body is 28 random base62 characters (about 166 bits) followed by the CRC32
(zlib's) of those 28 characters, in base62, most significant digit first,
zero-padded to 6. A scanner, a client or this service can reject a mistyped key
offline, before any database read:

>>> key = generate()
>>> parse(key) == key
True
>>> parse(key[:-1] + ("0" if key[-1] != "0" else "1")) is None
True
"""

from __future__ import annotations

import zlib

from chalicelib.domain.base62 import encode_int, is_base62, random_text

PREFIX = "kw_"
RANDOM_LENGTH = 28
CHECKSUM_LENGTH = 6
KEY_LENGTH = len(PREFIX) + RANDOM_LENGTH + CHECKSUM_LENGTH


def checksum(random_part: str) -> str:
    return encode_int(zlib.crc32(random_part.encode("ascii")), CHECKSUM_LENGTH)


def generate() -> str:
    """A new opaque key. Show it once; store only its keyed hash."""
    random_part = random_text(RANDOM_LENGTH)
    return PREFIX + random_part + checksum(random_part)


def parse(candidate: str) -> str | None:
    """The key when `candidate` is a well-formed opaque key, else None. No I/O.

    Checks length, prefix, alphabet and checksum; none of these is secret, so plain
    comparisons are fine here (the secret comparison is the keyed hash lookup).
    """
    if len(candidate) != KEY_LENGTH or not candidate.startswith(PREFIX):
        return None
    body = candidate[len(PREFIX) :]
    if not body.isascii() or not is_base62(body):
        return None
    random_part, check = body[:RANDOM_LENGTH], body[RANDOM_LENGTH:]
    return candidate if checksum(random_part) == check else None


def hint(key: str) -> str:
    """What lists show instead of the key: the prefix and the last 4 characters."""
    return f"{PREFIX}...{key[-4:]}"
