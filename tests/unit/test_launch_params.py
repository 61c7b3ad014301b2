"""Launch-parameter signatures (VK Mini Apps): signing, and every verdict of `verify`.

`reference_sign` is written here from VK's description, not from the module, and is
checked against the example VK publishes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chalicelib.domain.launch_params import (
    EXPIRED,
    INVALID_SIGNATURE,
    MALFORMED,
    VALID,
    sign,
    signed_query,
    verify,
)

KEY = "wGq8rT2vLx9Zp4Nc7Hs1Ab"
OTHER_KEY = "Yt5mKd3Wq8Rz1Lp6Vx0Jn"
NOW = 1_800_000_000

# The example in VK's own repository of launch-parameter samples (VKCOM/vk-apps-launch-params).
VK_EXAMPLE_QUERY = (
    "vk_user_id=494075&vk_app_id=6736218&vk_is_app_user=1&vk_are_notifications_enabled=1"
    "&vk_language=ru&vk_access_token_settings=&vk_platform=android"
    "&sign=htQFduJpLxz7ribXRZpDFUH-XEUhC9rBPTJkjUFEkRA"
)
VK_EXAMPLE_KEY = "wvl68m4dR1UpLrVRli"


def reference_sign(pairs: Iterable[tuple[str, str]], secure_key: str) -> str:
    """VK's algorithm: vk_ params only, sorted by name, `name=value&...` URL-encoded, HMAC-SHA256, base64url."""
    vk_pairs = sorted((pair for pair in pairs if pair[0].startswith("vk_")), key=lambda pair: pair[0])
    message = "&".join(f"{quote_plus(name, safe='')}={quote_plus(value, safe='')}" for name, value in vk_pairs)
    digest = hmac.new(secure_key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def query_of(pairs: Iterable[tuple[str, str]]) -> str:
    """A query string as a browser would write it (`%20` for spaces, not `+`)."""
    return "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in pairs)


def signed(params: dict[str, str], secure_key: str = KEY, extra: Iterable[tuple[str, str]] = ()) -> str:
    """A query carrying `params`, `extra` unsigned params and a sign made by the reference."""
    pairs = [*params.items(), *extra]
    return query_of([*pairs, ("sign", reference_sign(pairs, secure_key))])


def launch(**overrides: str) -> dict[str, str]:
    params = {
        "vk_user_id": "494075",
        "vk_app_id": "6736218",
        "vk_platform": "mobile_android",
        "vk_language": "ru",
        "vk_ts": str(NOW),
    }
    params.update(overrides)
    return params


vk_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=12).map("vk_".__add__)
# Values as VK or a launcher may send them: any text, and often the query's own `&`, `=`, `+`, `%`.
values = st.one_of(st.text(max_size=12), st.text(alphabet=" &=+%#?/,;éЖ🗝", max_size=12))
vk_params = st.dictionaries(vk_names, values, min_size=1, max_size=6)
keys = st.text(min_size=20, max_size=24)
FAST = settings(max_examples=80, deadline=None)


# --- the signature itself ---------------------------------------------------------------


def test_the_reference_reproduces_vks_published_example() -> None:
    pairs = parse_qsl(VK_EXAMPLE_QUERY, keep_blank_values=True)
    assert reference_sign(pairs, VK_EXAMPLE_KEY) == dict(pairs)["sign"]


def test_vks_published_example_verifies() -> None:
    assert verify(VK_EXAMPLE_QUERY, [VK_EXAMPLE_KEY], now=NOW) == VALID


def test_vks_published_example_fails_with_another_key() -> None:
    assert verify(VK_EXAMPLE_QUERY, [KEY], now=NOW) == INVALID_SIGNATURE


@FAST
@given(vk_params, st.dictionaries(st.text(alphabet="abcdefghijkl_", min_size=1, max_size=8), values, max_size=3), keys)
def test_sign_matches_the_reference(params: dict[str, str], others: dict[str, str], secure_key: str) -> None:
    everything = {**params, **others}
    assert sign(everything, secure_key) == reference_sign(everything.items(), secure_key)


