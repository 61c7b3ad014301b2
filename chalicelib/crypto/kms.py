"""The KMS client, built at first use from settings (never at import)."""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.config import get_settings
from chalicelib.resets import on_reset

_client: Any = None
_lock = threading.Lock()


def kms_client() -> Any:
    """A botocore KMS client for this process's region and endpoint."""
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                import botocore.session
                from botocore.config import Config

                settings = get_settings()
                _client = botocore.session.get_session().create_client(
                    "kms",
                    region_name=settings.region,
                    endpoint_url=settings.kms_endpoint,
                    config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"}),
                )
    return _client


def key_alias(logical_name: str) -> str:
    return get_settings().kms_alias(logical_name)


@on_reset
def _forget_client() -> None:
    global _client
    _client = None
