"""Permission queries (`orders:read AND (orders:write OR admin)`), as the service reads them
(`chalicelib.domain.permission_query`) and as the SDK does (`keywarden._query`).

Every case of tests/vectors/permission_queries.json runs against both, and the two must
agree to the message; a property test checks both against an evaluator written here.
"""

from __future__ import annotations

import asyncio
import json
import time
import typing
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keywarden import _query as sdk
from keywarden.signing import content_hash
from keywarden.verification import INSUFFICIENT_PERMISSIONS, VALID, Verification, refused
from keywarden.verifier import Verifier

from chalicelib.api.schemas import Permission
from chalicelib.domain import permission_query as service
from chalicelib.domain import permissions
from chalicelib.domain.opaque_keys import generate

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "permission_queries.json").read_text())
IMPLEMENTATIONS = [pytest.param(service, id="service"), pytest.param(sdk, id="sdk")]


def _id(case: dict[str, Any]) -> str:
    query = case["query"]
    return ascii(query if len(query) <= 40 else f"{query[:30]}... ({len(query)} chars)")


# --- the shared vectors ---------------------------------------------------------------------


def test_the_vectors_cover_what_they_should() -> None:
    errors = [case for case in VECTORS if case.get("error")]
    assert len(VECTORS) >= 60 and len(errors) >= 20
    assert all(case.get("error") is True or isinstance(case.get("result"), bool) for case in VECTORS)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("case", VECTORS, ids=_id)
def test_every_vector(implementation: ModuleType, case: dict[str, Any]) -> None:
    if case.get("error"):
        with pytest.raises(implementation.QueryError) as raised:
            implementation.parse(case["query"])
        assert isinstance(raised.value, ValueError) and str(raised.value)
    else:
        assert implementation.parse(case["query"]).evaluate(case["granted"]) is case["result"]
        assert implementation.parsed(case["query"]).evaluate(tuple(case["granted"])) is case["result"]


@pytest.mark.parametrize("case", VECTORS, ids=_id)
def test_the_sdk_reads_every_vector_as_the_service_does(case: dict[str, Any]) -> None:
    assert _reading(service, case["query"]) == _reading(sdk, case["query"])


def _reading(implementation: ModuleType, text: str) -> str:
    """The tree (its repr names the same classes in both) or the error's message."""
    try:
        return repr(implementation.parse(text))
    except implementation.QueryError as error:
        return f"error: {error}"


def test_errors_say_where() -> None:
    assert (
        _reading(service, "orders:read AND (x OR")
        == "error: expected a permission or '(' at character 22, found the end"
    )
    assert _reading(service, "a AND b)") == "error: the ')' at character 8 closes nothing"
    assert _reading(service, "a And b").startswith("error: unexpected 'A' at character 3:")
    assert (
        _reading(service, "(a") == "error: expected ')' at character 3 to close the '(' at character 1, found the end"
    )


def test_a_term_is_exactly_what_a_role_may_hold() -> None:
    # The API's schema for a role's permissions and the grammar's terms must not drift apart.
    meta = typing.get_args(Permission)[1]
    assert meta.pattern == rf"^{permissions.PERMISSION_PATTERN}(?!\n)$"
    assert sdk.PERMISSION_PATTERN == permissions.PERMISSION_PATTERN
    assert (service.MAX_LENGTH, service.MAX_TERMS, service.MAX_DEPTH) == (sdk.MAX_LENGTH, sdk.MAX_TERMS, sdk.MAX_DEPTH)


# --- against an evaluator written here ------------------------------------------------------

# A tree: ("term", permission) or ("AND" | "OR", [tree, ...]).
Tree = tuple[str, Any]

TERMS = st.sampled_from(["a", "b", "a:b", "a:c", "a:*", "*", "and", "or", "b-c.d_e"])
GRANTED = st.lists(st.sampled_from(["a", "b", "a:b", "a*", "a:*", "*", "and", "b-c.d_e", "c"]), max_size=4)
TREES = st.recursive(
    TERMS.map(lambda permission: ("term", permission)),
    lambda trees: st.tuples(st.sampled_from(["AND", "OR"]), st.lists(trees, min_size=2, max_size=4)),
    max_leaves=20,
)
SEPARATORS = st.sampled_from([" ", "  ", "\t", "\n", "\r\n", " \t "])