def test_sign_is_base64url_without_padding() -> None:
    signature = sign(launch(vk_ref="a b/c+d"), KEY)
    assert len(signature) == 43
    assert set(signature) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_non_vk_params_do_not_change_the_signature() -> None:
    params = launch()
    assert sign({**params, "utm_source": "ads", "ref": "x", "sign": "whatever"}, KEY) == sign(params, KEY)


def test_non_vk_params_in_the_query_are_ignored_by_verify() -> None:
    query = signed(launch(), extra=[("utm_source", "ads"), ("ref", "feed")])
    assert verify(query, [KEY], now=NOW) == VALID
    # Changing an unsigned parameter is not tampering with the signed ones.
    assert verify(query.replace("utm_source=ads", "utm_source=mail"), [KEY], now=NOW) == VALID


@FAST
@given(st.permutations([*launch(vk_ref="catalog", vk_is_app_user="1").items(), ("utm", "1")]))
def test_the_order_of_params_in_the_query_does_not_matter(pairs: list[tuple[str, str]]) -> None:
    signature = reference_sign(pairs, KEY)
    assert verify(query_of([*pairs, ("sign", signature)]), [KEY], now=NOW) == VALID
    assert verify(query_of([("sign", signature), *pairs]), [KEY], now=NOW) == VALID


@FAST
@given(vk_params, keys)
def test_signed_query_round_trips_through_verify(params: dict[str, str], secure_key: str) -> None:
    query, signature = signed_query(params, secure_key)
    assert verify(query, [secure_key], now=NOW) == VALID
    received = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=True))
    assert received.pop("sign") == signature == reference_sign(params.items(), secure_key)
    assert received == params


@pytest.mark.parametrize(
    "value",
    ["Ivan Petrov", "Иван Петров", "日本語 🗝", "a&b=c", "x=1&sign=forged", "100% + more", "#frag?q", "", " "],
)
def test_awkward_values_round_trip(value: str) -> None:
    params = launch(vk_ref=value)
    query, _ = signed_query(params, KEY)
    assert verify(query, [KEY], now=NOW, max_age_seconds=60) == VALID
    assert dict(parse_qsl(query, keep_blank_values=True))["vk_ref"] == value


def test_a_query_may_start_with_a_question_mark() -> None:
    query, _ = signed_query(launch(), KEY)
    assert verify("?" + query, [KEY], now=NOW) == VALID


def test_spaces_may_be_encoded_either_way() -> None:
    params = launch(vk_ref="two words")
    signature = reference_sign(params.items(), KEY)
    with_plus = "&".join(f"{name}={quote_plus(value)}" for name, value in params.items())
    with_percent = query_of(params.items())
    assert "+" in with_plus
    assert "%20" in with_percent
    assert verify(f"{with_plus}&sign={signature}", [KEY], now=NOW) == VALID
    assert verify(f"{with_percent}&sign={signature}", [KEY], now=NOW) == VALID


# --- tampering ------------------------------------------------------------------------


@FAST
@given(vk_params, st.data())
def test_a_changed_value_is_an_invalid_signature(params: dict[str, str], data: st.DataObject) -> None:
    query = signed(params)
    name = data.draw(st.sampled_from(sorted(params)))
    new_value = data.draw(values.filter(lambda value: value != params[name]))
    tampered = signed_pairs_with_sign_of(query, {**params, name: new_value})
    assert verify(tampered, [KEY], now=NOW) == INVALID_SIGNATURE


@FAST
@given(vk_params, vk_names, values)
def test_an_added_vk_param_is_an_invalid_signature(params: dict[str, str], name: str, value: str) -> None:
    assume(name not in params)
    tampered = signed_pairs_with_sign_of(signed(params), {**params, name: value})
    assert verify(tampered, [KEY], now=NOW) == INVALID_SIGNATURE


@FAST
@given(st.dictionaries(vk_names, values, min_size=2, max_size=6), st.data())
def test_a_removed_vk_param_is_an_invalid_signature(params: dict[str, str], data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(params)))
    remaining = {other: value for other, value in params.items() if other != name}
    tampered = signed_pairs_with_sign_of(signed(params), remaining)
    assert verify(tampered, [KEY], now=NOW) == INVALID_SIGNATURE


def signed_pairs_with_sign_of(original_query: str, params: dict[str, str]) -> str:
    """`params` as a query, carrying the sign of `original_query` (what an attacker can do)."""
    signature = dict(parse_qsl(original_query, keep_blank_values=True))["sign"]
    return query_of([*params.items(), ("sign", signature)])


