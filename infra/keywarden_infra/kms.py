"""The deployment's KMS keys, as chalicelib/crypto/keys.py defines them, under the
aliases the service reaches them by (`alias/<table prefix>-<logical name>`)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, Tags
from aws_cdk import aws_kms as kms
from constructs import Construct

from keywarden_infra.access import DEPLOYMENT_TAG
from keywarden_infra.config import StageConfig


@dataclass(frozen=True)
class Keys:
    # Envelope encryption of every secret the service stores (symmetric, rotated yearly by KMS).
    secrets: kms.Key
    # ES256 signatures of JWT keys. Asymmetric keys cannot rotate in KMS: the service
    # rotates by adding keys of its own (POST /v1/admin/signing-keys/rotate; see the README).
    jwt_signing: kms.Key


def create_keys(scope: Construct, config: StageConfig) -> Keys:
    removal = config.kept
    secrets = kms.Key(
        scope,
        "SecretsKey",
        alias=config.kms_alias("secrets"),
        description="Keywarden: envelope encryption of app secrets, HMAC key secrets and the key-hash pepper",
        enable_key_rotation=True,
        removal_policy=removal,
        pending_window=Duration.days(30),
    )
    signing = kms.Key(
        scope,
        "JwtSigningKey",
        alias=config.kms_alias("jwt-signing"),
        description="Keywarden: ES256 signatures of JWT API keys; the private key never leaves KMS",
        key_spec=kms.KeySpec.ECC_NIST_P256,
        key_usage=kms.KeyUsage.SIGN_VERIFY,
        removal_policy=removal,
        pending_window=Duration.days(30),
    )
    for key in (secrets, signing):
        Tags.of(key).add(DEPLOYMENT_TAG, config.table_prefix)
    return Keys(secrets=secrets, jwt_signing=signing)
