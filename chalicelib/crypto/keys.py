"""The KMS keys the service uses, defined once for the local stack, tests and infra.

Each key is reached through its alias `alias/<table_prefix>-<logical_name>`, and carries
the tag DEPLOYMENT_TAG = <table_prefix>. Keys the service creates itself (signing-key
rotation) carry it too: it is what the deployed roles grant their use by (infra/).
"""

from __future__ import annotations

from msgspec import Struct

DEPLOYMENT_TAG = "keywarden-deployment"


def deployment_tags(table_prefix: str) -> list[dict[str, str]]:
    """The tags of a key of this deployment, in KMS's CreateKey form."""
    return [{"TagKey": DEPLOYMENT_TAG, "TagValue": table_prefix}]


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
