"""HMAC API keys: issued once, kept only sealed, and verified per signed request by the project's servers.

A resource server that receives a signed request posts it to `/v1/hmac/verify` as it got it
(method, request target, headers, base64 body). Requests here are signed by the project's own
client (`keywarden.signing`) and by the real Azure App Configuration SDK policy, which speaks the
same scheme. Every signed request is made unique (its own path or query) unless a test means to
send the same signature twice: a signature is accepted once.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.appconfiguration._azure_appconfiguration_requests import AppConfigRequestsCredentialsPolicy
from azure.core.credentials import AzureKeyCredential
from azure.core.pipeline import PipelineContext, PipelineRequest
from azure.core.rest import HttpRequest
from keywarden.signing import SIGNED_HEADERS, sign_request, signature

from chalicelib import aws, cache
from chalicelib.crypto import envelope
from chalicelib.store.replay_models import ReplayMarkModel
from chalicelib.store.tables import all_models
from tests.functional.conftest import Api, Reply, aws_calls
from tests.functional.test_verify import BASE62, Project

HOST = "api.example.com"
ORIGIN = f"https://{HOST}"
TOKEN = re.compile(r"^kwh_(?P<random>[0-9A-Za-z]{28})(?P<check>[0-9A-Za-z]{6})$")
_unique = itertools.count()


def base62(value: int, width: int) -> str:
    digits = ""
    for _ in range(width):
        value, digit = divmod(value, 62)
        digits = BASE62[digit] + digits
    assert value == 0
    return digits


def checksum_ok(token: str) -> bool:
    """API.md's offline check, as for opaque keys: the last 6 characters are the base62 CRC32 of the rest."""
    match = TOKEN.fullmatch(token)
    return match is not None and base62(zlib.crc32(match["random"].encode()), 6) == match["check"]


def well_formed_token() -> str:
    """A token that passes every offline check but that the service never issued."""
    random_part = "".join(BASE62[b % 62] for b in hashlib.sha256(str(time.time_ns()).encode()).digest()[:28])
    return f"kwh_{random_part}{base62(zlib.crc32(random_part.encode()), 6)}"


def fresh_target(path: str = "/orders") -> str:
    """A request target no other request of the session signs (so each signature is new)."""
    return f"{path}?limit=5&n={next(_unique)}"


def whole_second(delta: timedelta = timedelta()) -> datetime:
    """Now plus `delta`, rounded up to the next whole second: a date up to a second further ahead
    than `delta`, so that a request dated `delta` ahead stays within (or beyond) the window however
    long the test takes to send it."""
    at = datetime.now(UTC) + delta
    return at.replace(microsecond=0) + timedelta(seconds=1)


AZURE_DATE_FORMAT = "%b, %d %Y %H:%M:%S.%f GMT"  # what sign_request sends: `Nov, 23 2026 19:07:46.358681 GMT`


def shifted(date_text: str, delta: timedelta) -> str:
    """The x-ms-date `date_text` (the signer's form) moved by `delta`, in the same form."""
    at = datetime.strptime(date_text, AZURE_DATE_FORMAT) + delta
    return at.strftime(AZURE_DATE_FORMAT)


def mark_of(request: Signed | dict[str, Any], project_id: str) -> str:
    """The id of the replay mark of a signed request as a project received it: the SHA-256 of four
    parts, each prefixed with its length (4 bytes, big-endian): the project id, the token, the raw
    signature, and the SHA-256 of the string the request's signature covers (method as received,
    target, date, host, body hash)."""
    payload = request.as_json() if isinstance(request, Signed) else request
    headers = {name.lower(): value for name, value in payload["headers"].items()}
    authorization = headers["authorization"]
    token = authorization.split("Credential=", 1)[1].split("&", 1)[0]
    raw = base64.b64decode(authorization.rsplit("&Signature=", 1)[1])
    url = payload["url"]
    if not url.startswith("/"):  # absolute: the path and query after the authority
        after_authority = re.sub(r"^[a-zA-Z]+://[^/?]*", "", url)
        url = after_authority if after_authority.startswith("/") else "/" + after_authority
    signed = f"{payload['method']}\n{url}\n{headers['x-ms-date']};{headers['host']};{headers['x-ms-content-sha256']}"
    digest = hashlib.sha256()
    for part in (project_id.encode("ascii"), token.encode("ascii"), raw, hashlib.sha256(signed.encode()).digest()):
        digest.update(len(part).to_bytes(4, "big") + part)
    return digest.hexdigest()


def replay_marks() -> set[str]:
    return {item.id for item in ReplayMarkModel.scan(consistent_read=True)}


class Signed:
    """One request as a resource server receives it: what it posts to /v1/hmac/verify."""

    def __init__(self, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> None:
        self.method, self.target, self.headers, self.body = method, target, headers, body

    def as_json(self, **changes: Any) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "method": self.method,
            "url": self.target,
            "headers": dict(self.headers),
            "body": base64.b64encode(self.body).decode(),
        }
        payload.update(changes)
        return payload

    def with_headers(self, **changes: str | None) -> dict[str, Any]:
        """The request with headers replaced (None removes one); names as the signer wrote them."""
        headers = {name: value for name, value in self.headers.items() if name not in changes}
        headers.update({name: value for name, value in changes.items() if value is not None})
        return self.as_json(headers=headers)


def sign(
    token: str,
    secret: str,
    method: str = "GET",
    target: str | None = None,
    body: bytes = b"",
    date: datetime | None = None,
) -> Signed:
    target = target or fresh_target()
    headers = sign_request(token, secret, method, ORIGIN + target, body=body, date=date)
    return Signed(method, target, headers, body)


def sign_with_date_text(
    token: str, secret: str, date_text: str, target: str | None = None, method: str = "GET"
) -> Signed:
    """A request without a body whose signature is correct for `date_text`, whatever its form, and
    for `method` exactly as given (the client's low-level `signature` does not upper-case it)."""
    target = target or fresh_target()
    empty = base64.b64encode(hashlib.sha256(b"").digest()).decode()
    sig = signature(secret, method, target, date_text, HOST, empty)
    headers = {
        "x-ms-date": date_text,
        "x-ms-content-sha256": empty,
        "host": HOST,
        "authorization": f"HMAC-SHA256 Credential={token}&SignedHeaders={SIGNED_HEADERS}&Signature={sig}",
    }
    return Signed(method, target, headers)


def azure_signed(token: str, secret: str, endpoint: str, target: str, method: str = "GET", json: Any = None) -> Signed:
    """A request signed by the Azure App Configuration SDK's own policy, as its transport would send it."""

    class Sink:
        def send(self, request: PipelineRequest) -> PipelineRequest:
            return request

    policy = AppConfigRequestsCredentialsPolicy(AzureKeyCredential(secret), endpoint, token)
    policy.next = Sink()  # type: ignore[assignment]
    request = PipelineRequest(HttpRequest(method, endpoint + target, json=json), PipelineContext(None))
    policy.send(request)
    http_request = request.http_request
    raw = http_request.body
    body = raw.encode() if isinstance(raw, str) else bytes(raw or b"")
    headers = dict(http_request.headers)
    headers["Host"] = endpoint.split("://", 1)[1]  # what the transport sends: the endpoint's netloc
    return Signed(method, target, headers, body)


