"""The HMAC scheme's pure parts: the Authorization header, the request target, the string to sign."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from chalicelib.domain import hmac_keys

TOKEN = hmac_keys.FORMAT.generate()
SIGNATURE = base64.b64encode(bytes(range(32))).decode()
GOOD = f"HMAC-SHA256 Credential={TOKEN}&SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={SIGNATURE}"


def test_the_header_the_scheme_writes_is_read_to_its_token_and_signature() -> None:
    signed = hmac_keys.parse_authorization(GOOD)
    assert signed is not None
    assert (signed.token, signed.signature) == (TOKEN, bytes(range(32)))


def test_the_schemes_name_is_case_insensitive_as_every_http_authentication_schemes() -> None:
    assert hmac_keys.parse_authorization(GOOD.replace("HMAC-SHA256 ", "hmac-sha256 ")) is not None


@pytest.mark.parametrize(
    "header",
    [
        GOOD.replace("HMAC-SHA256 ", "HMAC-SHA1 "),
        GOOD.replace("HMAC-SHA256 ", "HMAC-SHA256  "),
        GOOD.replace("&SignedHeaders", " &SignedHeaders"),
        GOOD.replace("&", ", "),
        GOOD.replace("x-ms-date;host;x-ms-content-sha256", "host;x-ms-date;x-ms-content-sha256"),
        GOOD.replace("x-ms-date;host;x-ms-content-sha256", "x-ms-date;host"),
        GOOD.replace(SIGNATURE, SIGNATURE[:-2] + "=="),
        GOOD.replace(SIGNATURE, "!" + SIGNATURE[1:]),
        GOOD.replace(TOKEN, TOKEN[:-1] + ("0" if TOKEN[-1] != "0" else "1")),
        GOOD.replace(TOKEN, "kw_" + TOKEN[4:]),
        GOOD + " ",
        GOOD + "&Extra=1",
        "Bearer " + TOKEN,
        "",
    ],
)
def test_anything_but_that_exact_shape_is_refused(header: str) -> None:
    assert hmac_keys.parse_authorization(header) is None


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("/orders?limit=5", "/orders?limit=5"),
        ("/orders?", "/orders?"),
        ("https://api.example.com/orders?limit=5", "/orders?limit=5"),
        ("HTTPS://API.example.com/orders?", "/orders?"),
        ("https://api.example.com", "/"),
        ("https://api.example.com?x=1", "/?x=1"),
        ("/a%20b?q=%C3%A9", "/a%20b?q=%C3%A9"),
        ("https://other.example.com/orders", None),
        ("https://api.example.com:8443/orders", None),
        ("orders", None),
        ("ftp://api.example.com/x", None),
        ("/orders#frag", None),
        ("https://api.example.com/orders#frag", None),
        ("/ordérs", None),
        ("/orders\n", None),
        ("/a b", None),
        ("https://[::1/", None),
    ],
)
def test_the_signed_target_is_the_path_and_query_as_received(url: str, target: str | None) -> None:
    assert hmac_keys.path_and_query(url, "api.example.com") == target


@pytest.mark.parametrize(
    ("method", "ok"), [("GET", True), ("M-SEARCH", True), ("get", True), ("", False), ("G T", False)]
)
def test_a_method_is_any_http_token(method: str, ok: bool) -> None:
    assert hmac_keys.is_method(method) is ok


def test_the_signature_is_the_contracts_hmac_of_the_string_to_sign() -> None:
    secret = bytes(range(32))
    content = base64.b64encode(hashlib.sha256(b"").digest()).decode()
    message = hmac_keys.string_to_sign("GET", "/x?y=1", "Mon, 23 Nov 2026 10:00:00 GMT", "h:1", content)
    assert message == f"GET\n/x?y=1\nMon, 23 Nov 2026 10:00:00 GMT;h:1;{content}".encode()
    expected = hmac.new(secret, message, hashlib.sha256).digest()
    assert hmac_keys.signature_matches(secret, message, expected)
    assert not hmac_keys.signature_matches(secret, message, expected[:-1] + bytes([expected[-1] ^ 1]))


def test_header_names_that_differ_only_by_case_are_ambiguous() -> None:
    assert hmac_keys.lowercase_headers({"Host": "a", "X-MS-Date": "d"}) == {"host": "a", "x-ms-date": "d"}
    assert hmac_keys.lowercase_headers({"Host": "a", "host": "b"}) is None
