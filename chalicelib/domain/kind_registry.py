"""Every kind of API key, by its `type` name and by the shape of its credentials.

The one place that lists the kinds (`key_kinds` is their interface): a new kind is its
module and one entry in `_KINDS`. Importing this imports every kind, so modules on the
cold start's path defer it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from chalicelib.domain import hmac_keys, jwt_keys, opaque_keys
from chalicelib.domain.key_kinds import KeyKind

_KINDS: tuple[KeyKind[Any], ...] = (opaque_keys.KIND, jwt_keys.KIND, hmac_keys.KIND)
_BY_NAME: Mapping[str, KeyKind[Any]] = MappingProxyType({kind.name: kind for kind in _KINDS})


def kinds() -> Mapping[str, KeyKind[Any]]:
    """Every kind by its `type` name."""
    return _BY_NAME


def for_credential(candidate: str) -> KeyKind[Any] | None:
    """The kind whose shape `candidate` has, or None (then it is MALFORMED whatever it is)."""
    for kind in _KINDS:
        if kind.owns(candidate):
            return kind
    return None
