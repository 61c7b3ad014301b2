"""Permission queries at the service (API.md, "Permission queries"): every case of the shared
vector file (`tests/vectors/permission_queries.json`, also run against the domain's parser and
the SDK's) asked of `/v1/keys/verify` by a key holding the case's permissions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.functional.conftest import Api
from tests.functional.test_hmac_keys import sign
from tests.functional.test_limits import Limited

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "permission_queries.json").read_text(encoding="utf-8")
)


@pytest.fixture
def project(api: Api) -> Limited:
    return Limited(api)


def test_the_service_agrees_with_every_vector(project: Limited) -> None:
    keys: dict[tuple[str, ...], str] = {}
    for case in VECTORS:
        if case.get("error"):
            reply = project.verify_with("kw_never-looked-up", permissions=case["query"])
            assert reply.status == 422, (case, reply.body)
            assert reply.json["code"] == "validation_failed" and reply.json["errors"][0]["field"] == "permissions"
            continue
        granted = tuple(case["granted"])
        if granted not in keys:
            # A case where the key holds nothing: a key holding only something unrelated.
            keys[granted] = project.issue(list(granted) or ["unrelated:thing"])[1]
        answer = project.answer(keys[granted], permissions=case["query"])
        expected = "VALID" if case["result"] else "INSUFFICIENT_PERMISSIONS"
        assert answer["code"] == expected, case


def test_a_query_applies_wildcards_to_each_term_on_hmac_verification_too(project: Limited) -> None:
    _, token, secret = project.issue_hmac(["orders:*", "users:read"])
    signed = sign(token, secret, "GET", "/orders").as_json()
    assert project.verdict(signed | {"permissions": "orders:refund AND (users:read OR admin)"}) == "VALID"
    signed = sign(token, secret, "GET", "/orders").as_json()
    assert project.verdict(signed | {"permissions": "orders:refund AND users:write"}) == "INSUFFICIENT_PERMISSIONS"


@pytest.mark.parametrize(
    "query",
    [
        "(" * 5000 + "a" + ")" * 5000,
        "(" * 40 + "a" + ")" * 40,
        " OR ".join(f"p{i}" for i in range(101)),
        "a" * 1001,
        "orders:read AND ünïcode",
        "orders:read\u00a0AND b",
        "orders:read AND\x00b",
        "",
        "   ",
        "AND",
        "a AND (b OR",
        "a b",
        "a and b",
    ],
)
def test_pathological_queries_are_422_never_an_error(project: Limited, query: str) -> None:
    _, secret = project.issue(["a", "b"])
    reply = project.verify_with(secret, permissions=query)
    assert reply.status == 422, reply.body
    assert reply.json["code"] == "validation_failed"
    assert reply.json["errors"][0]["field"] == "permissions"
