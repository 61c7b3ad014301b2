"""The Python client's HMAC signer (clients/python): known answers, the header set, and agreement with the
Azure App Configuration SDK's own signing policy, a real client of the same scheme."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from keywarden.requests_auth import HmacAuth
from keywarden.signing import SIGNED_HEADERS, content_hash, date_header, sign_request, signature

from chalicelib.domain.http_dates import parse_http_date

TOKEN = "kwh_4mJ2tQx7Zb9LpR3sVn6WcYk1"
SECRET = base64.b64encode(bytes(range(32))).decode()
WHEN = datetime(2026, 11, 23, 19, 7, 46, 358681, tzinfo=UTC)
# The Azure App Configuration SDK's date form, with microseconds (not RFC 1123).
WHEN_TEXT = "Nov, 23 2026 19:07:46.358681 GMT"
AZURE_DATE_FORMAT = "%b, %d %Y %H:%M:%S.%f GMT"
EMPTY_SHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


def _expected_signature(text: str, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(base64.b64decode(secret), text.encode(), hashlib.sha256).digest()).decode()


def _signature_of(headers: dict[str, str]) -> str:
    prefix = f"HMAC-SHA256 Credential={TOKEN}&SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="
    assert headers["authorization"].startswith(prefix)
    return headers["authorization"].removeprefix(prefix)


def test_known_answer() -> None:
    headers = sign_request(TOKEN, SECRET, "get", "http://127.0.0.1:8123/orders?limit=5", date=WHEN)
    text = f"GET\n/orders?limit=5\n{WHEN_TEXT};127.0.0.1:8123;{EMPTY_SHA256}"
    assert headers == {
        "x-ms-date": WHEN_TEXT,
        "x-ms-content-sha256": EMPTY_SHA256,
        "host": "127.0.0.1:8123",
        "authorization": f"HMAC-SHA256 Credential={TOKEN}&SignedHeaders={SIGNED_HEADERS}"
        f"&Signature={_expected_signature(text)}",
    }
    # Pinned, so that a change to the helper above cannot hide a change to the signer.
    assert _signature_of(headers) == "cf0n3VVKWBiUjZhxGNv9HHdu/azKaX5wntjeAD+GbK0="


def test_the_low_level_signature_uses_its_parts_verbatim() -> None:
    text = "post\n/a?b\nany date text;Host:1;hash"
    assert signature(SECRET, "post", "/a?b", "any date text", "Host:1", "hash") == _expected_signature(text)


def test_body_is_hashed() -> None:
    body = b'{"name": "r\xc3\xa9sum\xc3\xa9"}'
    headers = sign_request(TOKEN, SECRET, "POST", "https://api.example.com/v1/things", body=body, date=WHEN)
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert headers["x-ms-content-sha256"] == digest == content_hash(body)
    text = f"POST\n/v1/things\n{WHEN_TEXT};api.example.com;{digest}"
    assert _signature_of(headers) == _expected_signature(text)


def test_empty_body_hashes_the_empty_string() -> None:
    assert sign_request(TOKEN, SECRET, "DELETE", "https://h/x", date=WHEN)["x-ms-content-sha256"] == EMPTY_SHA256


@pytest.mark.parametrize(
    ("url", "host", "target"),
    [
        ("https://API.Example.com/v1/keys", "api.example.com", "/v1/keys"),
        ("https://api.example.com", "api.example.com", "/"),
        ("https://api.example.com?x=1", "api.example.com", "/?x=1"),
        ("http://127.0.0.1:8123/orders?limit=5", "127.0.0.1:8123", "/orders?limit=5"),
        ("https://api.example.com:443/a", "api.example.com:443", "/a"),
        ("http://[::1]:8123/a", "[::1]:8123", "/a"),
        ("https://user:pw@api.example.com/a", "api.example.com", "/a"),
        # The query is signed exactly as written: order, encoding and repeats kept.
        ("https://h/s?b=2&a=1&a=0", "h", "/s?b=2&a=1&a=0"),
        ("https://h/k/a%2Fb%20c?q=%2A*&r=a+b&empty=", "h", "/k/a%2Fb%20c?q=%2A*&r=a+b&empty="),
        ("https://h/p#fragment", "h", "/p"),
        ("https://h/p?q=1#fragment", "h", "/p?q=1"),
        # An empty query is signed as written, `?` included (urllib and requests send it).
        ("https://h/orders?", "h", "/orders?"),
        ("https://h?", "h", "/?"),
        ("https://h/orders?#fragment", "h", "/orders?"),
        ("https://h#fragment", "h", "/"),
        ("https://h/a?b?c=d/e", "h", "/a?b?c=d/e"),
        ("HTTPS://H/Orders", "h", "/Orders"),
    ],
)
def test_host_and_path_and_query(url: str, host: str, target: str) -> None:
    headers = sign_request(TOKEN, SECRET, "GET", url, date=WHEN)
    assert headers["host"] == host
    assert _signature_of(headers) == _expected_signature(f"GET\n{target}\n{WHEN_TEXT};{host};{EMPTY_SHA256}")


def test_the_date_is_the_azure_form_in_gmt_whatever_the_offset() -> None:
    east = WHEN.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert sign_request(TOKEN, SECRET, "GET", "https://h/", date=east)["x-ms-date"] == WHEN_TEXT
    west = WHEN.astimezone(timezone(timedelta(hours=-8)))
    assert date_header(west) == WHEN_TEXT
    # Always six fraction digits and a two-digit day, also on a whole second.
    assert date_header(datetime(2027, 1, 5, 3, 4, 5, tzinfo=UTC)) == "Jan, 05 2027 03:04:05.000000 GMT"
    assert date_header(datetime(2027, 1, 5, 3, 4, 5, 7, tzinfo=UTC)) == "Jan, 05 2027 03:04:05.000007 GMT"
    # Across midnight UTC the day (and year) is UTC's, not the offset's.
    tokyo = datetime(2027, 1, 1, 8, 59, 59, 999999, tzinfo=timezone(timedelta(hours=9)))
    assert date_header(tokyo) == "Dec, 31 2026 23:59:59.999999 GMT"


def test_the_date_defaults_to_now() -> None:
    before = datetime.now(UTC)
    text = sign_request(TOKEN, SECRET, "GET", "https://h/")["x-ms-date"]
    after = datetime.now(UTC)
    assert before <= datetime.strptime(text, AZURE_DATE_FORMAT).replace(tzinfo=UTC) <= after


@settings(max_examples=200, deadline=None)
@given(when=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)))
def test_the_service_reads_the_date_sent_to_the_microsecond(when: datetime) -> None:
    text = date_header(when)
    assert datetime.strptime(text, AZURE_DATE_FORMAT).replace(tzinfo=UTC) == when
    assert parse_http_date(text) == when.timestamp()


def test_the_same_request_signed_a_few_microseconds_apart_has_another_signature() -> None:
    # Whole-second dates gave both the same signature: the second was refused as a replay.
    url = "https://api.example.com/orders?limit=5"
    at = sign_request(TOKEN, SECRET, "GET", url, date=WHEN)
    later = sign_request(TOKEN, SECRET, "GET", url, date=WHEN + timedelta(microseconds=3))
    assert later["x-ms-date"] == "Nov, 23 2026 19:07:46.358684 GMT"
    text = f"GET\n/orders?limit=5\nNov, 23 2026 19:07:46.358684 GMT;api.example.com;{EMPTY_SHA256}"
    assert _signature_of(later) == _expected_signature(text)
    assert _signature_of(later) != _signature_of(at)

    # With the default date: two calls back to back, the second once the clock has moved on.
    first = sign_request(TOKEN, SECRET, "GET", url)
    sent = datetime.strptime(first["x-ms-date"], AZURE_DATE_FORMAT).replace(tzinfo=UTC)
    while datetime.now(UTC) <= sent:
        pass
    second = sign_request(TOKEN, SECRET, "GET", url)
    assert second["x-ms-date"] != first["x-ms-date"]
    assert _signature_of(second) != _signature_of(first)


def test_a_naive_date_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sign_request(TOKEN, SECRET, "GET", "https://h/", date=datetime(2026, 11, 23))


@pytest.mark.parametrize(
    "url", ["/orders?limit=5", "orders", "//h/orders", "ftp://h/x", "file:///etc/passwd", "https:///x", "", "h:80/x"]
)
def test_a_url_that_is_not_absolute_http_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="url"):
        sign_request(TOKEN, SECRET, "GET", url, date=WHEN)


def test_a_secret_that_is_not_base64_is_refused() -> None:
    with pytest.raises(ValueError):
        sign_request(TOKEN, "not base64!", "GET", "https://h/", date=WHEN)


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "body"),
    [
        ("GET", "http://127.0.0.1:8123/orders", {"params": {"limit": 5, "q": "a b/é"}}, b""),
        ("POST", "https://api.example.com/v1/x", {"json": {"a": "é"}}, None),
        ("PUT", "https://api.example.com/v1/x", {"data": b"\x00\xffraw"}, b"\x00\xffraw"),
        ("PATCH", "https://api.example.com/v1/x", {"data": "text é"}, "text é".encode()),
        ("DELETE", "https://api.example.com/v1/x", {}, b""),
        ("post", "https://api.example.com/v1/form", {"data": {"a": "1", "b": "x y"}}, b"a=1&b=x+y"),
    ],
)
def test_hmac_auth_signs_the_prepared_request(
    method: str, url: str, kwargs: dict[str, Any], body: bytes | None
) -> None:
    prepared = requests.Request(method, url, **kwargs).prepare()
    assert prepared.url is not None
    assert prepared.method is not None
    raw = prepared.body if isinstance(prepared.body, bytes) else (prepared.body or "").encode()
    if body is not None:
        assert raw == body
    expected = sign_request(TOKEN, SECRET, prepared.method, prepared.url, raw, date=WHEN)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("keywarden.requests_auth.sign_request", functools.partial(sign_request, date=WHEN))
        signed = HmacAuth(TOKEN, SECRET)(prepared)
    for name, value in expected.items():
        assert signed.headers[name] == value
    # The signed target is the one requests sends: already percent-encoded.
    if "params" in kwargs:
        assert prepared.path_url == "/orders?limit=5&q=a+b%2F%C3%A9"


def test_hmac_auth_refuses_a_streamed_body() -> None:
    prepared = requests.Request("POST", "https://h/x", data=iter([b"a", b"b"])).prepare()
    with pytest.raises(TypeError, match="streamed"):
        HmacAuth(TOKEN, SECRET)(prepared)


def test_signing_needs_only_the_standard_library() -> None:
    code = (
        "import sys, keywarden.signing; assert 'requests' not in sys.modules and 'httpx' not in sys.modules;"
        "from keywarden.requests_auth import HmacAuth; assert 'requests' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603 (our own interpreter, fixed code)


# The real Azure App Configuration policy, driven by hand: no client, no transport, no network.


def _azure_headers(method: str, endpoint: str, path_and_query: str, body: str | None = None) -> dict[str, str]:
    from azure.appconfiguration._azure_appconfiguration_requests import AppConfigRequestsCredentialsPolicy
    from azure.core.credentials import AzureKeyCredential
    from azure.core.pipeline import PipelineContext, PipelineRequest
    from azure.core.rest import HttpRequest

    policy = AppConfigRequestsCredentialsPolicy(AzureKeyCredential(SECRET), endpoint, TOKEN)
    request = PipelineRequest(HttpRequest(method, endpoint + path_and_query, content=body), PipelineContext(None))
    policy._signed_request(request)  # what its send() does before handing the request on
    return dict(request.http_request.headers)


@contextmanager
def azure_clock(at: datetime) -> Iterator[None]:
    """The Azure SDK's clock (``datetime.now`` in its ``_utils``) stopped at ``at``; its own formatting is kept."""

    class Stopped(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return at.astimezone(tz)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("azure.appconfiguration._utils.datetime", Stopped)
        yield


def test_the_azure_sdk_policy_and_sign_request_agree() -> None:
    azure = _azure_headers("GET", "http://127.0.0.1:8123", "/orders?limit=5")
    # Its date is the form sign_request sends (`Nov, 23 2026 19:07:46.358681 GMT`): sign with that text.
    date_text = azure["x-ms-date"]
    datetime.strptime(date_text, AZURE_DATE_FORMAT)
    assert azure["x-ms-content-sha256"] == EMPTY_SHA256
    ours = signature(SECRET, "GET", "/orders?limit=5", date_text, "127.0.0.1:8123", EMPTY_SHA256)
    assert azure["Authorization"] == (
        f"HMAC-SHA256 Credential={TOKEN}&SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={ours}"
    )


@pytest.mark.parametrize(
    ("endpoint", "target"),
    [
        ("https://api.example.com:8443", "/kv/a%20b?api-version=1.0&label=%2A"),
        ("http://127.0.0.1:8123", "/orders?"),
        ("http://127.0.0.1:8123", "/"),
    ],
)
def test_at_the_same_moment_the_azure_policy_sends_what_sign_request_sends(endpoint: str, target: str) -> None:
    # The Azure policy's clock stopped at WHEN: its date text (its own formatting) and the whole
    # Authorization header are sign_request's, to the character.
    body = '{"value": "é"}'
    with azure_clock(WHEN):
        azure = _azure_headers("PUT", endpoint, target, body)
    ours = sign_request(TOKEN, SECRET, "put", endpoint + target, body.encode(), WHEN)
    assert azure["x-ms-date"] == ours["x-ms-date"] == WHEN_TEXT
    assert azure["x-ms-content-sha256"] == ours["x-ms-content-sha256"]
    assert azure["Authorization"] == ours["authorization"]


@settings(max_examples=50, deadline=None)
@given(when=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_the_azure_policy_formats_any_moment_as_sign_request_does(when: datetime) -> None:
    with azure_clock(when):
        azure = _azure_headers("GET", "http://h", "/")
    assert azure["x-ms-date"] == sign_request(TOKEN, SECRET, "GET", "http://h/", date=when)["x-ms-date"]


_path_chars = st.text(alphabet="abcXYZ019-._~%/!$&'()*+,;=:@", max_size=20)


@settings(max_examples=50, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]),
    path=_path_chars,
    query=st.none() | st.text(alphabet="abc019=&%+*-._~/?:@", max_size=20),  # "" is an empty `?`
    body=st.text(max_size=40),
)
def test_the_azure_policy_agrees_on_any_request(method: str, path: str, query: str | None, body: str) -> None:
    target = "/" + path + (f"?{query}" if query is not None else "")
    azure = _azure_headers(method, "http://localhost:8123", target, body)
    ours = signature(SECRET, method, target, azure["x-ms-date"], "localhost:8123", content_hash(body.encode("utf-8")))
    assert azure["x-ms-content-sha256"] == content_hash(body.encode("utf-8"))
    assert azure["Authorization"].endswith(f"&Signature={ours}")
    headers = sign_request(TOKEN, SECRET, method, "http://localhost:8123" + target, body.encode(), WHEN)
    text = f"{method}\n{target}\n{WHEN_TEXT};localhost:8123;{content_hash(body.encode())}"
    assert _signature_of(headers) == _expected_signature(text)
    # At the same moment, the policy's whole header is ours.
    with azure_clock(WHEN):
        assert (
            _azure_headers(method, "http://localhost:8123", target, body)["Authorization"] == headers["authorization"]
        )
