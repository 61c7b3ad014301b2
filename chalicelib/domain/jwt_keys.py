"""JWT API keys: ES256 tokens that a resource server can check offline against the JWKS.

Header `{"alg": "ES256", "typ": "apikey+jwt", "kid"}` (`kid` is the RFC 7638
thumbprint of the signing key); claims `iss`, `sub` (owner), `aud` (project), `jti`
(key id), `iat`, `exp` (when the key expires, absent when it never does), `role` and
`permissions`. The key holds no stored secret: the signature is the proof, and the
lookup record is found by the `jti`.

`parse` reads a presented token without I/O and without trusting it: it only says
whether the token has the shape of one of ours. Whether it is ours is
`signature_valid`, against a key the service itself published, never one named by the
token (`jku`, `x5u`, `jwk` and `x5c` are refused outright).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec
from msgspec import Struct

from chalicelib.domain.ids import is_id
from chalicelib.domain.key_kinds import Draft, Keyring, Made, Minter, Signer
from chalicelib.domain.verification import INVALID_SIGNATURE, NOT_FOUND
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from cryptography import exceptions as crypto_exceptions
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric import utils as ec_utils
else:  # at the first JWT key's signature check, then bound in place: see chalicelib.lazy
    crypto_exceptions = lazy_module("cryptography.exceptions")
    hashes = lazy_module("cryptography.hazmat.primitives.hashes")
    ec = lazy_module("cryptography.hazmat.primitives.asymmetric.ec")
    ec_utils = lazy_module("cryptography.hazmat.primitives.asymmetric.utils")

ALGORITHM = "ES256"
TYPE = "apikey+jwt"
# A token of ours is about 600 bytes, and at most about 19 KB (a role's 100 permissions of
# 128 characters, a 255-character owner); anything larger is refused before any decoding.
MAX_TOKEN_LENGTH = 32 * 1024
_SEGMENT = re.compile(r"^[A-Za-z0-9_-]*$")
# Header parameters that name a key or demand extensions: we never send them, and a
# verifier that followed them would let the token choose its own key.
_REFUSED_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c", "crit"})
_TYPES = frozenset({TYPE, "application/" + TYPE})
# The order n of P-256's group. ECDSA's (r, s) and (r, n - s) verify alike, so each token
# would have a twin; only the low half (s <= n/2, the rule of Bitcoin's BIP 62) is ours.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(segment: str) -> bytes | None:
    if not _SEGMENT.fullmatch(segment) or len(segment) % 4 == 1:
        return None
    try:
        decoded = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return None
    # Canonical only: a last character that differs in its unused bits decodes to the same
    # bytes, and a token changed that way would still verify.
    return decoded if b64url(decoded) == segment else None


def _json(data: dict[str, Any]) -> bytes:
    return msgspec.json.encode(data)


def thumbprint(jwk: dict[str, str]) -> str:
    """The RFC 7638 thumbprint (SHA-256, base64url) of an EC public JWK: the `kid`."""
    required = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    canonical = msgspec.json.encode(dict(sorted(required.items())))
    return b64url(hashlib.sha256(canonical).digest())


def claims_of(draft: Draft) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": draft.issuer,
        "sub": draft.owner_id,
        "aud": draft.project_id,
        "jti": draft.key_id,
        "iat": int(draft.issued_at),
        "role": draft.role_id,
        "permissions": list(draft.permissions),
    }
    if draft.expires_at is not None:
        # Keys expire on whole seconds (store.keys rounds up), so this is the record's own expiry.
        claims["exp"] = math.ceil(draft.expires_at)
    return claims


def jws_signature(r: int, s: int) -> bytes:
    """The JWS form of an ES256 signature (RFC 7518 §3.4: r and s, 32 bytes each), low-S:
    a signer may return either (r, s) or (r, n - s), and the service mints only the low one."""
    if s > P256_ORDER // 2:
        s = P256_ORDER - s
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def hint(token: str) -> str:
    return f"eyJ...{token[-4:]}"


class ParsedJwt(Struct, frozen=True):
    """A token with our shape; nothing in it is trusted until `signature_valid` says so."""

    handle: str  # the jti: the key id
    alg: str
    kid: str
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


class _Claims(Struct, frozen=True, forbid_unknown_fields=False):
    iss: str
    sub: str
    aud: str
    jti: str
    iat: int | float
    role: str
    permissions: list[str]
    exp: int | float | None = None


def parse(candidate: str) -> ParsedJwt | None:
    """The token's parts when `candidate` has the shape of one of our JWT keys, else None."""
    if len(candidate) > MAX_TOKEN_LENGTH or candidate.count(".") != 2:
        return None
    header_text, claims_text, signature_text = candidate.split(".")
    header_bytes, claims_bytes, signature = (_unb64url(s) for s in (header_text, claims_text, signature_text))
    if header_bytes is None or claims_bytes is None or signature is None:
        return None
    try:
        header = msgspec.json.decode(header_bytes)
        claims = msgspec.json.decode(claims_bytes)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    alg, kid, typ = header.get("alg"), header.get("kid"), header.get("typ")
    if not isinstance(alg, str) or not isinstance(kid, str) or not isinstance(typ, str):
        return None
    if typ.lower() not in _TYPES or _REFUSED_HEADERS & header.keys():
        return None
    try:
        checked = msgspec.convert(claims, _Claims)
    except msgspec.ValidationError:
        return None
    if not is_id(checked.jti, "key"):
        return None
    return ParsedJwt(
        handle=checked.jti,
        alg=alg,
        kid=kid,
        claims=claims,
        signing_input=f"{header_text}.{claims_text}".encode("ascii"),
        signature=signature,
    )