def _holds_as_specified(granted: list[str], wanted: str) -> bool:
    """The contract's words: an exact grant, or a granted pattern ending in `*` that is a prefix."""
    return wanted in granted or any(g.endswith("*") and wanted.startswith(g[:-1]) for g in granted)


def _truth(tree: Tree, granted: list[str]) -> bool:
    kind, content = tree
    if kind == "term":
        return _holds_as_specified(granted, content)
    values = [_truth(part, granted) for part in content]
    return all(values) if kind == "AND" else any(values)


@st.composite
def _rendered(draw: st.DrawFn, tree: Tree, inside: str | None = None) -> str:
    """`tree` as text: parentheses where precedence needs them, and sometimes where it does not."""
    kind, content = tree
    if kind == "term":
        text = content
    else:
        joint = draw(SEPARATORS) + kind + draw(SEPARATORS)
        text = joint.join(draw(_rendered(part, kind)) for part in content)
    needed = kind == "OR" and inside == "AND"
    if needed or (draw(st.booleans()) and draw(st.booleans())):
        text = "(" + draw(st.sampled_from(["", " "])) + text + draw(st.sampled_from(["", " "])) + ")"
    return text


@st.composite
def _queries(draw: st.DrawFn) -> tuple[Tree, str]:
    tree = draw(TREES)
    return tree, draw(SEPARATORS | st.just("")) + draw(_rendered(tree)) + draw(SEPARATORS | st.just(""))


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@settings(max_examples=300, deadline=None)
@given(query=_queries(), granted=GRANTED)
def test_a_query_means_what_its_tree_means(
    implementation: ModuleType, query: tuple[Tree, str], granted: list[str]
) -> None:
    tree, text = query
    assert implementation.parse(text).evaluate(granted) is _truth(tree, granted)


# Pieces that make near-queries: words, operators in both cases, parentheses, separators, strangers.
PIECES = ["a", "b", ":", "*", "-", "(", ")", " ", "\t", "\n", "AND", "OR", "and", "Or", "\u00e9", "\x00", "\u00a0"]
QUERY_LIKE = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(QUERY_LIKE, st.text(max_size=40)))
def test_any_text_is_a_query_or_a_query_error_and_both_read_it_alike(text: str) -> None:
    # _reading lets only QueryError through as an answer; anything else fails the test.
    assert _reading(service, text) == _reading(sdk, text)