class HmacProject(Project):
    """A project with HMAC keys, seen by its owner (to arrange) and its resource server (to verify)."""

    def issue_hmac(self, permissions: list[str] | None = None, **fields: Any) -> tuple[dict[str, Any], str, str]:
        role_id = fields.pop("role_id", None) or self.role(permissions or ["orders:read"])
        reply = self.api.post(
            f"/v1/projects/{self.pid}/keys",
            {"name": "signer", "type": "hmac", "role_id": role_id, **fields},
            as_user=self.owner,
        )
        assert reply.status == 201, reply.body
        return reply.json["key"], reply.json["secret"]["token"], reply.json["secret"]["secret"]

    def check(self, payload: dict[str, Any] | Signed, permissions: list[str] | None = None) -> Reply:
        body = payload.as_json() if isinstance(payload, Signed) else dict(payload)
        if permissions is not None:
            body["permissions"] = permissions
        return self.api.post("/v1/hmac/verify", body, headers={"authorization": f"Bearer {self.service_key}"})

    def verdict(self, payload: dict[str, Any] | Signed, permissions: list[str] | None = None) -> str:
        reply = self.check(payload, permissions)
        assert reply.status == 200, (reply.status, reply.body)
        assert reply.headers["content-type"].startswith("application/json")
        assert reply.json["valid"] is (reply.json["code"] == "VALID"), reply.json
        code: str = reply.json["code"]
        return code


@pytest.fixture
def project(api: Api) -> HmacProject:
    return HmacProject(api, owner="ann", dave="developer")


def kms_calls() -> AbstractContextManager[list[str]]:
    """The KMS API calls the service makes, as they happen."""
    return aws_calls("kms")


def dynamodb_writes() -> AbstractContextManager[list[str]]:
    """The DynamoDB PutItem and DeleteItem calls the service makes (the replay marks' writes), as they happen."""
    return aws_calls("dynamodb", only=frozenset({"PutItem", "DeleteItem"}))


def raw_table_text() -> tuple[str, list[bytes]]:
    """Every item of every table of the service, as text, and every binary value in them."""
    client = aws.client("dynamodb")
    texts: list[str] = []
    binaries: list[bytes] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)
        elif isinstance(value, bytes | bytearray):
            binaries.append(bytes(value))

    for model in all_models():
        model._get_connection()  # binds the model to its table name
        for page in client.get_paginator("scan").paginate(TableName=model.Meta.table_name, ConsistentRead=True):
            for item in page["Items"]:
                texts.append(repr(item))
                walk(item)
    return "\n".join(texts), binaries


# --- issuing ------------------------------------------------------------------------


def test_create_returns_token_and_secret_once_and_stores_neither(api: Api, project: HmacProject) -> None:
    role_id = project.role(["orders:read"])
    reply = api.post(
        f"/v1/projects/{project.pid}/keys",
        {"name": "signer", "type": "hmac", "role_id": role_id, "meta": {"tier": "gold"}},
        as_user="ann",
        headers={"idempotency-key": "create-hmac-once"},
    )
    assert reply.status == 201, reply.body
    key, shown = reply.json["key"], reply.json["secret"]
    assert set(shown) == {"token", "secret"}
    token, secret = shown["token"], shown["secret"]
    assert checksum_ok(token), token
    raw = base64.b64decode(secret, validate=True)
    assert len(raw) == 32 and base64.b64encode(raw).decode() == secret
    assert key["type"] == "hmac" and key["status"] == "active"
    assert key["hint"] == "kwh_..." + token[-4:]
    assert (key["owner_id"], key["role_id"], key["permissions"]) == ("ann", role_id, ["orders:read"])

    # Never shown again: not when read, not when listed, not in the audit trail.
    forms = [token, token[4:], secret, raw.hex(), raw.hex().upper(), base64.urlsafe_b64encode(raw).decode().rstrip("=")]
    forms.append(hashlib.sha256(token.encode()).hexdigest())
    read = api.get(f"/v1/projects/{project.pid}/keys/{key['id']}", as_user="ann")
    listed = api.get(f"/v1/projects/{project.pid}/keys?type=hmac", as_user="ann")
    audit = api.get(f"/v1/projects/{project.pid}/audit-events?limit=100", as_user="ann")
    assert read.status == listed.status == audit.status == 200
    assert read.json == {**key, "last_used_at": read.json["last_used_at"]} and "secret" not in read.json
    assert [item["id"] for item in listed.json["items"]] == [key["id"]]
    assert any(event["action"].startswith("key") for event in audit.json["items"]), audit.json
    for shown_later in (read, listed, audit):
        text = shown_later.body.decode()
        for form in forms:
            assert form not in text, (form, text[:300])

    # It still works (the service can open what it sealed) ...
    assert project.verdict(sign(token, secret)) == "VALID"
    # ... and no table holds the token or the secret in any form, not even the kept create response.
    text, binaries = raw_table_text()
    assert key["id"] in text  # the scan does see the key's items
    for form in forms:
        assert form not in text, form
    for blob in binaries:
        assert raw not in blob

    # The kept create response replays the same secret (it was stored sealed, not dropped).
    again = api.post(
        f"/v1/projects/{project.pid}/keys",
        {"name": "signer", "type": "hmac", "role_id": role_id, "meta": {"tier": "gold"}},
        as_user="ann",
        headers={"idempotency-key": "create-hmac-once"},
    )
    assert again.status == 201 and again.json == reply.json


# --- valid requests -------------------------------------------------------------------


def test_a_signed_request_verifies_with_what_the_server_needs(project: HmacProject) -> None:
    role_id = project.role(["orders:read", "orders:write"])
    key, token, secret = project.issue_hmac(role_id=role_id, ttl_seconds=3600, meta={"tier": "gold"})
    reply = project.check(sign(token, secret, "POST", fresh_target(), body=b'{"item": 1}'))
    assert reply.status == 200, reply.body
    assert reply.json == {
        "valid": True,
        "code": "VALID",
        "key_id": key["id"],
        "project_id": project.pid,
        "owner_id": "ann",
        "role_id": role_id,
        "permissions": ["orders:read", "orders:write"],
        "expires_at": key["expires_at"],
        "meta": {"tier": "gold"},
    }
    assert project.verdict(sign(token, secret), ["orders:read"]) == "VALID"
    assert project.verdict(sign(token, secret), ["orders:write", "orders:read"]) == "VALID"
    lacking = project.check(sign(token, secret), ["orders:refund"])
    assert lacking.json["code"] == "INSUFFICIENT_PERMISSIONS" and lacking.json["valid"] is False
    assert lacking.json["key_id"] == key["id"]
    assert project.verdict(sign(token, secret), ["orders:read", "billing:read"]) == "INSUFFICIENT_PERMISSIONS"