@FAST
@given(vk_params, keys, keys)
def test_a_query_signed_with_another_key_is_an_invalid_signature(
    params: dict[str, str], signing_key: str, checking_key: str
) -> None:
    assume(signing_key != checking_key)
    assert verify(signed(params, signing_key), [checking_key], now=NOW) == INVALID_SIGNATURE


@pytest.mark.parametrize(
    "forged_sign",
    ["", "A" * 43, "htQFduJpLxz7ribXRZpDFUH-XEUhC9rBPTJkjUFEkRA", "é" * 43, "\x00" * 43, "A" * 4096],
    ids=["empty", "zeros", "other-query", "non-ascii", "nul", "long"],
)
def test_a_forged_sign_never_verifies(forged_sign: str) -> None:
    code = verify(query_of([*launch().items(), ("sign", forged_sign)]), [KEY], now=NOW)
    assert code in (INVALID_SIGNATURE, MALFORMED)


def test_a_changed_sign_is_an_invalid_signature() -> None:
    query, signature = signed_query(launch(), KEY)
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert verify(query.replace(signature, flipped), [KEY], now=NOW) == INVALID_SIGNATURE


def test_no_keys_means_nothing_verifies() -> None:
    query, _ = signed_query(launch(), KEY)
    assert verify(query, [], now=NOW) == INVALID_SIGNATURE


# --- rotation -------------------------------------------------------------------------


@pytest.mark.parametrize("signing_key", [KEY, OTHER_KEY], ids=["current", "previous"])
@pytest.mark.parametrize("order", [(KEY, OTHER_KEY), (OTHER_KEY, KEY)], ids=["new-first", "old-first"])
def test_either_key_of_a_rotation_verifies(signing_key: str, order: tuple[str, str]) -> None:
    query, _ = signed_query(launch(), signing_key)
    assert verify(query, list(order), now=NOW) == VALID


def test_after_the_grace_period_the_previous_key_no_longer_verifies() -> None:
    query, _ = signed_query(launch(), OTHER_KEY)
    assert verify(query, [KEY], now=NOW) == INVALID_SIGNATURE


def test_keys_may_be_any_iterable() -> None:
    query, _ = signed_query(launch(), OTHER_KEY)
    assert verify(query, (key for key in (KEY, OTHER_KEY)), now=NOW) == VALID


# --- malformed ------------------------------------------------------------------------


def _without_sign(params: dict[str, str]) -> str:
    return query_of(params.items())


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(_without_sign(launch()), id="no-sign"),
        pytest.param(query_of([*launch().items(), ("sign", "")]), id="empty-sign"),
        pytest.param(query_of([*launch().items(), ("SIGN", reference_sign(launch().items(), KEY))]), id="sign-case"),
        pytest.param(query_of([("user_id", "1"), ("sign", reference_sign([("user_id", "1")], KEY))]), id="no-vk"),
        pytest.param(query_of([("sign", reference_sign([], KEY))]), id="only-sign"),
        pytest.param(signed(launch()) + "&vk_user_id=1", id="duplicate-vk-param"),
        pytest.param(signed(launch()) + "&vk_user_id=494075", id="duplicate-vk-param-same-value"),
        pytest.param(signed(launch()) + "&sign=" + reference_sign(launch().items(), KEY), id="duplicate-sign"),
        pytest.param(signed(launch()) + "&sign=x", id="second-sign"),
        pytest.param(signed(launch(), extra=[("ref", "a"), ("ref", "b")]), id="duplicate-unsigned-param"),
        pytest.param("", id="empty"),
        pytest.param("?", id="question-mark"),
        pytest.param("&&&", id="ampersands"),
        pytest.param("=", id="equals"),
        pytest.param("vk_user_id", id="no-equals"),
        pytest.param("vk_user_id=1&sign", id="sign-without-equals"),
        pytest.param("vk_user_id=%ff&sign=abc", id="invalid-utf8-value"),
        pytest.param("vk_%c3%28=1&sign=abc", id="invalid-utf8-name"),
        pytest.param("vk_user_id=%ED%A0%80&sign=abc", id="encoded-surrogate"),
        pytest.param("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", id="jwt"),
        pytest.param("https://example.com/?vk_user_id=1&sign=abc#x", id="a-whole-url-with-fragment"),
        pytest.param("vk_user_id=1;sign=abc", id="semicolon-separated"),
    ],
)
def test_malformed_queries(query: str) -> None:
    assert verify(query, [KEY], now=NOW) == MALFORMED


