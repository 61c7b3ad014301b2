"""Opaque keys as the SDK sees them: `kw_` + a base62 body whose last 6 characters are the
CRC32 of the rest. The checksum is checked before any call, so a typo never costs one; the
service makes and checks it the same way (`chalicelib.domain.tokens`)."""

from __future__ import annotations

import zlib

PREFIX = "kw_"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def checksum_ok(key: str) -> bool:
    """The opaque key's last 6 characters are the CRC32 of the rest of its body, in base62."""
    body = key[len(PREFIX) :]
    if len(body) < 7 or not (body.isascii() and body.isalnum()):
        return False
    value = zlib.crc32(body[:-6].encode("ascii"))
    digits = []
    for _ in range(6):
        value, digit = divmod(value, 62)
        digits.append(_BASE62[digit])
    return "".join(reversed(digits)) == body[-6:]
