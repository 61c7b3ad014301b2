"""People's tokens: OIDC verification against a real JWKS served on loopback, and the Bearer header.

The identity provider here is an `http.server` on 127.0.0.1 that serves a JWKS of keys made
for the test and counts how often it is asked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from chalicelib.auth.local_issuer import local_issuer
from chalicelib.auth.oidc import JwksCache, OidcVerifier
from chalicelib.auth.people import authenticate_person
from chalicelib.config import load_settings
from chalicelib.errors import UnauthenticatedError

AUDIENCE = "keywarden"
ISSUER = "https://idp.example.test/"
ALGORITHMS = ("RS256", "ES256")


# --- the identity provider ---------------------------------------------------------------


class Idp:
    """A JWKS endpoint on loopback; `document`, `status` and `body` say what it answers."""

    def __init__(self) -> None:
        self.document: Any = {"keys": []}
        self.status = 200
        self.body: bytes | None = None  # raw bytes instead of `document`
        self.requests = 0
        self._lock = threading.Lock()
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with idp._lock:
                    idp.requests += 1
                body = idp.body if idp.body is not None else json.dumps(idp.document).encode()
                self.send_response(idp.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll interval: `shutdown()` waits for the serving loop to notice it.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/.well-known/jwks.json"

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()


class Clock:
    """The JWKS cache's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class SigningKey:
    def __init__(self, private_key: Any, alg: str, kid: str, jwk_alg: str | None) -> None:
        self.private_key = private_key
        self.alg = alg
        self.kid = kid
        to_jwk = ECAlgorithm.to_jwk if alg.startswith("ES") else RSAAlgorithm.to_jwk
        self.jwk: dict[str, Any] = {**to_jwk(private_key.public_key(), as_dict=True), "kid": kid, "use": "sig"}
        if jwk_alg:
            self.jwk["alg"] = jwk_alg

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def es256(ec_key: ec.EllipticCurvePrivateKey) -> SigningKey:
    return SigningKey(ec_key, "ES256", "ec-1", "ES256")


@pytest.fixture
def rs256(rsa_key: rsa.RSAPrivateKey) -> SigningKey:
    return SigningKey(rsa_key, "RS256", "rsa-1", "RS256")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # urllib honours proxy variables; loopback must be reached directly.
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def idp(es256: SigningKey, rs256: SigningKey) -> Iterator[Idp]:
    server = Idp()
    server.document = {"keys": [es256.jwk, rs256.jwk]}
    yield server
    server.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def verifier(idp: Idp, clock: Clock) -> OidcVerifier:
    return OidcVerifier(ISSUER, AUDIENCE, JwksCache(idp.url, clock=clock), ALGORITHMS)


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "ann",
        "iat": now - 10,
        "exp": now + 600,
        "auth_time": now - 10,
        "groups": ["dev"],
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def _token(key: SigningKey, kid: str | None = None, **claims: Any) -> str:
    return jwt.encode(_claims(**claims), key.private_key, algorithm=key.alg, headers={"kid": kid or key.kid})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _handmade(header: dict[str, Any], claims: dict[str, Any], sign: Any = None) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = sign(signing_input.encode()) if sign else b""
    return f"{signing_input}.{_b64(signature)}"


# --- what passes -------------------------------------------------------------------------


@pytest.mark.parametrize("key_name", ["es256", "rs256"])
def test_valid_token_passes_and_returns_its_claims(
    key_name: str, request: pytest.FixtureRequest, verifier: OidcVerifier
) -> None:
    key: SigningKey = request.getfixturevalue(key_name)
    claims = verifier.verify(_token(key, sub="auth0|ann", groups=["ops"]))
    assert claims["sub"] == "auth0|ann"
    assert claims["groups"] == ["ops"]
    assert claims["iss"] == ISSUER and claims["aud"] == AUDIENCE


def test_token_expired_within_the_60_second_leeway_passes(verifier: OidcVerifier, es256: SigningKey) -> None:
    now = int(time.time())
    assert verifier.verify(_token(es256, iat=now - 600, exp=now - 30))["sub"] == "ann"


