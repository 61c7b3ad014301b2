"""Launch-parameter signatures, the algorithm of VK Mini Apps.

Take the query parameters whose names start with `vk_`, sort them by name, join them
as `name=value&...` with values URL-encoded (as urllib's urlencode does, like VK's
own examples), HMAC-SHA256 that string with the secure key (UTF-8), and base64url
the digest without padding: that is `sign`. Pure: usable without the service.

>>> query, signature = signed_query({"vk_user_id": "1", "vk_ts": "1700000000"}, "a-secure-key-of-20+chars")
>>> verify(query, ["a-secure-key-of-20+chars"], now=1700000060, max_age_seconds=300)
'VALID'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode

VALID = "VALID"
INVALID_SIGNATURE = "INVALID_SIGNATURE"
EXPIRED = "EXPIRED"
MALFORMED = "MALFORMED"
MAX_QUERY_LENGTH = 8192


def canonical(params: Mapping[str, str]) -> str:
    """The signed string: the `vk_` parameters, sorted by name, URL-encoded."""
    return urlencode(sorted((name, value) for name, value in params.items() if name.startswith("vk_")))


def sign(params: Mapping[str, str], secure_key: str) -> str:
    digest = hmac.new(secure_key.encode("utf-8"), canonical(params).encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def signed_query(params: Mapping[str, str], secure_key: str) -> tuple[str, str]:
    """The query a launcher hands to a client, and its signature."""
    signature = sign(params, secure_key)
    return f"{canonical(params)}&sign={signature}", signature


def verify(query: str, secure_keys: Iterable[str], now: float, max_age_seconds: int | None = None) -> str:
    """VALID, INVALID_SIGNATURE, EXPIRED or MALFORMED for a launch query string.

    `secure_keys` holds the current key and, during a rotation's grace period, the
    previous one. Signatures are compared in constant time. EXPIRED is only said of a
    correctly signed query whose `vk_ts` is older than `max_age_seconds`.
    """
    if len(query) > MAX_QUERY_LENGTH:
        return MALFORMED
    try:
        query.encode("utf-8")  # lone surrogates cannot be signed or compared
    except UnicodeEncodeError:
        return MALFORMED
    query = query[1:] if query.startswith("?") else query
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        return MALFORMED
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            return MALFORMED  # a repeated name could be read two ways
        params[name] = value
    given = params.get("sign")
    if not given or not any(name.startswith("vk_") for name in params):
        return MALFORMED
    given_bytes = given.encode("utf-8")
    matched = False
    for key in secure_keys:
        # Every candidate key is checked, so timing does not tell which one matched.
        matched |= hmac.compare_digest(sign(params, key).encode("ascii"), given_bytes)
    if not matched:
        return INVALID_SIGNATURE
    if max_age_seconds is not None:
        stamp = params.get("vk_ts", "")
        if not (stamp.isascii() and stamp.isdigit()):
            return MALFORMED
        issued_at = int(stamp)
        if now - issued_at > max_age_seconds:
            return EXPIRED
    return VALID