@pytest.mark.parametrize("length", [10_000, 100_000, 1_000_000])
def test_an_overlong_query_is_malformed_even_when_correctly_signed(length: int) -> None:
    query, _ = signed_query(launch(vk_ref="x" * length), KEY)
    assert verify(query, [KEY], now=NOW) == MALFORMED


def test_a_long_but_reasonable_query_verifies() -> None:
    query, _ = signed_query(launch(vk_ref="x" * 2000), KEY)
    assert verify(query, [KEY], now=NOW) == VALID


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_garbage_never_raises_and_never_verifies(query: str) -> None:
    assert verify(query, [KEY], now=NOW, max_age_seconds=60) in (MALFORMED, INVALID_SIGNATURE)


@pytest.mark.parametrize(
    "query",
    ["vk_user_id=1&sign=\ud800", "vk_\udfff=1&sign=abc", "vk_user_id=\ud83d&sign=abc"],
    ids=["in-sign", "in-name", "in-value"],
)
def test_lone_surrogates_are_malformed_not_an_exception(query: str) -> None:
    # A Python str can hold them (a decoded JSON "\ud800" escape does); verify must still answer.
    assert verify(query, [KEY], now=NOW) == MALFORMED


# --- age ------------------------------------------------------------------------------


def test_a_fresh_launch_is_valid() -> None:
    query, _ = signed_query(launch(vk_ts=str(NOW - 10)), KEY)
    assert verify(query, [KEY], now=NOW, max_age_seconds=60) == VALID


def test_a_launch_exactly_max_age_old_is_still_valid() -> None:
    query, _ = signed_query(launch(vk_ts=str(NOW - 60)), KEY)
    assert verify(query, [KEY], now=NOW, max_age_seconds=60) == VALID


@pytest.mark.parametrize("age", [61, 3600, 10 * 365 * 86400])
def test_an_older_launch_is_expired(age: int) -> None:
    query, _ = signed_query(launch(vk_ts=str(NOW - age)), KEY)
    assert verify(query, [KEY], now=NOW, max_age_seconds=60) == EXPIRED


def test_without_max_age_an_old_launch_is_valid() -> None:
    query, _ = signed_query(launch(vk_ts=str(NOW - 10 * 365 * 86400)), KEY)
    assert verify(query, [KEY], now=NOW) == VALID


def test_missing_vk_ts_with_max_age_is_malformed() -> None:
    params = launch()
    del params["vk_ts"]
    query, _ = signed_query(params, KEY)
    assert verify(query, [KEY], now=NOW) == VALID
    assert verify(query, [KEY], now=NOW, max_age_seconds=60) == MALFORMED


@pytest.mark.parametrize("vk_ts", ["", "abc", "1.5", "1e9", "0x10", str(NOW) + "s", "None"])
def test_a_non_integer_vk_ts_with_max_age_is_malformed(vk_ts: str) -> None:
    query, _ = signed_query(launch(vk_ts=vk_ts), KEY)
    assert verify(query, [KEY], now=NOW, max_age_seconds=60) == MALFORMED


@FAST
@given(st.integers(min_value=61, max_value=10**9), keys.filter(lambda key: key != KEY))
def test_expired_is_never_said_of_a_wrongly_signed_query(age: int, wrong_key: str) -> None:
    query, _ = signed_query(launch(vk_ts=str(NOW - age)), wrong_key)
    assert verify(query, [KEY], now=NOW, max_age_seconds=60) == INVALID_SIGNATURE
    # Nor of a tampered one: an old vk_ts moved forward without re-signing.
    old, _ = signed_query(launch(vk_ts=str(NOW - age)), KEY)
    tampered = old.replace(f"vk_ts={NOW - age}", f"vk_ts={NOW}")
    assert verify(tampered, [KEY], now=NOW, max_age_seconds=60) == INVALID_SIGNATURE
