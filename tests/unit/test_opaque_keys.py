"""Opaque API keys: `kw_` + 28 random base62 characters + their CRC32 in 6 base62 digits.

The expected checksum is computed here from zlib and a base62 written for the test,
so a mistake shared by `checksum` and `parse` cannot hide.
"""

from __future__ import annotations

import string
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.opaque_keys import generate, hint, parse

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
KEY_LENGTH = 3 + 28 + 6

random_parts = st.text(alphabet=BASE62, min_size=28, max_size=28)
well_shaped_keys = st.text(alphabet=BASE62, min_size=34, max_size=34).map(lambda body: "kw_" + body)
# Any character at all: base62, other ASCII, non-ASCII, even lone surrogates.
any_character = st.one_of(st.sampled_from(BASE62), st.characters(exclude_categories=()))


def base62_six_digits(value: int) -> str:
    digits = ""
    while value:
        digits = BASE62[value % 62] + digits
        value //= 62
    assert len(digits) <= 6
    return digits.rjust(6, "0")


def expected_checksum(random_part: str) -> str:
    """CRC32 (zlib) of the random part, base62, most significant digit first, zero-padded to 6."""
    return base62_six_digits(zlib.crc32(random_part.encode("ascii")))


def key_of(random_part: str) -> str:
    return "kw_" + random_part + expected_checksum(random_part)


@pytest.mark.parametrize(
    ("value", "digits"),
    [(0, "000000"), (61, "00000z"), (62, "000010"), (62**2 + 11, "00010B"), (62**6 - 1, "zzzzzz")],
)
def test_the_reference_base62_is_most_significant_first_and_zero_padded(value: int, digits: str) -> None:
    # The test's own reference, pinned on values worked out by hand.
    assert base62_six_digits(value) == digits


def test_a_crc32_always_fits_six_base62_digits() -> None:
    assert base62_six_digits(0xFFFFFFFF) == "4gfFC3"


def test_every_generated_key_parses_and_has_the_documented_format() -> None:
    for _ in range(3000):
        key = generate()
        assert parse(key) == key
        assert len(key) == KEY_LENGTH
        assert key.startswith("kw_")
        body = key[3:]
        assert set(body) <= set(BASE62)
        assert body[28:] == expected_checksum(body[:28])


@settings(max_examples=200, deadline=None)
@given(random_parts)
def test_parse_accepts_any_random_part_with_its_checksum(random_part: str) -> None:
    key = key_of(random_part)
    assert parse(key) == key


@settings(max_examples=200, deadline=None)
@given(well_shaped_keys)
def test_parse_accepts_a_well_shaped_key_exactly_when_its_checksum_matches(candidate: str) -> None:
    checksum_matches = candidate[31:] == expected_checksum(candidate[3:31])
    assert parse(candidate) == (candidate if checksum_matches else None)


@settings(max_examples=400, deadline=None)
@given(random_parts, st.integers(min_value=0, max_value=KEY_LENGTH - 1), any_character)
def test_any_single_substitution_is_rejected(random_part: str, position: int, replacement: str) -> None:
    key = key_of(random_part)
    if replacement == key[position]:
        replacement = BASE62[(BASE62.index(replacement) + 1) % 62] if replacement in BASE62 else "0"
    changed = key[:position] + replacement + key[position + 1 :]
    assert changed != key
    assert parse(changed) is None


@settings(max_examples=150, deadline=None)
@given(random_parts, st.integers(min_value=0, max_value=KEY_LENGTH - 1))
def test_any_single_deletion_is_rejected(random_part: str, position: int) -> None:
    key = key_of(random_part)
    assert parse(key[:position] + key[position + 1 :]) is None


@settings(max_examples=200, deadline=None)
@given(random_parts, st.integers(min_value=0, max_value=KEY_LENGTH), any_character)
def test_any_single_insertion_is_rejected(random_part: str, position: int, inserted: str) -> None:
    key = key_of(random_part)
    assert parse(key[:position] + inserted + key[position:]) is None


