"""ES256 signing in KMS: the private key never leaves it.

KMS signs the raw signing input (`MessageType="RAW"`, ECDSA_SHA_256) and returns a DER
signature; JWS wants the two 32-byte integers side by side (RFC 7518 §3.4), with s in
its low half (domain.jwt_keys). The public half is read once per key and published as a JWK.
"""

from __future__ import annotations

import base64
import logging
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.config import get_settings
from chalicelib.crypto.keys import deployment_tags
from chalicelib.crypto.kms import key_alias, kms_client
from chalicelib.domain.jwt_keys import b64url, jws_signature, thumbprint
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric import utils as ec_utils
else:  # at the first signature or public key: see chalicelib.lazy
    serialization = lazy_module("cryptography.hazmat.primitives.serialization")
    ec = lazy_module("cryptography.hazmat.primitives.asymmetric.ec")
    ec_utils = lazy_module("cryptography.hazmat.primitives.asymmetric.utils")

log = logging.getLogger("keywarden.signing")

SIGNING_KEY = "jwt-signing"
KEY_SPEC = "ECC_NIST_P256"


class KmsSigner:
    """Signs with one KMS key; `kid` is the thumbprint of its public key."""

    def __init__(self, kid: str, kms_key_id: str) -> None:
        self.kid = kid
        self.kms_key_id = kms_key_id

    def sign(self, message: bytes) -> bytes:
        der = kms_client().sign(
            KeyId=self.kms_key_id, Message=message, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256"
        )["Signature"]
        # KMS returns either of ECDSA's two signatures, (r, s) or (r, n - s): minted low-S.
        return jws_signature(*ec_utils.decode_dss_signature(der))


def public_jwk(kms_key_id: str) -> tuple[str, str, dict[str, str]]:
    """(the key's ARN, its kid, its public JWK) for a KMS key id, ARN or alias."""
    response = kms_client().get_public_key(KeyId=kms_key_id)
    public = serialization.load_der_public_key(response["PublicKey"])
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise TypeError(f"{kms_key_id} is not an elliptic-curve key")
    numbers = public.public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }
    return response["KeyId"], thumbprint(jwk), jwk


# Seconds to wait between reads of a key just created, while KMS does not yet authorize it.
NEW_KEY_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)


def public_jwk_of_new_key(kms_key_id: str) -> tuple[str, str, dict[str, str]]:
    """`public_jwk` of a key this process just created. Deployed roles may use only keys that
    carry the deployment's tag (infra/), and KMS may take a moment to authorize by a new key's
    tags: an AccessDeniedException is retried for about 7 s before it is raised."""
    for delay in (*NEW_KEY_RETRY_DELAYS, None):
        try:
            return public_jwk(kms_key_id)
        except ClientError as error:
            if delay is None or error.response.get("Error", {}).get("Code") != "AccessDeniedException":
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")


def public_key_of(jwk: dict[str, Any]) -> ec.EllipticCurvePublicKey:
    def number(text: str) -> int:
        return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")

    return ec.EllipticCurvePublicNumbers(number(jwk["x"]), number(jwk["y"]), ec.SECP256R1()).public_key()


def configured_key() -> str:
    """The alias of the signing key the deployment provides: the first of the chain."""
    return key_alias(SIGNING_KEY)


def create_key() -> str:
    """A new signing key in KMS (a rotation); returns its key id.

    Tagged as the deployment's: the deployed role may create keys with that tag only, and
    use only keys that carry it.
    """
    response = kms_client().create_key(
        KeySpec=KEY_SPEC,
        KeyUsage="SIGN_VERIFY",
        Description="ES256 signatures of JWT API keys (rotated); the private key never leaves KMS",
        Tags=deployment_tags(get_settings().table_prefix),
    )
    return str(response["KeyMetadata"]["KeyId"])


def discard_key(kms_key_id: str) -> None:
    """Schedules the deletion of a key that never signed (a rotation that lost a race).
    Best effort: a key left behind costs a little and signs nothing."""
    try:
        kms_client().schedule_key_deletion(KeyId=kms_key_id, PendingWindowInDays=7)
    except Exception:
        log.warning("could not schedule the deletion of unused signing key %s", kms_key_id, exc_info=True)
