"""`meta`: the free-form JSON object a key or an identity carries, within the bounds every
holder shares (a resource server reads it on every verification)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from chalicelib.errors import ValidationFailedError

MAX_META_BYTES = 4096
# DynamoDB nests documents at most 32 levels; meta is for labels, and a resource server reads it on every call.
MAX_META_DEPTH = 8


def check_meta(meta: Mapping[str, Any], field: str = "meta") -> None:
    """Raises ValidationFailedError on `field` when `meta` encodes to more than MAX_META_BYTES
    or nests deeper than MAX_META_DEPTH (the schema has already made it a JSON object)."""
    if len(msgspec.json.encode(meta)) > MAX_META_BYTES:
        raise ValidationFailedError.single(field, f"must encode to at most {MAX_META_BYTES} bytes")
    if depth(meta) > MAX_META_DEPTH:
        raise ValidationFailedError.single(field, f"must nest at most {MAX_META_DEPTH} levels deep")


def depth(value: Any) -> int:
    """How deeply a JSON value nests (a scalar is 0); iterative, so hostile nesting cannot
    exhaust the interpreter's stack (the body already decoded, up to ~1,000 levels)."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, level = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            deepest = max(deepest, level)
            continue
        deepest = max(deepest, level + 1)
        pending.extend((child, level + 1) for child in children)
    return deepest