# --- limits, and the cache ------------------------------------------------------------------


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("text", ["(" * 100_000, "(" * 50_000 + "a" + ")" * 49_999, "a AND " * 16_666 + "a"])
def test_a_huge_input_is_refused_at_once(implementation: ModuleType, text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(implementation.QueryError, match="at most 1,000 characters"):
        implementation.parse(text)
    # Not a benchmark: a bound far above the microseconds it takes, that reading the input would break.
    assert time.perf_counter() - started < 0.1


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_nesting_within_the_length_limit_stops_at_the_depth_limit(implementation: ModuleType) -> None:
    # 499 levels would be ~1,500 frames of recursive descent: past Python's default limit.
    with pytest.raises(implementation.QueryError, match="nest at most 32 deep; the one at character 33"):
        implementation.parse("(" * 499 + "a" + ")" * 499)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_a_query_is_parsed_once_and_remembered(implementation: ModuleType) -> None:
    text = "orders:read AND (orders:write OR admin)"
    first = implementation.parsed(text)
    assert implementation.parsed(text) is first
    assert implementation.parsed("".join(["orders:read AND ", "(orders:write OR admin)"])) is first  # equal text
    assert implementation.parsed.cache_info().maxsize == 1024
    with pytest.raises(implementation.QueryError):
        implementation.parsed("orders:read AND")


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_a_string_is_a_query_and_a_list_asks_for_all(implementation: ModuleType) -> None:
    assert implementation.requirement_of("orders:read").evaluate(["orders:read"])  # not 11 characters
    assert implementation.requirement_of("a OR b").evaluate(["b"])
    assert not implementation.requirement_of(["a", "b"]).evaluate(["b"])
    assert implementation.requirement_of(["a", "b"]).evaluate(["a", "b"])
    assert implementation.requirement_of(("orders:read",)).evaluate(["orders:*"])
    assert implementation.requirement_of([]).evaluate([])
    assert implementation.requirement_of(["a", "b"]) is implementation.requirement_of(("a", "b"))
    with pytest.raises(ValueError, match="empty"):
        implementation.requirement_of("")


# --- the SDK takes a query wherever it takes permissions ------------------------------------


def test_a_verdict_can_require_a_query() -> None:
    verdict = Verification(valid=True, code=VALID, permissions=("orders:*", "admin"))
    assert verdict.requiring("orders:read").valid
    assert verdict.requiring("orders:read AND (invoices:read OR admin)").valid
    assert verdict.requiring("orders:read AND invoices:read").code == INSUFFICIENT_PERMISSIONS
    assert verdict.requiring(["orders:read", "admin"]).valid
    assert verdict.requiring(["invoices:read"]).code == INSUFFICIENT_PERMISSIONS
    with pytest.raises(ValueError, match="at character 15, found the end"):
        verdict.requiring("orders:read OR")
    # A malformed query is the caller's bug, whatever the key: it is not hidden by a refusal.
    with pytest.raises(ValueError):
        refused("REVOKED").requiring("orders:read OR")


def _service(asked: list[httpx.Request], granted: list[str]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        if request.url.path == "/v1/verifier":
            config = {"project_id": "prj_1", "issuer": "urn:test", "jwks_uri": "/jwks", "key_changes_uri": "/feed"}
            return httpx.Response(200, json=config | {"cache_ttl_seconds": 5})
        if request.url.path == "/jwks":
            return httpx.Response(200, json={"keys": []})
        if request.url.path == "/feed":
            return httpx.Response(200, json={"items": [], "next_cursor": None})
        return httpx.Response(200, json={"valid": True, "code": VALID, "key_id": "key_1", "permissions": granted})

    return httpx.MockTransport(answer)


def test_the_verifier_takes_a_query_and_a_plain_string_is_one_permission() -> None:
    asked: list[httpx.Request] = []
    transport = _service(asked, ["orders:*"])
    key = generate()
    with Verifier("https://keys.test", "kws_test", cache_ttl=0, poll_interval=3600, transport=transport) as verifier:
        assert verifier.verify(key, "orders:read").valid  # once a collection of 11 characters
        assert verifier.verify(key, "orders:read AND (orders:write OR admin)").valid
        assert verifier.verify(key, "orders:read AND admin").code == INSUFFICIENT_PERMISSIONS
        assert verifier.verify(key, ["orders:read", "orders:write"]).valid
        called = len(asked)
        with pytest.raises(ValueError, match="expected a permission"):
            verifier.verify(key, "orders:read AND")
        with pytest.raises(ValueError, match="unexpected"):
            verifier.verify("not even a key", "Orders")
    assert len(asked) == called  # refused before any call


def test_the_async_verifier_takes_a_query() -> None:
    asked: list[httpx.Request] = []
    transport = _service(asked, ["orders:*"])  # a MockTransport serves async clients too
    key = generate()

    async def verdicts() -> list[str]:
        verifier = Verifier(
            "https://keys.test",
            "kws_test",
            cache_ttl=0,
            poll_interval=3600,
            transport=transport,
            async_transport=transport,
        )
        try:
            found = [(await verifier.averify(key, query)).code for query in ("orders:read OR admin", "admin")]
            with pytest.raises(ValueError):
                await verifier.averify(key, "(orders:read")
            return found
        finally:
            await verifier.aclose()

    assert asyncio.run(verdicts()) == [VALID, INSUFFICIENT_PERMISSIONS]


@pytest.mark.parametrize(
    ("permissions", "sent"),
    [("orders:read OR admin", "orders:read OR admin"), ("orders:read", "orders:read"), (("a", "b"), ["a", "b"])],
)
def test_a_signed_request_sends_the_query_as_a_string(permissions: Any, sent: Any) -> None:
    asked: list[httpx.Request] = []
    body = b'{"item": "cake"}'
    headers = {"Host": "api.test", "X-Ms-Date": "now", "x-ms-content-sha256": content_hash(body), "Authorization": "x"}
    with Verifier("https://keys.test", "kws_test", transport=_service(asked, [])) as verifier:
        assert verifier.verify_hmac("POST", "/orders", headers, body, permissions).valid
        with pytest.raises(ValueError):
            verifier.verify_hmac("POST", "/orders", headers, body, "orders:read OR OR admin")
    assert [json.loads(request.content)["permissions"] for request in asked] == [sent]
