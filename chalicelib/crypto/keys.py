"""The KMS keys the service uses, defined once for the local stack, tests and infra.

Each key is reached through its alias `alias/<table_prefix>-<logical_name>`.
"""

from __future__ import annotations

from msgspec import Struct


class KmsKeyDefinition(Struct, frozen=True):
    logical_name: str
    key_spec: str
    key_usage: str
    description: str


KMS_KEYS: tuple[KmsKeyDefinition, ...] = (
    KmsKeyDefinition(
        "secrets",
        "SYMMETRIC_DEFAULT",
        "ENCRYPT_DECRYPT",
        "Envelope encryption of app secrets, HMAC key secrets and the key-hash pepper",
    ),
    KmsKeyDefinition(
        "jwt-signing",
        "ECC_NIST_P256",
        "SIGN_VERIFY",
        "ES256 signatures of JWT API keys; the private key never leaves KMS",
    ),
)
