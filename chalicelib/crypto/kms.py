"""KMS: the shared client and the aliases of the service's keys."""

from __future__ import annotations

from typing import Any

from chalicelib import aws
from chalicelib.config import get_settings


def kms_client() -> Any:
    return aws.client("kms")


def key_alias(logical_name: str) -> str:
    return get_settings().kms_alias(logical_name)