# --- what is refused ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "someone-else"},
        {"aud": ["someone-else", "another"]},
        {"iss": "https://evil.example.test/"},
        {"iss": ISSUER.rstrip("/")},
        {"exp": None},
        {"sub": None},
        {"iss": None},
        {"aud": None},
    ],
    ids=[
        "wrong-aud",
        "aud-list-without-us",
        "wrong-iss",
        "iss-without-slash",
        "no-exp",
        "no-sub",
        "no-iss",
        "no-aud",
    ],
)
def test_token_with_wrong_claims_is_unauthenticated(
    claims: dict[str, Any], verifier: OidcVerifier, es256: SigningKey
) -> None:
    with pytest.raises(UnauthenticatedError) as raised:
        verifier.verify(_token(es256, **claims))
    assert raised.value.headers() == {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def test_token_expired_more_than_60_seconds_ago_is_refused(verifier: OidcVerifier, es256: SigningKey) -> None:
    now = int(time.time())
    with pytest.raises(UnauthenticatedError):
        # 65 rather than 61: a margin so that the second boundary cannot decide the outcome.
        verifier.verify(_token(es256, iat=now - 600, exp=now - 65))


def test_token_signed_by_another_key_with_a_known_kid_is_refused(verifier: OidcVerifier, es256: SigningKey) -> None:
    impostor = SigningKey(ec.generate_private_key(ec.SECP256R1()), "ES256", es256.kid, "ES256")
    with pytest.raises(UnauthenticatedError):
        verifier.verify(_token(impostor))


def test_tampered_claims_are_refused(verifier: OidcVerifier, es256: SigningKey) -> None:
    header, _, signature = _token(es256).split(".")
    forged_claims = _b64(json.dumps(_claims(sub="root", groups=["keywarden-admins"])).encode())
    with pytest.raises(UnauthenticatedError):
        verifier.verify(f"{header}.{forged_claims}.{signature}")


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_unsigned_alg_none_token_is_refused(alg: str, verifier: OidcVerifier, es256: SigningKey) -> None:
    token = _handmade({"alg": alg, "typ": "JWT", "kid": es256.kid}, _claims())
    with pytest.raises(UnauthenticatedError):
        verifier.verify(token)


@pytest.mark.parametrize("key_name", ["rs256", "es256"])
def test_hs256_token_keyed_with_the_public_key_is_refused(
    key_name: str, request: pytest.FixtureRequest, verifier: OidcVerifier
) -> None:
    # The classic confusion attack: the public key, which anyone can fetch, used as an HMAC secret.
    key: SigningKey = request.getfixturevalue(key_name)
    secret = key.public_pem()
    token = _handmade(
        {"alg": "HS256", "typ": "JWT", "kid": key.kid},
        _claims(sub="root", groups=["keywarden-admins"]),
        lambda data: hmac.new(secret, data, hashlib.sha256).digest(),
    )
    with pytest.raises(UnauthenticatedError):
        verifier.verify(token)


def test_validly_signed_token_in_an_algorithm_outside_the_allowlist_is_refused(idp: Idp, clock: Clock) -> None:
    rs512 = SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS512", "rsa-512", "RS512")
    idp.document = {"keys": [rs512.jwk]}
    token = _token(rs512)
    with pytest.raises(UnauthenticatedError):
        OidcVerifier(ISSUER, AUDIENCE, JwksCache(idp.url, clock=clock), ALGORITHMS).verify(token)
    # The same token is fine where RS512 is allowed: the allowlist alone refused it above.
    assert OidcVerifier(ISSUER, AUDIENCE, JwksCache(idp.url, clock=clock), ("RS512",)).verify(token)["sub"] == "ann"


@pytest.mark.parametrize(
    "token",
    ["", "not-a-jwt", "a.b.c", "e30.e30.", "eyJhbGciOiJFUzI1NiJ9.e30.AAAA"],
    ids=["empty", "no-dots", "garbage-parts", "empty-header", "no-kid"],
)
def test_malformed_tokens_are_unauthenticated(token: str, verifier: OidcVerifier) -> None:
    with pytest.raises(UnauthenticatedError):
        verifier.verify(token)


def test_unknown_kid_is_unauthenticated(verifier: OidcVerifier, es256: SigningKey) -> None:
    with pytest.raises(UnauthenticatedError):
        verifier.verify(_token(es256, kid="no-such-key"))


def test_token_alg_must_match_the_published_key(verifier: OidcVerifier, es256: SigningKey, rs256: SigningKey) -> None:
    # Signed by the RSA key but naming the EC key's kid: the EC key cannot verify it.
    with pytest.raises(UnauthenticatedError):
        verifier.verify(_token(rs256, kid=es256.kid))


# --- the JWKS cache ----------------------------------------------------------------------


def test_jwks_is_fetched_once_for_many_verifications(
    idp: Idp, verifier: OidcVerifier, clock: Clock, es256: SigningKey, rs256: SigningKey
) -> None:
    for _ in range(10):
        verifier.verify(_token(es256))
        verifier.verify(_token(rs256))
        clock.now += 10  # 200 s in all: well inside the cache's max age
    assert idp.requests == 1


def test_unknown_kids_refetch_at_most_once_per_refetch_interval(
    idp: Idp, verifier: OidcVerifier, clock: Clock, es256: SigningKey
) -> None:
    verifier.verify(_token(es256))
    assert idp.requests == 1

    for i in range(20):
        with pytest.raises(UnauthenticatedError):
            verifier.verify(_token(es256, kid=f"made-up-{i}"))
        clock.now += 1
    assert idp.requests == 1  # 20 s: inside the 30 s refetch interval

    clock.now += 15
    for i in range(20):
        with pytest.raises(UnauthenticatedError):
            verifier.verify(_token(es256, kid=f"made-up-again-{i}"))
    assert idp.requests == 2

    verifier.verify(_token(es256))  # a known kid does not refetch
    assert idp.requests == 2


def test_a_key_the_issuer_rotates_in_is_picked_up_after_the_refetch_interval(
    idp: Idp, verifier: OidcVerifier, clock: Clock, es256: SigningKey
) -> None:
    verifier.verify(_token(es256))
    new_key = SigningKey(ec.generate_private_key(ec.SECP256R1()), "ES256", "ec-2", "ES256")
    idp.document = {"keys": [es256.jwk, new_key.jwk]}

    clock.now += 31
    assert verifier.verify(_token(new_key))["sub"] == "ann"
    assert idp.requests == 2


def test_a_key_the_issuer_withdraws_stops_working_once_the_cache_is_stale(
    idp: Idp, verifier: OidcVerifier, clock: Clock, es256: SigningKey, rs256: SigningKey
) -> None:
    verifier.verify(_token(es256))
    idp.document = {"keys": [rs256.jwk]}
    clock.now += 601
    with pytest.raises(UnauthenticatedError):
        verifier.verify(_token(es256))
    assert verifier.verify(_token(rs256))["sub"] == "ann"


def test_jwks_server_down_rejects_tokens_with_unauthenticated(
    idp: Idp, verifier: OidcVerifier, es256: SigningKey
) -> None:
    idp.stop()
    with pytest.raises(UnauthenticatedError):
        verifier.verify(_token(es256))


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, b'{"error": "down"}'),
        (503, b"<html>maintenance</html>"),
        (200, b"<html>login page</html>"),
        (200, b"[]"),
        (200, b'{"keys": "nope"}'),
        (200, b'{"keys": [42, "x", null]}'),
    ],
    ids=["500", "503-html", "html", "json-list", "keys-not-a-list", "keys-not-objects"],
)
def test_broken_jwks_answer_rejects_tokens_with_unauthenticated(
    status: int, body: bytes, idp: Idp, verifier: OidcVerifier, es256: SigningKey
) -> None:
    idp.status, idp.body = status, body
    with pytest.raises(UnauthenticatedError):
        verifier.verify(_token(es256))


