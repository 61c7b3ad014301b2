"""One page of a list: what a repository returns and what the API sends, the same value."""

from __future__ import annotations

from typing import Generic, TypeVar

from msgspec import Struct

T = TypeVar("T")


class Page(Struct, Generic[T], frozen=True):
    """`items`, and `next_cursor` (opaque; None on the last page), as API.md's lists answer."""

    items: list[T]
    next_cursor: str | None