def signature_valid(token: ParsedJwt, public_key: ec.EllipticCurvePublicKey) -> bool:
    """Whether `public_key` (one the service published) signed `token` with ES256.

    Only ES256 is accepted, whatever the token claims: `none` and HS* are never run. Only
    the low-S form is accepted: the high-S twin of a token is another string for the same
    key, and one key has one token.
    """
    if token.alg != ALGORITHM or len(token.signature) != 64:
        return False
    r = int.from_bytes(token.signature[:32], "big")
    s = int.from_bytes(token.signature[32:], "big")
    if s > P256_ORDER // 2:
        return False
    try:
        public_key.verify(ec_utils.encode_dss_signature(r, s), token.signing_input, ec.ECDSA(hashes.SHA256()))
    except crypto_exceptions.InvalidSignature:
        return False
    return True


class _Jwt:
    name = "jwt"
    # Read only by store.keys.update_key, until it asks `expiry_change_refusal`.

    def minter(self, signer: Callable[[], Signer]) -> Minter:
        key_signer = signer()

        def make(draft: Draft) -> Made:
            header = {"alg": ALGORITHM, "typ": TYPE, "kid": key_signer.kid}
            signing_input = f"{b64url(_json(header))}.{b64url(_json(claims_of(draft)))}"
            # The signing key must stay published for as long as the token is valid.
            signature = key_signer.sign(signing_input.encode("ascii"), draft.expires_at)
            token = f"{signing_input}.{b64url(signature)}"
            return Made(handle=draft.key_id, shown={"key": token}, hint=hint(token))

        return make

    def parse(self, candidate: str) -> ParsedJwt | None:
        return parse(candidate)

    def owns(self, candidate: str) -> bool:
        # Every JSON object header encodes to base64url starting "eyJ" ('{"').
        return candidate.startswith("eyJ")

    def refusal_before_lookup(self, presented: ParsedJwt, project_id: str, keyring: Keyring) -> str | None:
        """INVALID_SIGNATURE for a token that the service's own keys do not confirm or that
        another issuer claims, NOT_FOUND for one of another project, else None.

        Its `exp` is left to the record, whose expiry is never later (a change only brings it
        forward, a reroll's grace never extends it), so that a revoked and expired key is
        REVOKED, as with every kind.
        """
        public_key = keyring.verification_key(presented.kid)
        if public_key is None or not signature_valid(presented, public_key):
            return INVALID_SIGNATURE
        if presented.claims.get("iss") != keyring.issuer:
            return INVALID_SIGNATURE
        if presented.claims.get("aud") != project_id:
            return NOT_FOUND
        return None

    def expiry_change_refusal(self, current: float | None, new: float | None) -> str | None:
        # The expiry is signed into the token (`exp`) and offline verifiers trust it: it may be
        # brought forward (which verification online enforces) but never extended or removed.
        if current is not None and (new is None or new > current):
            return "a JWT key's expiry is signed into the token: it can be brought forward, not extended"
        return None


KIND = _Jwt()
