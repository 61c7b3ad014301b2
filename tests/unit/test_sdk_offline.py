"""The SDK's offline rules against the service's own: the same permission matching, the same
opaque checksum, the same refusal of JWTs; and the state that decides when the SDK may trust
a JWT key without asking (keywarden._trust, keywarden._answers)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256
from hypothesis import given
from hypothesis import strategies as st
from keywarden import _jwt
from keywarden._answers import Answers, fingerprint
from keywarden._feed import KeyChangesFeed
from keywarden._opaque import checksum_ok
from keywarden._trust import TrustState, Vouched
from keywarden.httpx_auth import HmacAuth
from keywarden.signing import signature
from keywarden.verification import Verification, holds
from keywarden.verifier import Verifier

from chalicelib.domain import verification as service
from chalicelib.domain.opaque_keys import generate

permission = st.text(alphabet="ab:*.", min_size=1, max_size=6)


@given(st.lists(permission, max_size=4), permission)
def test_permissions_match_as_the_service_matches_them(granted: list[str], wanted: str) -> None:
    assert holds(granted, wanted) == service.holds(granted, wanted)


def test_a_valid_verdict_lacking_a_permission_becomes_insufficient_permissions() -> None:
    verdict = Verification(valid=True, code="VALID", permissions=("orders:*",))
    assert verdict.requiring(["orders:read"]) is verdict
    lacking = verdict.requiring(["orders:read", "users:read"])
    assert (lacking.valid, lacking.code) == (False, "INSUFFICIENT_PERMISSIONS")
    revoked = Verification(valid=False, code="REVOKED")
    assert revoked.requiring(["x"]).code == "REVOKED"


def test_opaque_checksums_are_the_services() -> None:
    for _ in range(200):
        key = generate()
        assert checksum_ok(key)
        typo = key[:10] + ("A" if key[10] != "A" else "B") + key[11:]
        assert not checksum_ok(typo)
    assert not checksum_ok("kw_")
    assert not checksum_ok("kw_ééééééééééé")


# The order n of P-256's group, written out here (not taken from the SDK) so that the twin test
# below checks the SDK's value: a wrong n here would make the twin fail to verify.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _signature(token: str) -> tuple[int, int]:
    raw = base64.urlsafe_b64decode(token.rsplit(".", 1)[1] + "==")
    return int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")


def _with_s(token: str, s: int) -> str:
    """`token` with the `s` of its signature replaced."""
    r, _ = _signature(token)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return token.rsplit(".", 1)[0] + "." + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _signed(key: ec.EllipticCurvePrivateKey, **claims: object) -> str:
    """A token as the service mints it: our header and claims, signed low-S (ECDSA gives either form)."""
    body = {"iss": "urn:test", "aud": "prj_1", "sub": "ann", "jti": "key_1", **claims}
    text = jwt.encode(body, key, algorithm="ES256", headers={"kid": "k1", "typ": "apikey+jwt"})
    _, s = _signature(text)
    return _with_s(text, min(s, P256_ORDER - s))


def _token(key: ec.EllipticCurvePrivateKey, **claims: object) -> _jwt.Token:
    parsed = _jwt.parse(_signed(key, **claims))
    assert parsed is not None
    return parsed


def test_jwt_claims_are_refused_with_the_services_codes() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    ok = _jwt.verified_claims(_token(key, exp=time.time() + 60), public, "prj_1", "urn:test", time.time())
    assert ok["jti"] == "key_1"
    cases = {
        "EXPIRED": _token(key, exp=time.time() - 1),
        "NOT_FOUND": _token(key, aud="prj_2"),
        "INVALID_SIGNATURE": _token(key, iss="urn:elsewhere"),
        "MALFORMED": _token(key, exp="tomorrow"),
    }
    for code, token in cases.items():
        with pytest.raises(_jwt.Refused) as refused:
            _jwt.verified_claims(token, public, "prj_1", "urn:test", time.time())
        assert refused.value.code == code
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(_jwt.Refused, match="INVALID_SIGNATURE"):
        _jwt.verified_claims(_token(key), other, "prj_1", "urn:test", time.time())


def test_the_high_s_twin_of_a_vouched_token_is_refused_offline() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    token = _signed(key)
    r, s = _signature(token)
    twin = _with_s(token, P256_ORDER - s)
    # The twin's signature is as valid as the original's: only the low-S rule tells them apart.
    signing_input = token.rsplit(".", 1)[0].encode("ascii")
    key.public_key().verify(encode_dss_signature(r, P256_ORDER - s), signing_input, ec.ECDSA(SHA256()))
    jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"kid": "k1"}
    asked: list[str] = []

    def service(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/verifier":
            settings = {"project_id": "prj_1", "issuer": "urn:test", "jwks_uri": "/jwks", "key_changes_uri": "/feed"}
            return httpx.Response(200, json=settings | {"cache_ttl_seconds": 5})
        if request.url.path == "/jwks":
            return httpx.Response(200, json={"keys": [jwk]})
        if request.url.path == "/feed":
            return httpx.Response(200, json={"items": [], "next_cursor": None})
        asked.append(json.loads(request.content)["key"])
        return httpx.Response(200, json={"valid": True, "code": "VALID", "key_id": "key_1", "owner_id": "ann"})

    # No kept answers: every verdict after the first is the offline JWT check's.
    transport = httpx.MockTransport(service)
    with Verifier("https://keys.test", "kws_test", cache_ttl=0, poll_interval=3600, transport=transport) as verifier:
        assert verifier.verify(token).valid  # the service vouches for the key once
        assert verifier.verify(token).offline  # and its token verifies offline from then on
        verdict = verifier.verify(twin)
    assert (verdict.valid, verdict.code) == (False, "INVALID_SIGNATURE")
    assert asked == [token]  # the twin was refused offline, not asked about


def test_only_es256_tokens_of_our_type_are_parsed() -> None:
    hs = jwt.encode({"jti": "k"}, "secret-of-at-least-32-bytes-length!", algorithm="HS256", headers={"kid": "k1"})
    assert _jwt.parse(hs) is None
    key = ec.generate_private_key(ec.SECP256R1())
    plain = jwt.encode({"jti": "k"}, key, algorithm="ES256", headers={"kid": "k1"})  # typ JWT
    assert _jwt.parse(plain) is None
    assert _jwt.parse("a.b.c") is None
    assert _jwt.parse("..") is None


def test_the_jwks_keeps_only_p256_signing_keys_for_its_max_age() -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    jwk = jwt.algorithms.ECAlgorithm.to_jwk(key, as_dict=True) | {"kid": "k1"}
    keys = _jwt.SigningKeys()
    keys.load({"keys": [jwk, jwk | {"kid": "enc", "use": "enc"}, {"kty": "RSA", "kid": "r"}, "junk"]}, "max-age=60")
    assert keys.key("k1") is not None and keys.key("enc") is None and keys.key("r") is None
    assert 59 < keys.fresh_until - time.monotonic() <= 60
    assert _jwt.max_age("public, max-age=300") == 300
    assert _jwt.max_age(None) == _jwt.DEFAULT_MAX_AGE
    assert _jwt.max_age("no-store") == _jwt.MIN_MAX_AGE
    assert _jwt.max_age("max-age=0") == _jwt.MIN_MAX_AGE


def test_a_change_heard_of_keeps_answers_from_vouching_until_the_services_cache_has_turned() -> None:
    state = TrustState()
    ttl = 0.3
    state.vouch("key_1", Vouched(None, "ann"), time.monotonic(), ttl)
    assert "key_1" in state.vouched

    state.owner_changed("ann", service_cache_ttl=ttl)
    assert "key_1" not in state.vouched
    state.vouch("key_1", Vouched(None, "ann"), time.monotonic(), ttl)  # asked too soon: the service may be stale
    assert "key_1" not in state.vouched
    time.sleep(0.35)
    state.vouch("key_1", Vouched(None, "ann"), time.monotonic(), ttl)
    assert "key_1" in state.vouched

    state.key_changed(["key_1"], service_cache_ttl=ttl)
    assert "key_1" not in state.vouched
    state.revoked(["key_1"])
    time.sleep(0.35)
    state.vouch("key_1", Vouched(None, "ann"), time.monotonic(), ttl)
    assert "key_1" not in state.vouched and state.refused["key_1"] == "REVOKED"  # for good


def test_a_slow_answer_does_not_vouch_even_after_the_doubt_is_forgotten() -> None:
    state = TrustState()
    asked_at = time.monotonic()
    state.owner_changed("ann", service_cache_ttl=0.1)  # heard while the request was on its way
    time.sleep(0.15)
    state.forget_doubts()
    state.vouch("key_1", Vouched(None, "ann"), asked_at, 0.1)
    assert "key_1" not in state.vouched


def test_the_feed_reads_back_past_the_services_cache_bound_and_notices_a_skewed_clock() -> None:
    service_now = datetime.now(UTC) + timedelta(seconds=30)  # the service's clock runs 30 s ahead
    asked: list[str] = []

    def get(path: str, params: Mapping[str, str]) -> httpx.Response:
        asked.append(params["since"])
        date = format_datetime(service_now, usegmt=True)
        return httpx.Response(200, json={"items": [], "next_cursor": None}, headers={"date": date})

    feed = KeyChangesFeed("/feed", TrustState(), service_cache_ttl=120, service_now=service_now)
    feed.poll(get, time.monotonic())
    first = datetime.fromisoformat(asked[0])
    assert timedelta(seconds=124) <= service_now - first <= timedelta(seconds=126)  # 120 s + 5, not 60
    assert 28 <= feed.skew <= 31


def test_kept_answers_expire_and_are_dropped_by_key_and_owner() -> None:
    answers = Answers(ttl=0.2)
    verdict = Verification(valid=True, code="VALID", key_id="key_1", owner_id="ann")
    mark = fingerprint("kw_secret")
    answers.put(mark, verdict, time.monotonic())
    assert answers.get(mark) is verdict
    answers.drop_owner("ann")
    assert answers.get(mark) is None
    answers.put(mark, verdict, time.monotonic())
    answers.drop_key("key_1")
    assert answers.get(mark) is None
    answers.put(mark, verdict, time.monotonic())
    time.sleep(0.25)
    assert answers.get(mark) is None
    Answers(ttl=0).put(mark, verdict, time.monotonic())  # a TTL of 0 keeps nothing


def test_the_httpx_signer_signs_the_request_as_sent() -> None:
    secret = "c2VjcmV0LWtleS1vZi10aGlydHktdHdvLWJ5dGVzISE="
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(record), auth=HmacAuth("kwh_token", secret)) as client:
        client.post("https://API.example.com:8443/orders", params={"q": "green tea", "n": "1"}, content=b'{"a":1}')
    request = seen[0]
    assert request.headers["host"] == "api.example.com:8443"
    target = request.url.raw_path.decode()
    assert target == "/orders?q=green+tea&n=1"
    expected = signature(
        secret,
        "POST",
        target,
        request.headers["x-ms-date"],
        "api.example.com:8443",
        request.headers["x-ms-content-sha256"],
    )
    assert request.headers["authorization"].endswith(f"&Signature={expected}")
    assert request.headers["authorization"].startswith("HMAC-SHA256 Credential=kwh_token&SignedHeaders=")
    assert datetime.now(UTC).year == int(request.headers["x-ms-date"].split()[2])
