"""Base62 (`0-9A-Za-z`) text for secrets and checksums."""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_VALUES = {char: index for index, char in enumerate(ALPHABET)}


def random_text(length: int) -> str:
    """`length` characters drawn uniformly from the alphabet (log2(62) ≈ 5.95 bits each)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def encode_int(value: int, width: int) -> str:
    """`value` in base62, most significant digit first, zero-padded to `width`.

    >>> encode_int(61, 3)
    '00z'
    """
    digits = []
    for _ in range(width):
        value, digit = divmod(value, 62)
        digits.append(ALPHABET[digit])
    if value:
        raise ValueError("value does not fit the width")
    return "".join(reversed(digits))


def is_base62(text: str) -> bool:
    return all(char in _VALUES for char in text)
