"""Keyed hashes of secrets (API keys, service keys): HMAC-SHA256 under a sealed pepper.

The pepper is 32 random bytes made on first use, stored sealed with KMS in the system
table (never in code or config), and opened once per process. Without it a stolen
table of hashes cannot be checked against guesses.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading

from pynamodb.exceptions import PutError

from chalicelib.crypto.envelope import open_sealed, seal
from chalicelib.domain.clock import now, rfc3339
from chalicelib.resets import on_reset
from chalicelib.store.system_models import SystemItemModel

PEPPER_ITEM = "key-pepper"
_CONTEXT = {"purpose": "key-pepper"}
_pepper: bytes | None = None
_lock = threading.Lock()


def _load_or_create() -> bytes:
    try:
        return open_sealed(SystemItemModel.get(PEPPER_ITEM, consistent_read=True).sealed, _CONTEXT)
    except SystemItemModel.DoesNotExist:
        pass
    pepper = os.urandom(32)
    item = SystemItemModel(PEPPER_ITEM, sealed=seal(pepper, _CONTEXT), created_at=rfc3339(now()))
    try:
        # Two cold processes may race to make it; the first write wins and both use it.
        item.save(condition=SystemItemModel.name.does_not_exist())
        return pepper
    except PutError:
        return open_sealed(SystemItemModel.get(PEPPER_ITEM, consistent_read=True).sealed, _CONTEXT)


def _get_pepper() -> bytes:
    global _pepper
    if _pepper is None:
        with _lock:
            if _pepper is None:
                _pepper = _load_or_create()
    return _pepper


def digest(secret: str) -> str:
    """The keyed hash under which a secret is stored and looked up."""
    return hmac.new(_get_pepper(), secret.encode("utf-8"), hashlib.sha256).hexdigest()


@on_reset
def _forget_pepper() -> None:
    global _pepper
    _pepper = None