def test_every_base62_typo_in_the_body_of_one_key_is_rejected() -> None:
    # Exhaustive over one key: the typos a scanner must catch offline (a valid-looking character).
    key = generate()
    for position in range(3, KEY_LENGTH):
        for replacement in BASE62:
            if replacement != key[position]:
                assert parse(key[:position] + replacement + key[position + 1 :]) is None, (position, replacement)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=80))
def test_garbage_text_is_not_a_key(candidate: str) -> None:
    assert parse(candidate) is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=()), min_size=34, max_size=34))
def test_garbage_behind_the_right_prefix_is_not_a_key(body: str) -> None:
    # Right prefix and length: only the alphabet and the checksum can reject it.
    candidate = "kw_" + body
    if set(body) <= set(BASE62) and body[28:] == expected_checksum(body[:28]):
        return  # a real key by construction (never drawn in practice)
    assert parse(candidate) is None


def _arabic_indic(text: str) -> str:
    return text.translate(str.maketrans(string.digits, "٠١٢٣٤٥٦٧٨٩"))


def _fullwidth(text: str) -> str:
    return text.translate(str.maketrans(BASE62, "".join(chr(ord(c) + 0xFEE0) for c in BASE62)))


VALID = key_of("0123456789" * 2 + "abcdEFGH")
DIGITS_ONLY = key_of("0123456789" * 2 + "01234567")


@pytest.mark.parametrize(
    "candidate",
    [
        "",
        " ",
        "kw_",
        "kw_" + "0" * 34,
        "a" * 1_000_000,
        "kw_" + "a" * 1_000_000,
        VALID * 30_000,
        "eyJhbGciOiJFUzI1NiIsInR5cCI6ImFwaWtleStqd3QifQ.eyJzdWIiOiJ1c3JfMSJ9.c2lnbmF0dXJl",
        "eyJhbGciOiJFUzI1NiJ9.eyJ4Ijo",
        "kws_" + VALID[3:],
        "kws" + VALID[3:],
        "KW_" + VALID[3:],
        "kw-" + VALID[3:],
        "kwh_" + VALID[4:],
        VALID[3:],
        " " + VALID[:-1],
        VALID + "\n",
        VALID[:-1] + "\x00",
        "kw_" + VALID[3:].swapcase(),
        _arabic_indic(DIGITS_ONLY),
        "kw_" + _arabic_indic(DIGITS_ONLY[3:]),
        "kw_" + _fullwidth(VALID[3:]),
        VALID[:10] + "\ud800" + VALID[11:],
        VALID[:10] + "é" + VALID[11:],
    ],
    ids=lambda candidate: repr(candidate[:24]) + f"..({len(candidate)})",
)
def test_garbage_is_rejected_without_raising(candidate: str) -> None:
    assert parse(candidate) is None


def test_the_non_ascii_digit_cases_really_are_digits_to_python() -> None:
    # Guards the two cases above: they would pass str.isdigit()/int(), so only a strict alphabet stops them.
    random_part = _arabic_indic(DIGITS_ONLY)[3:31]
    assert random_part.isdigit()
    assert int(random_part) == int(DIGITS_ONLY[3:31])
    assert parse(DIGITS_ONLY) == DIGITS_ONLY


def test_keys_are_distinct_and_their_random_parts_use_the_whole_alphabet() -> None:
    keys = [generate() for _ in range(1000)]
    assert len(set(keys)) == 1000
    used = set().union(*(key[3:31] for key in keys))
    assert used == set(BASE62)


@pytest.mark.parametrize("key", [generate(), generate(), VALID])
def test_hint_shows_only_the_last_four_characters(key: str) -> None:
    shown = hint(key)
    assert shown == "kw_..." + key[-4:]
    assert key[3:-4] not in shown
