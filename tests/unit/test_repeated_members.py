"""The check for repeated JSON members (chalicelib.api.binding.refuse_repeated_members), alone."""

from __future__ import annotations

import pytest

from chalicelib.api.binding import refuse_repeated_headers, refuse_repeated_members
from chalicelib.errors import MalformedRequestError


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        (b'{"a": 1, "a": 1}', "'a'"),
        (b'  {"a": {"b": 1, "c": 2, "b": 3}}\n', "'b'"),
        (b'[{"x": 1}, {"a": 1, "a": 2}]', "'a'"),
        (b'{"a\\u0062": 1, "ab": 2}', "'ab'"),
        (b'{"": 1, "": 2}', "''"),
        (b'{"' + b"n" * 100 + b'": 1, "' + b"n" * 100 + b'": 2}', "'" + "n" * 64 + "...'"),
    ],
)
def test_a_member_repeated_in_one_object_is_named(raw: bytes, name: str) -> None:
    with pytest.raises(MalformedRequestError) as refused:
        refuse_repeated_members(raw)
    assert refused.value.detail == f"the member {name} appears more than once in an object of the body"


@pytest.mark.parametrize(
    "raw",
    [
        b"{}",
        b'{"key": "kw_abc"}',
        b'{"a:b": "c:d"}',
        b'{"a": 1, "b": {"a": 2}}',
        b'[{"a": 1}, {"a": 2}]',
        b'{"A": 1, "a": 2}',
        b'{"a": "\\"a\\": 1"}',
    ],
)
def test_names_once_per_object_pass(raw: bytes) -> None:
    refuse_repeated_members(raw)


@pytest.mark.parametrize(
    "lines",
    [
        {"Authorization": ["Bearer a", "Bearer b"]},
        {"Authorization": ["Bearer a"], "authorization": ["Bearer b"]},
        {"content-type": ["application/json", "application/json"]},
        {"Idempotency-Key": ["k1", "k2"]},
    ],
)
def test_a_header_read_once_and_repeated_is_named_without_its_values(lines: dict[str, list[str]]) -> None:
    with pytest.raises(MalformedRequestError) as refused:
        refuse_repeated_headers(lines)
    assert "more than once" in refused.value.detail
    assert "Bearer" not in refused.value.detail and "k1" not in refused.value.detail


def test_other_headers_may_repeat_and_no_lines_pass() -> None:
    refuse_repeated_headers({"Accept": ["a", "b"], "Authorization": ["Bearer a"], "X-Forwarded-For": ["1", "2"]})
    refuse_repeated_headers(None)
    refuse_repeated_headers({})