def test_jwks_outage_keeps_the_keys_already_fetched(
    idp: Idp, verifier: OidcVerifier, clock: Clock, es256: SigningKey
) -> None:
    verifier.verify(_token(es256))
    idp.stop()
    clock.now += 3600  # long past max age: the cache tries to refresh, and cannot
    assert verifier.verify(_token(es256))["sub"] == "ann"


def test_a_key_of_an_unusable_type_does_not_hide_the_other_keys(
    idp: Idp, verifier: OidcVerifier, es256: SigningKey
) -> None:
    # Identity providers publish encryption keys beside signing keys; X25519 is one PyJWT cannot load.
    x25519 = {"kty": "OKP", "crv": "X25519", "use": "enc", "kid": "enc-1", "x": _b64(b"\x09" * 32)}
    idp.document = {"keys": [x25519, es256.jwk]}
    assert verifier.verify(_token(es256))["sub"] == "ann"


def test_rsa_key_published_without_alg_verifies_any_allowed_rsa_algorithm(
    idp: Idp, clock: Clock, rsa_key: rsa.RSAPrivateKey
) -> None:
    # RFC 7517 4.4: `alg` is optional in a JWK, and without it the key is not tied to one algorithm.
    ps256 = SigningKey(rsa_key, "PS256", "rsa-no-alg", None)
    idp.document = {"keys": [ps256.jwk]}
    verifier = OidcVerifier(ISSUER, AUDIENCE, JwksCache(idp.url, clock=clock), ("PS256",))
    assert verifier.verify(_token(ps256))["sub"] == "ann"


