"""Offline checks of Keywarden's JWT keys against the service's published signing keys.

Only keys from the service's own JWKS (at the URL the service names, never one a token names:
`jku`, `x5u`, `jwk`, `x5c` are not followed) verify a token; the token's `kid` only picks among
them, and only ES256 is ever run, whatever the header says. The token is parsed once: the
header picks the key, `cryptography` checks the signature (as the service itself does, and in
its low-S form only, the one the service mints and accepts), and the claims the service checks
are checked here the same way (`iss`, `aud`, `exp`), with its codes. This is the whole of JWT
validation these tokens need, at about 0.8 x the CPU of PyJWT's `jwt.decode`, which parses the
token a second time and validates claims we never issue.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256

TYPE = "apikey+jwt"
_TYPES = frozenset({TYPE, "application/" + TYPE})
_MAX_TOKEN = 32 * 1024
_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+$")
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-store|no-cache)\b", re.IGNORECASE)
# Without a Cache-Control max-age, the keys are fetched again after this long.
DEFAULT_MAX_AGE = 300.0
# And never more often than this, whatever the header says.
MIN_MAX_AGE = 10.0
_ECDSA = ec.ECDSA(SHA256())
# The order n of P-256's group. An ECDSA signature (r, s) has a twin, (r, n - s), that verifies
# alike: a second spelling of the same token, which would verify offline as the key the service
# vouched for. The service mints and accepts only the low form (s <= n / 2): so does the SDK.
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Token:
    """A token split and decoded, not yet trusted."""

    kid: str
    signing_input: bytes
    signature: bytes
    claims: dict[str, Any]


def looks_like_jwt(credential: str) -> bool:
    return credential.count(".") == 2 and len(credential) <= _MAX_TOKEN


def parse(token: str) -> Token | None:
    """The token's parts when it has the shape of one of ours (ES256, `apikey+jwt`, a `kid`), else None."""
    header_segment, payload_segment, signature_segment = token.split(".")
    try:
        header = json.loads(_unb64url(header_segment))
        claims = json.loads(_unb64url(payload_segment))
        signature = _unb64url(signature_segment)
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        # RecursionError: JSON nested deeper than the interpreter's stack, before any signature check.
        return None
    if not isinstance(header, dict) or header.get("alg") != "ES256" or header.get("typ") not in _TYPES:
        return None
    kid = header.get("kid")
    if not isinstance(kid, str) or not isinstance(claims, dict) or len(signature) != 64:
        return None
    return Token(kid, f"{header_segment}.{payload_segment}".encode("ascii"), signature, claims)


def verified_claims(
    token: Token, key: ec.EllipticCurvePublicKey, project_id: str, issuer: str, now: float
) -> dict[str, Any]:
    """The claims of a token `key` signed, or `Refused` with the service's code for why not
    (`exp` judged at `now`, the service's time)."""
    r = int.from_bytes(token.signature[:32], "big")
    s = int.from_bytes(token.signature[32:], "big")
    if s > _P256_ORDER // 2:
        raise Refused("INVALID_SIGNATURE")  # the high-S twin of a token: never one the service minted
    try:
        key.verify(encode_dss_signature(r, s), token.signing_input, _ECDSA)
    except InvalidSignature:
        raise Refused("INVALID_SIGNATURE") from None
    claims = token.claims
    if claims.get("iss") != issuer:
        raise Refused("INVALID_SIGNATURE")  # signed by the service's key for another deployment
    if claims.get("aud") != project_id:
        raise Refused("NOT_FOUND")  # a key of another project, as the service says
    expires = claims.get("exp")
    if expires is not None and (not isinstance(expires, int | float) or isinstance(expires, bool)):
        raise Refused("MALFORMED")
    if expires is not None and expires <= now:
        raise Refused("EXPIRED")
    if not isinstance(claims.get("jti"), str) or not isinstance(claims.get("sub"), str):
        raise Refused("MALFORMED")
    return claims


def max_age(cache_control: str | None) -> float:
    """How long the JWKS may be kept, by its Cache-Control (at least `MIN_MAX_AGE`)."""
    if _NO_CACHE.search(cache_control or ""):
        return MIN_MAX_AGE
    found = _MAX_AGE.search(cache_control or "")
    return max(float(found.group(1)), MIN_MAX_AGE) if found else DEFAULT_MAX_AGE


class SigningKeys:
    """The JWKS, as last fetched: public keys by `kid`, and until when it is fresh."""

    def __init__(self) -> None:
        self._keys: dict[str, ec.EllipticCurvePublicKey] = {}
        self.fresh_until = 0.0
        self.fetched_at = float("-inf")

    def key(self, kid: str) -> ec.EllipticCurvePublicKey | None:
        return self._keys.get(kid)

    def load(self, document: Any, cache_control: str | None) -> None:
        keys: dict[str, ec.EllipticCurvePublicKey] = {}
        entries = document.get("keys") if isinstance(document, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            key = _p256_key(entry)
            if key is not None:
                keys[entry["kid"]] = key
        self._keys = keys
        self.fetched_at = time.monotonic()
        self.fresh_until = self.fetched_at + max_age(cache_control)


def _p256_key(entry: Any) -> ec.EllipticCurvePublicKey | None:
    """An ES256 verification key from one JWK, or None for anything else."""
    if not isinstance(entry, dict) or entry.get("kty") != "EC" or entry.get("crv") != "P-256":
        return None
    if entry.get("use", "sig") != "sig" or not isinstance(entry.get("kid"), str):
        return None
    try:
        x = int.from_bytes(_unb64url(entry["x"]), "big")
        y = int.from_bytes(_unb64url(entry["y"]), "big")
        return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    except (KeyError, TypeError, ValueError, binascii.Error):
        return None


def _unb64url(segment: str) -> bytes:
    if not _SEGMENT.fullmatch(segment) or len(segment) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