def test_the_body_is_optional_and_an_absolute_url_is_accepted(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    signed = sign(token, secret, "PUT", fresh_target(), body=b"hello")
    assert project.verdict({key: value for key, value in signed.as_json().items() if key != "body"}) == "VALID"

    absolute = sign(token, secret)
    assert project.verdict(absolute.as_json(url=ORIGIN + absolute.target)) == "VALID"
    root = sign(token, secret, target="/")
    assert project.verdict(root.as_json(url=ORIGIN)) == "VALID"  # an absolute URL without a path means "/"
    assert project.verdict(sign(token, secret, target="/?a=1").as_json(url=ORIGIN + "/?a=1")) == "VALID"
    # The method is signed as sent, and verified as received: methods are case-sensitive (RFC 9110 §9.1).
    deleted = sign(token, secret, "DELETE")
    assert project.verdict(deleted.as_json(method="delete")) == "INVALID_SIGNATURE"
    assert project.verdict(deleted) == "VALID"  # the refused copy did not spend it
    # The client's sign_request upper-cases the method, as HTTP clients send it: received as DELETE.
    lower = sign(token, secret, "delete")
    assert project.verdict(lower.as_json(method="DELETE")) == "VALID"


@pytest.mark.parametrize(
    "endpoint",
    ["https://keywarden-demo.azconfig.io", "http://127.0.0.1:8443"],
)
def test_a_request_signed_by_the_azure_sdk_verifies(project: HmacProject, endpoint: str) -> None:
    key, token, secret = project.issue_hmac(["settings:read"])
    target = f"/kv/{next(_unique)}?label=prod&api-version=2023-11-01"
    signed = azure_signed(token, secret, endpoint, target)
    # The SDK's own date form (microseconds, no weekday), not RFC 1123.
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{6} GMT", signed.headers["x-ms-date"])
    assert signed.headers["Authorization"].startswith(f"HMAC-SHA256 Credential={token}&SignedHeaders=")
    reply = project.check(signed, ["settings:read"])
    assert reply.status == 200 and reply.json["code"] == "VALID" and reply.json["key_id"] == key["id"]

    # With a body (set_configuration_setting), and with the URL the SDK signed written absolutely.
    put = azure_signed(token, secret, endpoint, f"/kv/x{next(_unique)}?api-version=2023-11-01", "PUT", {"value": "y"})
    assert put.body and project.verdict(put) == "VALID"
    again = azure_signed(token, secret, endpoint, f"/kv/{next(_unique)}")
    assert project.verdict(again.as_json(url=endpoint + again.target)) == "VALID"
    # Its signature covers the host with the port: another host is refused.
    other = azure_signed(token, secret, endpoint, f"/kv/{next(_unique)}")
    assert project.verdict(other.with_headers(Host="elsewhere.example")) == "INVALID_SIGNATURE"


# --- bad input: always 200 with a precise code ----------------------------------------


def test_missing_headers_are_malformed(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    for name in ("x-ms-date", "x-ms-content-sha256", "host", "authorization"):
        signed = sign(token, secret)
        assert project.verdict(signed.with_headers(**{name: None})) == "MALFORMED", name
        assert project.verdict(signed.with_headers(**{name: ""})) == "MALFORMED", name
        assert project.verdict(signed) == "VALID", name  # nothing was remembered of the refused ones
    assert project.verdict({"method": "GET", "url": "/", "headers": {}}) == "MALFORMED"


def test_header_names_are_case_insensitive_but_not_twice(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    signed = sign(token, secret)
    upper = {name.upper(): value for name, value in signed.headers.items()}
    assert project.verdict(signed.as_json(headers=upper)) == "VALID"

    for name in ("host", "x-ms-date", "authorization", "x-ms-content-sha256"):
        twice = sign(token, secret)
        headers = {**twice.headers, name.title(): twice.headers[name]}  # same value, other case
        assert project.verdict(twice.as_json(headers=headers)) == "MALFORMED", name
    # A second Host of another case, as a smuggling attempt, is refused rather than guessed at.
    smuggle = sign(token, secret)
    assert project.verdict(smuggle.as_json(headers={**smuggle.headers, "HOST": "evil.example"})) == "MALFORMED"


def test_malformed_authorization_headers(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    names = "x-ms-date;host;x-ms-content-sha256"
    bad_checksum = token[:-1] + ("0" if token[-1] != "0" else "1")
    variants: dict[str, Any] = {
        "wrong scheme": lambda auth, sig: auth.replace("HMAC-SHA256", "HMAC-SHA1", 1),
        "bearer": lambda auth, sig: f"Bearer {token}",
        "scheme only": lambda auth, sig: "HMAC-SHA256",
        "no credential": lambda auth, sig: f"HMAC-SHA256 SignedHeaders={names}&Signature={sig}",
        "no signed headers": lambda auth, sig: f"HMAC-SHA256 Credential={token}&Signature={sig}",
        "no signature": lambda auth, sig: f"HMAC-SHA256 Credential={token}&SignedHeaders={names}",
        "empty signature": lambda auth, sig: f"HMAC-SHA256 Credential={token}&SignedHeaders={names}&Signature=",
        "other header order": lambda auth, sig: auth.replace(names, "host;x-ms-date;x-ms-content-sha256"),
        "fewer headers": lambda auth, sig: auth.replace(names, "x-ms-date;host"),
        "more headers": lambda auth, sig: auth.replace(names, names + ";content-type"),
        "parameters reordered": lambda auth,
        sig: f"HMAC-SHA256 Signature={sig}&Credential={token}&SignedHeaders={names}",
        "signature not base64": lambda auth, sig: auth.replace(sig, "!" * 43 + "="),
        "signature base64url": lambda auth, sig: auth.replace(sig, "_" + sig[1:]),
        "signature without padding": lambda auth, sig: auth.replace(sig, sig.rstrip("=")),
        "signature too short": lambda auth, sig: auth.replace(sig, sig[:-5] + "="),
        "signature too long": lambda auth, sig: auth.replace(sig, "AAAA" + sig),
        "token with wrong checksum": lambda auth, sig: auth.replace(token, bad_checksum),
        "token truncated": lambda auth, sig: auth.replace(token, token[:-1]),
        "token of an opaque key's form": lambda auth, sig: auth.replace(token, "kw_" + token[4:]),
        "two spaces after scheme": lambda auth, sig: auth.replace("HMAC-SHA256 ", "HMAC-SHA256  ", 1),
        "leading space": lambda auth, sig: " " + auth,
        "trailing space": lambda auth, sig: auth + " ",
        "space before &": lambda auth, sig: auth.replace("&SignedHeaders", " &SignedHeaders"),
        "space after =": lambda auth, sig: auth.replace("Credential=", "Credential= "),
        "comma separated": lambda auth, sig: auth.replace("&", ", "),
        "credential twice": lambda auth, sig: auth.replace("&SignedHeaders", f"&Credential={token}&SignedHeaders"),
        "trailing newline": lambda auth, sig: auth + "\n",
    }
    for label, alter in variants.items():
        signed = sign(token, secret)
        auth = signed.headers["authorization"]
        sig = auth.rsplit("&Signature=", 1)[1]
        reply = project.check(signed.with_headers(authorization=alter(auth, sig)))
        assert reply.status == 200, (label, reply.body)
        assert reply.json == {"valid": False, "code": "MALFORMED"}, label
        assert project.verdict(signed) == "VALID", label  # the well-formed original still passes, once


def test_dates_outside_the_accepted_forms_are_malformed(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    at = datetime.now(UTC)
    forms = [
        "yesterday",
        at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        at.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        at.strftime("%a, %d %b %Y %H:%M:%S +0000"),
        at.strftime("%a, %d %b %Y %H:%M:%S UTC"),
        at.strftime("%a, %d %b %Y %H:%M:%S"),
        at.strftime("%a, %d %b %Y %H:%M:%S GMT").lower(),
        at.strftime("%a,  %d %b %Y %H:%M:%S GMT"),
        at.strftime("%a, %d %b %Y %H:%M:%S GMT "),
        at.strftime("%A, %d %b %Y %H:%M:%S GMT"),
        at.strftime("%a, %-d %b %Y %H:%M:%S GMT") if at.day < 10 else at.strftime("%a, %d %B %Y %H:%M:%S GMT"),
        str(int(at.timestamp())),
        at.strftime("%b, %d %Y %H:%M:%S.%f0 GMT"),  # the Azure form with 7 fraction digits
        "Mon, 30 Feb 2026 10:00:00 GMT",
        "Mon, 23 Nov 2026 25:00:00 GMT",
        "",
    ]
    for text in forms:
        assert project.verdict(sign_with_date_text(token, secret, text)) == "MALFORMED", text
    # The forms that are accepted, signed just as correctly, verify.
    for text in (
        at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        at.strftime("%b, %d %Y %H:%M:%S.%f GMT"),
        at.strftime("%b, %d %Y %H:%M:%S GMT"),
    ):
        assert project.verdict(sign_with_date_text(token, secret, text)) == "VALID", text


def test_the_date_window_is_300_seconds_either_way(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    old = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=301)
    assert project.verdict(sign(token, secret, date=old)) == "STALE_REQUEST"
    assert project.verdict(sign(token, secret, date=whole_second(timedelta(seconds=301)))) == "STALE_REQUEST"
    assert project.verdict(sign(token, secret, date=datetime(2001, 1, 1, tzinfo=UTC))) == "STALE_REQUEST"
    assert project.verdict(sign(token, secret, date=whole_second(timedelta(seconds=-299)))) == "VALID"
    assert project.verdict(sign(token, secret, date=datetime.now(UTC) + timedelta(seconds=290))) == "VALID"
    # A stale request is refused before its key is looked at: an unknown key's is stale too.
    assert project.verdict(sign(well_formed_token(), secret, date=old)) == "STALE_REQUEST"


def test_bodies_and_content_hashes(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    signed = sign(token, secret, "POST", fresh_target(), body=b'{"amount": 10}')
    assert project.verdict(signed.as_json(body=base64.b64encode(b'{"amount": 1000}').decode())) == "INVALID_SIGNATURE"
    assert project.verdict(signed.as_json(body="")) == "INVALID_SIGNATURE"  # an empty body is a body
    for not_base64 in ("not base64!", "eyJ", "eyJhbW91bnQiOiAxMH0=\n", "ZQ==ZQ=="):
        assert project.verdict(signed.as_json(body=not_base64)) == "MALFORMED", not_base64
    for bad_hash in ("abc", "", signed.headers["x-ms-content-sha256"].rstrip("="), "0" * 64):
        assert project.verdict(signed.with_headers(**{"x-ms-content-sha256": bad_hash})) == "MALFORMED", bad_hash
    # The hash of another body, well formed: the signature no longer matches.
    other_hash = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    assert project.verdict(
        signed.as_json(body=None, headers={**signed.headers, "x-ms-content-sha256": other_hash})
    ) == ("INVALID_SIGNATURE")
    assert project.verdict(sign(token, secret, "POST", fresh_target(), body=b'{"amount": 10}')) == "VALID"


def test_altered_requests_and_wrong_secrets_are_invalid_signatures(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    _, _, other_secret = project.issue_hmac()
    cases = {
        "path": lambda s: s.as_json(url=s.target.replace("/orders", "/orderz")),
        "query": lambda s: s.as_json(url=s.target.replace("limit=5", "limit=500")),
        "query appended": lambda s: s.as_json(url=s.target + "&admin=1"),
        "query dropped": lambda s: s.as_json(url=s.target.split("?")[0]),
        "trailing slash": lambda s: s.as_json(url=s.target.replace("/orders", "/orders/")),
        "percent-encoded path": lambda s: s.as_json(url=s.target.replace("/orders", "/%6Frders")),
        "method": lambda s: s.as_json(method="DELETE"),
        "host": lambda s: s.with_headers(host="api.example.org"),
        "host with port": lambda s: s.with_headers(host=HOST + ":443"),
        "host case": lambda s: s.with_headers(host=HOST.upper()),
        "date": lambda s: s.with_headers(**{"x-ms-date": shifted(s.headers["x-ms-date"], timedelta(seconds=1))}),
        "date by a microsecond": lambda s: s.with_headers(
            **{"x-ms-date": shifted(s.headers["x-ms-date"], timedelta(microseconds=1))}
        ),
        "empty query added": lambda s: s.as_json(url=s.target.split("?")[0] + "?"),
        "absolute url on another path": lambda s: s.as_json(url=ORIGIN + "/admin"),
        "absolute url and host header both changed": lambda s: {
            **s.with_headers(host="api.example.org"),
            "url": "https://api.example.org" + s.target,
        },
    }
    for label, alter in cases.items():
        signed = sign(token, secret)
        assert project.verdict(alter(signed)) == "INVALID_SIGNATURE", label
        assert project.verdict(signed) == "VALID", label  # the refused copy did not spend the signature
    assert project.verdict(sign(token, other_secret)) == "INVALID_SIGNATURE"
    assert project.verdict(sign(token, base64.b64encode(b"\0" * 32).decode())) == "INVALID_SIGNATURE"


def test_unknown_tokens_and_other_projects_keys_are_not_found(api: Api, project: HmacProject) -> None:
    theirs = HmacProject(api, owner="bob", name="Theirs")
    _, their_token, their_secret = theirs.issue_hmac()
    assert theirs.verdict(sign(their_token, their_secret)) == "VALID"

    unknown = project.check(sign(well_formed_token(), their_secret))
    foreign = project.check(sign(their_token, their_secret))
    assert unknown.status == foreign.status == 200
    assert unknown.json == foreign.json == {"valid": False, "code": "NOT_FOUND"}
    assert foreign.body == unknown.body
    # Even with their secret and the permission asked, nothing of their key shows.
    assert project.check(sign(their_token, their_secret), ["orders:read"]).json == {"valid": False, "code": "NOT_FOUND"}
    # And an opaque key's value is no HMAC credential.
    opaque_key = project.issue()[1]
    signed = sign(project.issue_hmac()[1], project.issue_hmac()[2])
    as_opaque = signed.headers["authorization"].replace(
        signed.headers["authorization"].split("&")[0], f"HMAC-SHA256 Credential={opaque_key}"
    )
    assert project.verdict(signed.with_headers(authorization=as_opaque)) == "MALFORMED"


def test_a_token_alone_is_no_bearer_credential(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    assert project.verdict(sign(token, secret)) == "VALID"
    # Whoever holds the token (it is in every signed request) holds no key: presented alone,
    # as keys are, it is refused before its record is read.
    with aws_calls("dynamodb") as reads:
        assert project.verify(token).json == {"valid": False, "code": "MALFORMED"}
    assert reads == []


def test_a_signature_is_accepted_once(project: HmacProject) -> None:
    key, token, secret = project.issue_hmac()
    signed = sign(token, secret, "POST", fresh_target(), body=b"pay 10")
    assert project.verdict(signed) == "VALID"
    replay = project.check(signed)
    assert replay.json["code"] == "REPLAYED" and replay.json["valid"] is False
    assert replay.json["key_id"] == key["id"]
    # Header case, an absolute URL or a missing body change nothing: the signature is the same.
    upper = {name.upper(): value for name, value in signed.headers.items()}
    assert project.verdict(signed.as_json(headers=upper)) == "REPLAYED"
    assert project.verdict(signed.as_json(url=ORIGIN + signed.target)) == "REPLAYED"
    assert project.verdict(signed.as_json(body=None)) == "REPLAYED"
    # Another process, whose caches never saw the key nor the signature, says the same.
    cache.key_records.clear()
    envelope.data_keys.clear()
    assert project.verdict(signed) == "REPLAYED"
    assert sum(1 for _ in ReplayMarkModel.scan()) >= 1
    # A new signature of the same request (another date) is a new request.
    later = sign(token, secret, "POST", signed.target, b"pay 10", date=whole_second(timedelta(seconds=2)))
    assert project.verdict(later) == "VALID"


# Copies of a signed request that pass every check needing no I/O, but not the signature.
TAMPERINGS: dict[str, Callable[[Signed], dict[str, Any]]] = {
    "path": lambda s: s.as_json(url=s.target.replace("/orders", "/admin")),
    "query": lambda s: s.as_json(url=s.target + "&admin=1"),
    "method": lambda s: s.as_json(method="DELETE"),
    "method case": lambda s: s.as_json(method=s.method.lower()),
    "host": lambda s: s.with_headers(host="api.example.org"),
}


def test_a_tampered_copy_does_not_spend_the_signature_when_the_record_is_cached(
    project: HmacProject, long_cache: None
) -> None:
    _, token, secret = project.issue_hmac()
    assert project.verdict(sign(token, secret)) == "VALID"  # the key's record is now cached
    for label, tamper in TAMPERINGS.items():
        genuine = sign(token, secret)
        copy = tamper(genuine)
        marks = replay_marks()
        with dynamodb_writes() as writes:
            assert project.verdict(copy) == "INVALID_SIGNATURE", label
        # Refused before the mark: no write at all, nothing remembered.
        assert writes == [], label
        assert replay_marks() == marks, label
        assert project.verdict(genuine) == "VALID", label
        assert replay_marks() == marks | {mark_of(genuine, project.pid)}, label
        assert project.verdict(genuine) == "REPLAYED", label
        assert project.verdict(copy) == "INVALID_SIGNATURE", label  # its copy still says what it is


def test_a_tampered_copy_does_not_spend_the_signature_when_the_record_is_not_cached(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    for label, tamper in TAMPERINGS.items():
        genuine = sign(token, secret)
        copy = tamper(genuine)
        marks = replay_marks()
        cache.key_records.clear()  # as a process that has not read the key's record yet
        with dynamodb_writes() as writes:
            assert project.verdict(copy) == "INVALID_SIGNATURE", label
        # Whatever mark was written with the read was taken back: the copy's own (its message
        # is not the genuine request's, so neither is its mark).
        assert writes.count("PutItem") == writes.count("DeleteItem") <= 1, (label, writes)
        assert mark_of(copy, project.pid) != mark_of(genuine, project.pid), label
        assert replay_marks() == marks, label
        cache.key_records.clear()
        assert project.verdict(genuine) == "VALID", label
        assert replay_marks() == marks | {mark_of(genuine, project.pid)}, label
        cache.key_records.clear()
        assert project.verdict(genuine) == "REPLAYED", label


def test_a_copy_refused_before_any_io_does_not_spend_the_signature(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    early = sign(token, secret, "POST", fresh_target(), b"body")
    with dynamodb_writes() as writes:
        assert project.verdict(early.as_json(body=base64.b64encode(b"other").decode())) == "INVALID_SIGNATURE"
        assert project.verdict(early.with_headers(**{"x-ms-date": "yesterday"})) == "MALFORMED"
        assert project.verdict(early.as_json(url="https://api.example.org" + early.target)) == "MALFORMED"
    assert writes == []
    assert project.verdict(early) == "VALID"


def test_an_unknown_token_leaves_no_mark_and_its_miss_is_cached(project: HmacProject, long_cache: None) -> None:
    _, _, secret = project.issue_hmac()
    unknown = well_formed_token()
    cache.key_records.clear()
    with dynamodb_writes() as writes:
        first = sign(unknown, secret)
        assert project.verdict(first) == "NOT_FOUND"
    # At most a mark written with the lookup and taken back at once.
    assert writes.count("PutItem") == writes.count("DeleteItem") <= 1, writes
    assert replay_marks() == set()
    with dynamodb_writes() as writes:
        assert project.verdict(sign(unknown, secret)) == "NOT_FOUND"
        assert project.verdict(sign(unknown, secret, "POST", fresh_target(), b"x")) == "NOT_FOUND"
        assert project.verdict(first) == "NOT_FOUND"  # the same signature again: still not a replay
    assert writes == []  # the miss is cached: nothing written for this token any more
    assert replay_marks() == set()


def test_a_replay_with_a_wrong_permission_ask_or_after_a_refusal(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac(["orders:read"])
    signed = sign(token, secret)
    assert project.verdict(signed, ["orders:write"]) == "INSUFFICIENT_PERMISSIONS"
    # The signature was proven, so it was spent even though that verification said no.
    assert project.verdict(signed, ["orders:read"]) == "REPLAYED"
    # The same when the key's record had to be read.
    uncached = sign(token, secret)
    cache.key_records.clear()
    assert project.verdict(uncached, ["orders:write"]) == "INSUFFICIENT_PERMISSIONS"
    assert mark_of(uncached, project.pid) in replay_marks()
    cache.key_records.clear()
    assert project.verdict(uncached, ["orders:read"]) == "REPLAYED"


@pytest.mark.parametrize("copy_dated", ["to expire before the genuine request", "as the genuine request"])
def test_a_slow_forged_copy_never_takes_back_the_genuine_requests_mark(
    project: HmacProject, monkeypatch: pytest.MonkeyPatch, copy_dated: str
) -> None:
    """The reviewer's race. A copy of a genuine request, sent to another path with the genuine token
    and signature, reaches a process that must read the key's record, and that read is slow. While it
    waits, the genuine request is verified. When the copy is refused at last, it takes back what it
    marked: never the genuine request's mark, so the genuine request, replayed byte for byte, is REPLAYED."""
    from chalicelib.store import key_lookup

    _, token, secret = project.issue_hmac()
    genuine = sign(token, secret)
    if copy_dated == "as the genuine request":
        copy_date = genuine.headers["x-ms-date"]
        expires = 0.0
    else:
        # 298 s ago, inside the window: a mark of this date lapses about 3 s from now.
        dated = datetime.now(UTC) - timedelta(seconds=298)
        copy_date, expires = dated.strftime(AZURE_DATE_FORMAT), dated.timestamp() + 300 + 1
    copy = genuine.as_json(
        url=genuine.target.replace("/orders", "/admin"), headers={**genuine.headers, "x-ms-date": copy_date}
    )
    assert mark_of(copy, project.pid) != mark_of(genuine, project.pid)

    real_lookup = key_lookup.lookup
    copy_reads, genuine_done = threading.Event(), threading.Event()
    copy_verdicts: list[str] = []

    def slow_for_the_copy(lookup: str) -> Any:
        if threading.current_thread() is copy_thread:
            copy_reads.set()
            assert genuine_done.wait(30), "the genuine request was never verified"
        return real_lookup(lookup)

    def send_the_copy() -> None:
        copy_verdicts.append(project.verdict(copy))

    monkeypatch.setattr(key_lookup, "lookup", slow_for_the_copy)
    cache.key_records.clear()  # a process that has not read the key's record yet
    copy_thread = threading.Thread(target=send_the_copy)
    copy_thread.start()
    try:
        assert copy_reads.wait(30)
        # The copy's mark is written beside the slow read (the write goes at once with it).
        assert poll_for_mark(mark_of(copy, project.pid), present=True), "the copy wrote no mark while reading"
        time.sleep(max(0.0, expires + 0.2 - time.time()))  # the copy's mark has lapsed, if it ever will
        assert project.verdict(genuine) == "VALID"
        assert mark_of(genuine, project.pid) in replay_marks()
    finally:
        genuine_done.set()
        copy_thread.join(timeout=60)
    assert not copy_thread.is_alive()
    assert copy_verdicts == ["INVALID_SIGNATURE"]

    # The copy took back its own mark, and only that one.
    assert mark_of(copy, project.pid) not in replay_marks()
    assert mark_of(genuine, project.pid) in replay_marks()
    # The genuine request, replayed byte for byte: refused, whether the record is cached or read.
    assert project.verdict(genuine) == "REPLAYED"
    cache.key_records.clear()
    assert project.verdict(genuine) == "REPLAYED"


def test_a_mark_is_taken_back_only_by_the_write_that_made_it(aws: None) -> None:
    """The guard behind the race above, at the store: a request takes back its mark only if the mark
    is still its own write (its random writer); another's write, made after its own lapsed, stays."""
    from chalicelib.store import replay

    mark = hashlib.sha256(b"a request of this test").hexdigest()
    at = time.time()
    assert replay.first_sighting(mark, at + 10, at, "first-writer")
    assert not replay.first_sighting(mark, at + 10, at, "second-writer")  # in force: seen already
    replay.forget(mark, "second-writer")  # not its mark: nothing happens
    assert mark in replay_marks()
    # Once lapsed, the mark is another's to write; the first writer's take-back leaves it alone.
    assert replay.first_sighting(mark, at + 20, at + 11, "second-writer")
    replay.forget(mark, "first-writer")
    assert mark in replay_marks()
    replay.forget(mark, "second-writer")
    assert mark not in replay_marks()
    replay.forget(mark, "second-writer")  # taking back a mark that is gone is no error


def poll_for_mark(mark: str, present: bool, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while (mark in replay_marks()) != present:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _client_error(code: str, operation: str) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": "unavailable (injected by the test)"}}, operation)


@pytest.mark.parametrize("failing", ["kms", "dynamodb"])
def test_a_failure_after_the_mark_is_written_takes_it_back_so_the_retry_verifies(
    project: HmacProject, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    from chalicelib.services import hmac_verification
    from chalicelib.store import key_lookup

    _, token, secret = project.issue_hmac()
    failures: list[str] = []
    if failing == "kms":
        real_open = hmac_verification.open_sealed

        def open_fails_once(sealed: str, context: Any) -> bytes:
            if not failures:
                failures.append("Decrypt")
                raise _client_error("KMSInternalException", "Decrypt")
            return real_open(sealed, context)

        monkeypatch.setattr(hmac_verification, "open_sealed", open_fails_once)
    else:
        real_lookup = key_lookup.lookup

        def read_fails_once(lookup: str) -> Any:
            if not failures:
                failures.append("GetItem")
                raise _client_error("ProvisionedThroughputExceededException", "GetItem")
            return real_lookup(lookup)

        monkeypatch.setattr(key_lookup, "lookup", read_fails_once)

    signed = sign(token, secret)
    cache.key_records.clear()  # the record must be read: the mark is written with the read
    with dynamodb_writes() as writes:
        failed = project.check(signed)
    assert failures, "nothing failed"
    assert (failed.status, failed.code) == (500, "internal_error"), failed.body
    assert failed.headers["content-type"] == "application/problem+json"
    assert writes == ["PutItem", "DeleteItem"]  # the mark was written, then taken back
    assert mark_of(signed, project.pid) not in replay_marks()

    # The client retries the very same request: it is no replay.
    assert project.verdict(signed) == "VALID"
    assert project.verdict(signed) == "REPLAYED"


def test_a_failure_before_the_mark_with_the_record_cached_writes_nothing(
    project: HmacProject, monkeypatch: pytest.MonkeyPatch, long_cache: None
) -> None:
    from chalicelib.services import hmac_verification

    _, token, secret = project.issue_hmac()
    assert project.verdict(sign(token, secret)) == "VALID"  # the key's record is now cached
    real_open = hmac_verification.open_sealed
    failures: list[str] = []

    def open_fails_once(sealed: str, context: Any) -> bytes:
        if not failures:
            failures.append("Decrypt")
            raise _client_error("KMSInternalException", "Decrypt")
        return real_open(sealed, context)

    monkeypatch.setattr(hmac_verification, "open_sealed", open_fails_once)
    signed = sign(token, secret)
    with dynamodb_writes() as writes:
        failed = project.check(signed)
    assert (failed.status, failed.code) == (500, "internal_error"), failed.body
    assert writes == []  # the signature is checked before the mark is written
    assert project.verdict(signed) == "VALID"
    assert project.verdict(signed) == "REPLAYED"


def test_bypass_attempts_never_fail_the_service(api: Api, project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    signed = sign(token, secret)
    attempts: list[dict[str, Any]] = [
        signed.as_json(method="GET\n/admin"),
        signed.as_json(method="GÉT"),
        signed.as_json(method="G T"),
        signed.as_json(url="orders"),
        signed.as_json(url="//evil.example/orders"),
        signed.as_json(url="http://"),
        signed.as_json(url="ftp://api.example.com/orders"),
        signed.as_json(url="https://[::1/orders"),
        signed.as_json(url="/orders\n?x=1"),
        signed.as_json(url="/orders\x00"),
        signed.as_json(url="/ördérs"),
        signed.as_json(url="/orders#fragment"),
        signed.as_json(url="/" + "a" * 8000),
        signed.with_headers(host="\x00"),
        signed.with_headers(host="a" * 8192),
        signed.with_headers(authorization="HMAC-SHA256 Credential=" + "k" * 8000),
        signed.with_headers(authorization=signed.headers["authorization"].replace("HMAC", "\uff28MAC")),
        signed.with_headers(**{"x-ms-date": "Mon, 23 Nov 2026 10:00:00 GMT\x00"}),
        signed.with_headers(**{"x-ms-date": "9" * 64}),
        signed.with_headers(**{"x-ms-date": "Fri, 31 Dec 9999 23:59:60 GMT"}),
        signed.with_headers(**{"x-ms-date": "Mon, 01 Jan 0000 00:00:00 GMT"}),
        signed.with_headers(**{"x-ms-content-sha256": "=" * 44}),
        signed.as_json(body="=" * 4),
        signed.as_json(body="A" * 100_000),
    ]
    for attempt in attempts:
        reply = project.check(attempt)
        assert reply.status == 200, (attempt, reply.status, reply.body[:300])
        assert reply.json["valid"] is False, attempt
        assert reply.json["code"] in ("MALFORMED", "INVALID_SIGNATURE", "STALE_REQUEST"), (attempt, reply.json)
    # Raw JSON the schema cannot hold: problems, never 5xx.
    auth = {"authorization": f"Bearer {project.service_key}"}
    for raw in (
        b'{"method": "GET", "url": "/", "headers": {"host": 5}}',
        b'{"method": "GET", "url": "/", "headers": ["host"]}',
        b'{"method": "", "url": "/", "headers": {}}',
        b'{"method": "GET", "url": "/", "headers": {}, "body": 5}',
        b'{"method": "GET", "url": "/", "headers": {}, "permissions": ["Bad Perm"]}',
        b'{"method": "GET", "url": "/", "headers": {"host": "a", "host": "b"}}',
        b"[]",
        b"{",
        b'"\xff"',
    ):
        reply = api.request("POST", "/v1/hmac/verify", body=raw, headers=auth)
        assert reply.status < 500, (raw, reply.status, reply.body[:300])
        assert reply.status == 200 or reply.headers["content-type"] == "application/problem+json", raw
    assert project.verdict(sign(token, secret)) == "VALID"  # the key still works after all that


# --- the key's state ------------------------------------------------------------------------


def test_revoked_and_expired_keys(api: Api, project: HmacProject, long_cache: None) -> None:
    key, token, secret = project.issue_hmac()
    assert project.verdict(sign(token, secret)) == "VALID"  # now cached
    assert api.delete(f"/v1/projects/{project.pid}/keys/{key['id']}", as_user="ann").status == 204
    revoked = sign(token, secret)
    assert project.verdict(revoked) == "REVOKED"
    assert project.verdict(revoked) == "REPLAYED"  # refused after its signature was proven: spent
    assert project.verdict(sign(token, secret), ["nothing:held"]) == "REVOKED"
    # A revoked key's secret still proves nothing new: a wrong signature is said first.
    assert project.verdict(sign(token, base64.b64encode(b"x" * 32).decode())) == "INVALID_SIGNATURE"

    short, short_token, short_secret = project.issue_hmac(ttl_seconds=1)
    assert project.verdict(sign(short_token, short_secret)) == "VALID"
    # expires_at is rounded up to a whole second: up to 2 s after the key was issued.
    expires = datetime.fromisoformat(short["expires_at"]).timestamp()
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    assert project.verdict(sign(short_token, short_secret)) == "EXPIRED"


def test_reroll_gives_a_new_token_and_secret(api: Api, project: HmacProject, long_cache: None) -> None:
    first, first_token, first_secret = project.issue_hmac(meta={"n": 1})
    assert project.verdict(sign(first_token, first_secret)) == "VALID"
    rerolled = api.post(f"/v1/projects/{project.pid}/keys/{first['id']}/reroll", {"grace_seconds": 3600}, as_user="ann")
    assert rerolled.status in (200, 201), rerolled.body
    second, shown = rerolled.json["key"], rerolled.json["secret"]
    assert set(shown) == {"token", "secret"} and second["type"] == "hmac"
    second_token, second_secret = shown["token"], shown["secret"]
    assert checksum_ok(second_token) and len(base64.b64decode(second_secret)) == 32
    assert second_token != first_token and second_secret != first_secret
    assert second["hint"] == "kwh_..." + second_token[-4:]

    # During the grace period both work, each with its own secret only.
    assert project.verdict(sign(first_token, first_secret)) == "VALID"
    new = project.check(sign(second_token, second_secret))
    assert (new.json["code"], new.json["key_id"], new.json["meta"]) == ("VALID", second["id"], {"n": 1})
    assert project.verdict(sign(second_token, first_secret)) == "INVALID_SIGNATURE"
    assert project.verdict(sign(first_token, second_secret)) == "INVALID_SIGNATURE"

    # Without grace the old one stops at once.
    third = api.post(f"/v1/projects/{project.pid}/keys/{second['id']}/reroll", {"grace_seconds": 0}, as_user="ann")
    assert third.status in (200, 201), third.body
    assert project.verdict(sign(second_token, second_secret)) == "EXPIRED"
    assert project.verdict(sign(third.json["secret"]["token"], third.json["secret"]["secret"])) == "VALID"
    assert project.verdict(sign(first_token, first_secret)) == "VALID"  # still within its own grace


def test_owner_who_loses_the_right_and_gets_it_back(api: Api, project: HmacProject, long_cache: None) -> None:
    _, token, secret = project.issue_hmac(owner_id="dave")
    _, own_token, own_secret = project.issue_hmac()
    member = f"/v1/projects/{project.pid}/members/dave"
    assert project.verdict(sign(token, secret)) == "VALID"  # cached for 600 s

    assert api.put(member, {"role": "viewer"}, as_user="ann").status == 200
    refused = project.check(sign(token, secret))
    assert (refused.json["code"], refused.json["owner_id"]) == ("OWNER_NOT_PERMITTED", "dave")
    assert api.put(member, {"role": "developer"}, as_user="ann").status == 200
    assert project.verdict(sign(token, secret)) == "VALID"

    assert api.delete(member, as_user="ann").status == 204
    assert project.verdict(sign(token, secret)) == "OWNER_NOT_PERMITTED"
    assert api.put(member, {"role": "editor"}, as_user="ann").status == 200
    assert project.verdict(sign(token, secret)) == "VALID"
    assert project.verdict(sign(own_token, own_secret)) == "VALID"


# --- cost on the hot path ---------------------------------------------------------------------


def test_a_warm_process_opens_the_secret_without_kms(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    # As a fresh process: nothing cached of the key or its data key.
    cache.key_records.clear()
    envelope.data_keys.clear()
    with kms_calls() as calls:
        assert project.verdict(sign(token, secret)) == "VALID"
        assert calls == ["Decrypt"]  # the counter sees KMS calls: the cold one opens the data key
        calls.clear()
        assert project.verdict(sign(token, secret)) == "VALID"
        assert project.verdict(sign(token, secret, "POST", fresh_target(), b"x")) == "VALID"
        assert calls == []
        # Even when the lookup record is read again (its cache timed out), the data key is still known.
        cache.key_records.clear()
        assert project.verdict(sign(token, secret)) == "VALID"
        assert calls == []


# --- the endpoint's own errors ------------------------------------------------------------------


def test_wrong_authentication_and_schema_violations_are_problems(api: Api, project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    payload = sign(token, secret).as_json()
    for headers in (
        {},
        {"authorization": "Bearer " + api.token("ann")},
        {"authorization": f"Bearer {token}"},
        {"authorization": f"Bearer {project.service_key}x"},
        {"authorization": project.service_key},
    ):
        reply = api.post("/v1/hmac/verify", payload, headers=headers)
        assert (reply.status, reply.code) == (401, "unauthenticated"), headers
        assert reply.headers["content-type"] == "application/problem+json"
    reply = api.post("/v1/hmac/verify", payload, as_user="ann")
    assert (reply.status, reply.code) == (401, "unauthenticated")

    for missing in ("method", "url", "headers"):
        body = {name: value for name, value in payload.items() if name != missing}
        reply = project.check(body)
        assert (reply.status, reply.code) == (422, "validation_failed"), missing
        assert reply.headers["content-type"] == "application/problem+json"
        assert any(error["field"].startswith(missing) for error in reply.json["errors"]), reply.json
    for field, value in (("url", ""), ("method", ""), ("headers", {"h": "v" * 8193}), ("permissions", ["Not OK"])):
        reply = project.check({**payload, field: value})
        assert (reply.status, reply.code) == (422, "validation_failed"), field
    # The genuine request was never verified by any of these.
    assert project.verdict(payload) == "VALID"


# --- what real clients send --------------------------------------------------------------------


def test_two_identical_requests_a_moment_apart_both_verify(project: HmacProject) -> None:
    # The signer's date carries microseconds: the same request twice within a second is two signatures.
    _, token, secret = project.issue_hmac()
    time.sleep(1.02 - time.time() % 1)  # just past a second boundary: both are signed within one second
    first = sign_request(token, secret, "GET", ORIGIN + "/orders?limit=5")
    second = sign_request(token, secret, "GET", ORIGIN + "/orders?limit=5")
    assert first["x-ms-date"][:-11] == second["x-ms-date"][:-11]  # the same second (`.ffffff GMT` aside)
    assert project.verdict(Signed("GET", "/orders?limit=5", first)) == "VALID"
    assert project.verdict(Signed("GET", "/orders?limit=5", second)) == "VALID"
    assert project.verdict(Signed("GET", "/orders?limit=5", second)) == "REPLAYED"


def test_the_client_signs_an_empty_query_as_urllib_sends_it(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    url = ORIGIN + "/orders?"
    sent_target = urllib.request.Request(url).selector  # noqa: S310 (https, built here; never opened)
    assert sent_target == "/orders?"
    assert project.verdict(Signed("GET", sent_target, sign_request(token, secret, "GET", url))) == "VALID"
    # Received as an absolute URL, the empty `?` is kept too; without it, it is another request.
    again = sign_request(token, secret, "GET", url)
    assert project.verdict(Signed("GET", "/orders", again)) == "INVALID_SIGNATURE"
    assert project.verdict(Signed("GET", url, again)) == "VALID"
    root = sign_request(token, secret, "GET", ORIGIN + "?")
    assert project.verdict(Signed("GET", ORIGIN + "?", root)) == "VALID"


def test_the_scheme_name_is_case_insensitive(project: HmacProject) -> None:
    # RFC 9110 §11.1: an authentication scheme's name is matched case-insensitively.
    _, token, secret = project.issue_hmac()
    for scheme in ("hmac-sha256", "Hmac-Sha256", "HMAC-sha256"):
        signed = sign(token, secret)
        authorization = signed.headers["authorization"].replace("HMAC-SHA256 ", scheme + " ", 1)
        assert authorization.startswith(scheme + " Credential=")
        assert project.verdict(signed.with_headers(authorization=authorization)) == "VALID", scheme
    # The parameters' names are not the scheme's: they stay as the scheme writes them.
    signed = sign(token, secret)
    lower = signed.headers["authorization"].replace("Credential=", "credential=")
    assert project.verdict(signed.with_headers(authorization=lower)) == "MALFORMED"
    assert project.verdict(signed) == "VALID"


def test_any_http_method_token_is_signed_and_verified(project: HmacProject) -> None:
    # RFC 9110 §9.1: a method is a token; M-SEARCH (UPnP) is one. Tokens are case-sensitive.
    _, token, secret = project.issue_hmac()
    for method in ("M-SEARCH", "PROPFIND", "X_CUSTOM.1"):
        assert project.verdict(sign(token, secret, method)) == "VALID", method
    now_text = datetime.now(UTC).strftime(AZURE_DATE_FORMAT)
    for method in ("m-search", "Propfind", "x_custom.1"):
        exactly = sign_with_date_text(token, secret, now_text, method=method)
        for other_case in (method.upper(), method.lower(), method.swapcase()):
            if other_case != method:
                assert project.verdict(exactly.as_json(method=other_case)) == "INVALID_SIGNATURE", other_case
        assert project.verdict(exactly) == "VALID", method
    signed = sign(token, secret, "M-SEARCH")
    assert project.verdict(signed.as_json(method="m-search")) == "INVALID_SIGNATURE"
    for not_a_token in ("M SEARCH", " M-SEARCH", "M-SEARCH ", "M-SEARCH\t", "M(SEARCH)", "M,SEARCH"):
        assert project.verdict(signed.as_json(method=not_a_token)) == "MALFORMED", repr(not_a_token)
    assert project.verdict(signed.as_json(method="GET")) == "INVALID_SIGNATURE"
    assert project.verdict(signed) == "VALID"


def test_an_absolute_url_must_name_the_host_that_was_signed(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    signed = sign(token, secret)
    for url in (
        "https://evil.example" + signed.target,
        "https://api.example.com:443" + signed.target,
        "https://user@api.example.com" + signed.target,
        "https://api.example.com.evil.example" + signed.target,
        ORIGIN + signed.target + "#fragment",
        ORIGIN + signed.target + "#",
        "https://api.example.com#" + signed.target,
    ):
        assert project.verdict(signed.as_json(url=url)) == "MALFORMED", url
    # The authority is compared case-insensitively, with either scheme.
    assert project.verdict(signed.as_json(url="HTTP://API.Example.COM" + signed.target)) == "VALID"
    # With a port, the host header says the same port.
    ported = sign_request(token, secret, "GET", "https://api.example.com:8443/orders?n=ported")
    assert ported["host"] == "api.example.com:8443"
    assert project.verdict(Signed("GET", ORIGIN + "/orders?n=ported", ported)) == "MALFORMED"
    assert project.verdict(Signed("GET", "https://api.example.com:8443/orders?n=ported", ported)) == "VALID"


# A regression: urlsplit strips leading blanks and drops tabs and newlines, and the service once
# sliced the text it was given at offsets of what urlsplit had parsed.


def test_an_absolute_url_is_taken_as_written_or_refused(project: HmacProject) -> None:
    _, token, secret = project.issue_hmac()
    # A signature over `/m/orders...` (the `m` of `.com`), presented with a URL that says `/orders...`.
    target = fresh_target()
    signed = sign(token, secret, target="/m" + target)
    for url in (" " + ORIGIN + target, "ht\ttps://" + HOST + target):
        assert project.verdict(signed.as_json(url=url)) == "MALFORMED", repr(url)
