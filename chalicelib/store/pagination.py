"""Opaque list cursors.

A cursor carries only the sort-key values of the last item a page returned, base64url
JSON. The hash key of the next query is always the caller's own (their project,
their user id), never taken from the cursor, so a tampered cursor can at worst start
a list at another place in the caller's own data; one that does not decode to the
expected shape is a 422 on `cursor`, never a 5xx.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from typing import Any, TypeVar

from pynamodb.models import Model

from chalicelib.domain.ids import is_id
from chalicelib.domain.page import Page
from chalicelib.errors import FieldError, NotFoundError, ValidationFailedError

T = TypeVar("T")
_MAX_CURSOR_LENGTH = 2048


def encode_cursor(values: dict[str, str]) -> str:
    raw = json.dumps(values, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str | None, fields: Iterable[str]) -> dict[str, str] | None:
    """The sort-key values a cursor holds, checked against the fields this list expects."""
    if cursor is None:
        return None
    wanted = set(fields)
    try:
        if len(cursor) > _MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        padded = cursor + "=" * (-len(cursor) % 4)
        values: Any = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(values, dict) or set(values) != wanted:
            raise ValueError("wrong fields")
        if not all(isinstance(v, str) and 0 < len(v) <= 512 for v in values.values()):
            raise ValueError("wrong values")
    except (ValueError, UnicodeError, binascii.Error, RecursionError):
        raise ValidationFailedError([FieldError("cursor", "is not a cursor this list handed out")]) from None
    return values


def paginate(results: Iterable[T], limit: int, key_of: Any) -> Page[T]:
    """Takes up to `limit` items from results fetched with limit+1, and a cursor if more remain."""
    items: list[T] = []
    for item in results:
        if len(items) == limit:
            return Page(items, encode_cursor(key_of(items[-1])))
        items.append(item)
    return Page(items, None)


M = TypeVar("M", bound=Model)


def query_page(model: type[M], hash_key: str, sort_key: str, limit: int, cursor: str | None, **query: Any) -> Page[M]:
    """One page of a table's items under `hash_key`, in `sort_key` order (see query's kwargs)."""
    start = decode_cursor(cursor, [sort_key])
    hash_name = model._hash_keyname
    assert hash_name is not None
    results = model.query(
        hash_key,
        limit=limit + 1,
        last_evaluated_key={hash_name: {"S": hash_key}, sort_key: {"S": start[sort_key]}} if start else None,
        **query,
    )
    return paginate(results, limit, lambda item: {sort_key: getattr(item, sort_key)})


def get_or_not_found(model: type[M], hash_key: str, range_key: str, *, prefix: str, what: str) -> M:
    """The item, strongly consistent; NotFoundError when missing or when the id has the wrong shape."""
    if not is_id(range_key, prefix):
        raise NotFoundError(f"{what} not found")
    try:
        return model.get(hash_key, range_key, consistent_read=True)
    except model.DoesNotExist:
        raise NotFoundError(f"{what} not found") from None
