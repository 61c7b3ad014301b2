"""GitHub's secret scanning signatures: the pure half (no I/O).

GitHub signs each alert it posts to a partner with ECDSA on P-256 over SHA-256 of the raw
request body, and sends the signature (DER, base64) and the id of its key in two headers:

    Github-Public-Key-Identifier: bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c
    Github-Public-Key-Signature: MEQCIQDaMKqr...==

The keys are published as `{"public_keys": [{"key_identifier", "key": PEM, "is_current"}]}`
(https://docs.github.com/en/code-security/secret-scanning/secret-scanning-partnership-program/secret-scanning-partner-program).
Here: reading that document, checking one signature, and the `token_hash` of GitHub's
false-positive feedback format. `services.github_keys` fetches and caches the document.

Every check answers False on anything it cannot use (bad base64, DER that does not parse,
a key of another curve): what a caller sends never raises.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import TYPE_CHECKING, Any

import msgspec

from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from cryptography import exceptions as crypto_exceptions
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
else:  # at the first key document: see chalicelib.lazy
    crypto_exceptions = lazy_module("cryptography.exceptions")
    hashes = lazy_module("cryptography.hazmat.primitives.hashes")
    serialization = lazy_module("cryptography.hazmat.primitives.serialization")
    ec = lazy_module("cryptography.hazmat.primitives.asymmetric.ec")

# A DER P-256 signature is at most 72 bytes, 96 in base64; anything much longer is refused
# before it is decoded.
MAX_SIGNATURE_LENGTH = 256
# GitHub's key ids are 64 hex digits (a SHA-256); ids of other shapes are refused before
# they can make the keyring refetch.
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


class KeyDocumentError(ValueError):
    """The keys document is not GitHub's shape, or holds no key that can verify."""


def token_hash(token: str) -> str:
    """The `token_hash` of GitHub's feedback format: the hex SHA-256 of the raw token (UTF-8).

    >>> token_hash("some_token")[:16]
    '9a45520a1213f150'
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def key_id_well_formed(key_id: str) -> bool:
    """Whether `key_id` could be one of GitHub's key ids (short, plain characters)."""
    return _KEY_ID.fullmatch(key_id) is not None


def signature_well_formed(signature_b64: str) -> bool:
    """Whether `signature_b64` could be a signature header: base64, and not too long."""
    return 0 < len(signature_b64) <= MAX_SIGNATURE_LENGTH and _BASE64.fullmatch(signature_b64) is not None


def parse_key_document(raw: bytes) -> dict[str, ec.EllipticCurvePublicKey]:
    """The P-256 public keys of a keys document, by key id.

    Entries that are not objects, lack a string id or PEM, or hold a key that is not an
    EC key on P-256 are skipped, so that one odd entry does not hide the others. Raises
    KeyDocumentError when the document is not JSON of GitHub's shape or no key is left.
    """
    try:
        document: Any = msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        raise KeyDocumentError("the keys document is not JSON") from None
    entries = document.get("public_keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise KeyDocumentError("the keys document has no list of public_keys")
    keys: dict[str, ec.EllipticCurvePublicKey] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        key_id, pem = entry.get("key_identifier"), entry.get("key")
        if not isinstance(key_id, str) or not isinstance(pem, str) or not key_id_well_formed(key_id):
            continue
        key = load_p256_key(pem)
        if key is not None:
            keys[key_id] = key
    if not keys:
        raise KeyDocumentError("the keys document holds no P-256 public key")
    return keys


def load_p256_key(pem: str) -> ec.EllipticCurvePublicKey | None:
    """The P-256 public key in a PEM SubjectPublicKeyInfo, or None for anything else."""
    try:
        key = serialization.load_pem_public_key(pem.encode("utf-8"))
    except (ValueError, TypeError, UnicodeEncodeError, crypto_exceptions.UnsupportedAlgorithm):
        return None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        return None
    return key


def signature_valid(public_key: ec.EllipticCurvePublicKey, body: bytes, signature_b64: str) -> bool:
    """Whether `signature_b64` (base64 of a DER ECDSA signature) is `public_key`'s over `body`.

    `body` must be the raw request body, byte for byte: GitHub signs what it sends, and a
    body parsed and serialized again no longer verifies. Both (r, s) and (r, n - s) verify,
    as ECDSA has it: a signature's bytes do not identify a delivery.
    """
    if not signature_well_formed(signature_b64):
        return False
    try:
        der = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        public_key.verify(der, body, ec.ECDSA(hashes.SHA256()))
    except (crypto_exceptions.InvalidSignature, ValueError):
        return False
    return True