# --- authenticate_person -----------------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, ""], ids=["missing", "empty"])
def test_missing_authorization_header_is_unauthenticated_without_error_code(authorization: str | None) -> None:
    with pytest.raises(UnauthenticatedError) as raised:
        authenticate_person(authorization, load_settings({}))
    assert raised.value.headers() == {"WWW-Authenticate": "Bearer"}


@pytest.mark.parametrize(
    "authorization",
    ["Basic YW5uOnNlY3JldA==", "Token abc.def.ghi", "Bearer", "Bearer    ", "Bearerabc.def.ghi", "abc.def.ghi"],
)
def test_other_schemes_are_unauthenticated(authorization: str) -> None:
    local_token = local_issuer("keywarden").issue("ann", [])
    with pytest.raises(UnauthenticatedError):
        authenticate_person(authorization.replace("abc.def.ghi", local_token), load_settings({}))


def test_bearer_scheme_is_case_insensitive() -> None:
    token = local_issuer("keywarden").issue("ann", [])
    assert authenticate_person(f"bearer {token}", load_settings({})).sub == "ann"


def test_service_key_does_not_authenticate_a_person() -> None:
    with pytest.raises(UnauthenticatedError) as raised:
        authenticate_person("Bearer kws_3hQk9VvM2pX7rT1yLw8ZbN4c", load_settings({}))
    assert "service key" in raised.value.detail


def test_local_issuer_token_is_accepted_in_the_local_stage() -> None:
    settings = load_settings({"KEYWARDEN_STAGE": "local"})
    assert settings.is_local
    token = local_issuer(settings.oidc_audience).issue("ann", ["keywarden-admins"], auth_age_seconds=30)

    principal = authenticate_person(f"Bearer {token}", settings)

    assert principal.sub == "ann"
    assert principal.is_system_admin
    assert principal.auth_time == jwt.decode(token, options={"verify_signature": False})["auth_time"]


def test_local_issuer_token_is_refused_outside_the_local_stage(idp: Idp, es256: SigningKey) -> None:
    issuer = f"https://idp-{uuid.uuid4().hex}.example.test/"
    settings = load_settings(
        {"KEYWARDEN_STAGE": "dev", "KEYWARDEN_OIDC_ISSUER": issuer, "KEYWARDEN_OIDC_JWKS_URL": idp.url}
    )
    assert not settings.is_local
    local_token = local_issuer(settings.oidc_audience).issue("root", ["keywarden-admins"])

    with pytest.raises(UnauthenticatedError):
        authenticate_person(f"Bearer {local_token}", settings)
    # The configured identity provider is what this stage trusts.
    assert authenticate_person(f"Bearer {_token(es256, iss=issuer, sub='ann')}", settings).sub == "ann"


def test_local_issuer_token_is_refused_in_a_stage_without_an_identity_provider() -> None:
    settings = load_settings({"KEYWARDEN_STAGE": "dev"})
    local_token = local_issuer(settings.oidc_audience).issue("root", ["keywarden-admins"])
    with pytest.raises(UnauthenticatedError):
        authenticate_person(f"Bearer {local_token}", settings)
