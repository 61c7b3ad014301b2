"""Minting with KMS: whichever of ECDSA's two forms KMS returns, a JWT key carries the low-S one."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256

from chalicelib.crypto import jwt_signing

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
MESSAGE = b"eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJrZXkifQ"


class FakeKms:
    """KMS's `sign`, answering with a chosen DER signature."""

    def __init__(self, der: bytes) -> None:
        self.der = der

    def sign(self, **request: Any) -> dict[str, Any]:
        assert request["MessageType"] == "RAW" and request["SigningAlgorithm"] == "ECDSA_SHA_256"
        assert request["Message"] == MESSAGE
        return {"Signature": self.der}


@pytest.mark.parametrize("form", ["high", "low"])
def test_a_minted_signature_is_low_s_whichever_form_kms_returns(monkeypatch: pytest.MonkeyPatch, form: str) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    r, s = decode_dss_signature(private.sign(MESSAGE, ec.ECDSA(SHA256())))
    low = min(s, P256_ORDER - s)
    returned = P256_ORDER - low if form == "high" else low
    monkeypatch.setattr(jwt_signing, "kms_client", lambda: FakeKms(encode_dss_signature(r, returned)))

    signature = jwt_signing.KmsSigner("kid", "arn:aws:kms:eu-west-1:000000000000:key/k").sign(MESSAGE)

    assert len(signature) == 64
    assert int.from_bytes(signature[:32], "big") == r
    assert int.from_bytes(signature[32:], "big") == low <= P256_ORDER // 2
    # Still a signature of the message by the key.
    private.public_key().verify(encode_dss_signature(r, low), MESSAGE, ec.ECDSA(SHA256()))
