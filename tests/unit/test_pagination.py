"""List cursors: what the service hands out comes back intact; anything else is a 422 on `cursor`."""

from __future__ import annotations

import base64
import json
import string
from typing import Any

import pytest

from chalicelib.errors import ValidationFailedError
from chalicelib.store.pagination import decode_cursor, encode_cursor, paginate

FIELDS = ("project_id", "created_at")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _cursor_of(value: Any) -> str:
    return _b64(json.dumps(value).encode())


@pytest.mark.parametrize(
    "values",
    [
        {"project_id": "prj_01jd3v8m4q7e2x9k5w6t8r0abc", "created_at": "2026-11-22T10:00:00Z"},
        {"project_id": "prj_ü", "created_at": "日本語 and emoji 🗝"},
        {"project_id": "a" * 512, "created_at": "?&=/+ #%"},
    ],
    ids=["ids", "unicode", "long-and-url-special"],
)
def test_cursor_round_trips(values: dict[str, str]) -> None:
    cursor = encode_cursor(values)
    assert decode_cursor(cursor, FIELDS) == values


def test_cursor_is_safe_in_a_query_string() -> None:
    # Values whose standard base64 would contain '+', '/' and '=' padding.
    cursor = encode_cursor({"project_id": "\xff\xfe>>>???", "created_at": "~~~"})
    assert set(cursor) <= set(string.ascii_letters + string.digits + "-_")


def test_no_cursor_means_the_first_page() -> None:
    assert decode_cursor(None, FIELDS) is None


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!!",
        "a",
        "not base64 at all",
        _b64(b"hello, world"),
        _b64(b"\xff\xfe\x00garbage"),
        _cursor_of(["prj_1", "2026-11-22T10:00:00Z"]),
        _cursor_of("prj_1"),
        _cursor_of(42),
        _cursor_of(None),
        _cursor_of({}),
        _cursor_of({"project_id": "prj_1"}),
        _cursor_of({"project_id": "prj_1", "created_at": "x", "user_id": "root"}),
        _cursor_of({"pk": "prj_1", "sk": "x"}),
        _cursor_of({"project_id": 1, "created_at": "x"}),
        _cursor_of({"project_id": "prj_1", "created_at": None}),
        _cursor_of({"project_id": ["prj_1"], "created_at": "x"}),
        _cursor_of({"project_id": {"S": "prj_1"}, "created_at": "x"}),
        _cursor_of({"project_id": "", "created_at": "x"}),
        _cursor_of({"project_id": "prj_1", "created_at": "x" * 513}),
        _cursor_of({"project_id": "prj_1", "created_at": "x" * 2000}),
        encode_cursor({"project_id": "prj_1", "created_at": "x"}) + "A" * 2048,
        "é" + encode_cursor({"project_id": "prj_1", "created_at": "x"}),
        "🗝🗝🗝🗝",
    ],
    ids=[
        "empty",
        "not-base64",
        "bad-padding",
        "spaces",
        "not-json",
        "not-utf8",
        "json-list",
        "json-string",
        "json-number",
        "json-null",
        "empty-object",
        "missing-field",
        "extra-field",
        "wrong-field-names",
        "number-value",
        "null-value",
        "list-value",
        "object-value",
        "empty-value",
        "value-over-512",
        "over-2048-chars",
        "valid-then-over-2048-chars",
        "unicode-prefix",
        "unicode-only",
    ],
)
def test_tampered_cursor_is_a_422_on_cursor(cursor: str) -> None:
    with pytest.raises(ValidationFailedError) as raised:
        decode_cursor(cursor, FIELDS)
    assert raised.value.status == 422
    assert [error.field for error in raised.value.errors] == ["cursor"]


def test_deeply_nested_json_cursor_is_a_422_not_a_crash() -> None:
    # 1536 bytes of '[' fit in a 2048-character cursor and nest deeper than Python's recursion limit.
    cursor = _b64(b"[" * 1536)
    assert len(cursor) == 2048
    with pytest.raises(ValidationFailedError) as raised:
        decode_cursor(cursor, FIELDS)
    assert [error.field for error in raised.value.errors] == ["cursor"]


# --- paginate ----------------------------------------------------------------------------


def _key(item: int) -> dict[str, str]:
    return {"project_id": "prj_1", "created_at": f"{item:04d}"}


@pytest.mark.parametrize("limit", [1, 2, 50])
def test_one_more_than_the_limit_gives_a_page_and_a_cursor_at_its_last_item(limit: int) -> None:
    page = paginate(iter(range(limit + 1)), limit, _key)
    assert page.items == list(range(limit))
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor, FIELDS) == _key(limit - 1)


@pytest.mark.parametrize(("count", "limit"), [(0, 1), (0, 50), (1, 1), (3, 5), (50, 50)])
def test_at_most_the_limit_is_the_last_page(count: int, limit: int) -> None:
    page = paginate(iter(range(count)), limit, _key)
    assert page.items == list(range(count))
    assert page.next_cursor is None


def test_following_cursors_visits_every_item_once() -> None:
    data = list(range(7))
    seen: list[int] = []
    after: dict[str, str] | None = None
    for _ in range(10):
        remaining = [i for i in data if after is None or _key(i)["created_at"] > after["created_at"]]
        page = paginate(iter(remaining[:4]), 3, _key)  # the store fetches limit + 1
        seen += page.items
        if page.next_cursor is None:
            break
        after = decode_cursor(page.next_cursor, FIELDS)
    assert seen == data
