"""Embedded AWS for the local stack: moto's server on loopback, with every table and key."""

from __future__ import annotations

import os

from chalicelib.config import get_settings
from chalicelib.crypto.keys import KMS_KEYS, deployment_tags
from chalicelib.resets import reset_all
from chalicelib.store.tables import create_tables
from devstack.moto_server import EmbeddedMotoServer


def start_moto() -> tuple[EmbeddedMotoServer, str]:
    """Starts moto on 127.0.0.1, one request at a time (see devstack.moto_server), and returns its URL."""
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        os.environ.setdefault(name, value)
    server = EmbeddedMotoServer()
    server.start()
    return server, server.url


def provision(endpoint: str) -> None:
    """Points the service at `endpoint` and creates its tables and KMS keys there."""
    os.environ["KEYWARDEN_DYNAMODB_ENDPOINT"] = endpoint
    os.environ["KEYWARDEN_KMS_ENDPOINT"] = endpoint
    reset_all()
    create_tables()
    create_kms_keys()


def create_kms_keys() -> None:
    """Creates every key of chalicelib.crypto.keys that has no alias yet."""
    from chalicelib.crypto.kms import kms_client

    settings = get_settings()
    kms = kms_client()
    existing = {alias["AliasName"] for alias in kms.list_aliases()["Aliases"]}
    for definition in KMS_KEYS:
        alias = settings.kms_alias(definition.logical_name)
        if alias in existing:
            continue
        key = kms.create_key(
            KeySpec=definition.key_spec,
            KeyUsage=definition.key_usage,
            Description=definition.description,
            Tags=deployment_tags(settings.table_prefix),
        )
        kms.create_alias(AliasName=alias, TargetKeyId=key["KeyMetadata"]["KeyId"])
