"""JWT API keys: their exact shape, offline verification against the JWKS, forgeries, states and rotation.

Everything a resource server could compute without the service (the RFC 7638 thumbprint,
base64url, the forged tokens) is computed here with the standard library, `cryptography`
and PyJWT, never with the service's own functions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.hashes import SHA256
from jwt.utils import der_to_raw_signature

from chalicelib import aws
from chalicelib.config import reset_settings
from chalicelib.resets import reset_all
from chalicelib.store.signing_models import SigningKeyModel
from tests.functional.conftest import Api, Reply, aws_calls
from tests.functional.test_verify import Project, poll_for, stamp

ADMIN_GROUP = ("keywarden-admins",)
ROTATE = "/v1/admin/signing-keys/rotate"
JWKS = "/.well-known/jwks.json"
PERMISSIONS = ["orders:read", "orders:write"]
# The defaults: the JWKS's max-age, and how long a process may serve its cached chain of signing keys.
DEFAULT_JWKS_MAX_AGE = 300
DEFAULT_CACHE_TTL = 5.0
# Longer tokens are refused before any decoding.
MAX_TOKEN_LENGTH = 32 * 1024


def issuer() -> str:
    return os.environ.get("KEYWARDEN_ISSUER") or "urn:keywarden:local"


# --- what a resource server computes without the service ---------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def encode_json(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a token, unverified."""
    header, claims, _ = token.split(".")
    return json.loads(unb64url(header)), json.loads(unb64url(claims))


def rfc7638_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 §3: the required members in lexicographic order, no whitespace, SHA-256, base64url."""
    canonical = json.dumps({name: jwk[name] for name in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def epoch(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def forge(header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    signing_input = f"{encode_json(header)}.{encode_json(claims)}"
    return f"{signing_input}.{b64url(sign(signing_input.encode('ascii')))}"


def local_signer(private_key: ec.EllipticCurvePrivateKey) -> Callable[[bytes], bytes]:
    """ES256 with a key of our own (an attacker's)."""
    return lambda message: der_to_raw_signature(private_key.sign(message, ec.ECDSA(SHA256())), ec.SECP256R1())


# The order of P-256's group: ECDSA's (r, s) and (r, n - s) both verify, and the service takes the low one only.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def with_s(signature: bytes, high: bool) -> bytes:
    """A raw ES256 signature (r || s) in its high-S (s > n/2) or low-S form: the same proof twice."""
    r, s = signature[:32], int.from_bytes(signature[32:], "big")
    if (s > P256_ORDER // 2) != high:
        s = P256_ORDER - s
    return r + s.to_bytes(32, "big")


def kms_signer(kid: str) -> Callable[[bytes], bytes]:
    """ES256 with the service's own KMS key of `kid`: a token only the service could have made
    (low-S, as the service makes them; KMS returns either form)."""
    kms_key_id = SigningKeyModel.get(kid, consistent_read=True).kms_key_id

    def sign(message: bytes) -> bytes:
        der = aws.client("kms").sign(
            KeyId=kms_key_id, Message=message, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256"
        )["Signature"]
        return with_s(der_to_raw_signature(der, ec.SECP256R1()), high=False)

    return sign


def public_jwk_of(private_key: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    numbers = private_key.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


# --- a project with JWT keys -------------------------------------------------------


class JwtProject(Project):
    def issue_jwt(self, permissions: list[str] | None = None, **fields: Any) -> tuple[dict[str, Any], str]:
        role_id = fields.pop("role_id", None) or self.role(permissions or PERMISSIONS)
        reply = self.api.post(
            f"/v1/projects/{self.pid}/keys",
            {"name": "jwt key", "type": "jwt", "role_id": role_id, **fields},
            as_user=self.owner,
        )
        assert reply.status == 201, reply.body
        assert set(reply.json["secret"]) == {"key"}
        return reply.json["key"], reply.json["secret"]["key"]

    def key_path(self, key_id: str, rest: str = "") -> str:
        return f"/v1/projects/{self.pid}/keys/{key_id}{rest}"


def jwks(api: Api) -> tuple[Reply, dict[str, dict[str, Any]]]:
    reply = api.get(JWKS)
    assert reply.status == 200, reply.body
    return reply, {key["kid"]: key for key in reply.json["keys"]}


def rotate(api: Api, headers: dict[str, str] | None = None) -> Reply:
    return api.post(ROTATE, as_user="root", groups=ADMIN_GROUP, headers=headers)


def use_jwks_max_age(monkeypatch: pytest.MonkeyPatch, seconds: int, cache_ttl: float | None = None) -> None:
    """A new key signs `seconds` (the JWKS max-age) plus the cache TTL after its rotation; with
    both 0 it signs at once (and nothing is cached)."""
    monkeypatch.setenv("KEYWARDEN_JWKS_MAX_AGE", str(seconds))
    if cache_ttl is not None:
        monkeypatch.setenv("KEYWARDEN_CACHE_TTL", str(cache_ttl))
    reset_settings()


def wait_until_it_signs(rotated: Reply) -> None:
    """Sleeps until the rotated key signs: `signs_from` is shown in whole seconds, rounded down."""
    time.sleep(max(0.0, epoch(rotated.json["signs_from"]) + 1 - time.time()))


def kms_key_count() -> int:
    return len(aws.client("kms").list_keys()["Keys"])


def offline_claims(api: Api, token: str, audience: str) -> dict[str, Any]:
    """What a resource server does with PyJWT and the served JWKS, without calling the service."""
    key_set = jwt.PyJWKSet.from_dict(jwks(api)[0].json)
    header = jwt.get_unverified_header(token)
    claims: dict[str, Any] = jwt.decode(
        token, key_set[header["kid"]], algorithms=["ES256"], audience=audience, issuer=issuer()
    )
    return claims


# --- shape ---------------------------------------------------------------------------


def test_a_jwt_key_has_exactly_the_documented_shape(api: Api) -> None:
    project = JwtProject(api)
    role_id = project.role(PERMISSIONS)
    before = time.time()
    key, token = project.issue_jwt(role_id=role_id, ttl_seconds=3600, meta={"tier": "gold"})
    after = time.time()

    assert key["type"] == "jwt" and key["status"] == "active"
    assert key["project_id"] == project.pid and key["owner_id"] == "ann" and key["role_id"] == role_id
    assert token[-4:] in key["hint"] and token not in key["hint"]
    header, claims = parts(token)

    reply, published = jwks(api)
    assert header == {"alg": "ES256", "typ": "apikey+jwt", "kid": header["kid"]}
    assert header["kid"] in published
    jwk = published[header["kid"]]
    assert header["kid"] == rfc7638_thumbprint(jwk)
    assert set(claims) == {"iss", "sub", "aud", "jti", "iat", "exp", "role", "permissions"}
    assert claims["iss"] == issuer()
    assert claims["sub"] == "ann"
    assert claims["aud"] == project.pid
    assert claims["jti"] == key["id"]
    assert isinstance(claims["iat"], int) and int(before) <= claims["iat"] <= after
    assert isinstance(claims["exp"], int) and claims["exp"] == int(epoch(key["expires_at"]))
    # Keys expire on whole seconds, rounded up: never sooner than asked, at most a second later.
    assert 3600 <= claims["exp"] - claims["iat"] <= 3601
    assert claims["role"] == role_id
    assert sorted(claims["permissions"]) == PERMISSIONS

    # The JWKS: public EC P-256 keys only, each named by its own thumbprint.
    assert reply.headers["cache-control"] == "public, max-age=300"
    assert reply.headers["content-type"].startswith("application/json")
    for kid, entry in published.items():
        assert "d" not in entry
        assert set(entry) <= {"kty", "crv", "x", "y", "kid", "alg", "use"}
        assert (entry["kty"], entry["crv"]) == ("EC", "P-256")
        assert entry.get("alg", "ES256") == "ES256" and entry.get("use", "sig") == "sig"
        assert kid == rfc7638_thumbprint(entry)
        assert len(unb64url(entry["x"])) == len(unb64url(entry["y"])) == 32


def test_a_jwt_key_that_never_expires_has_no_exp(api: Api) -> None:
    project = JwtProject(api)
    key, token = project.issue_jwt()
    assert key["expires_at"] is None
    _, claims = parts(token)
    assert "exp" not in claims
    assert offline_claims(api, token, project.pid)["jti"] == key["id"]
    assert project.code(token) == "VALID"


def test_an_expires_at_key_signs_its_expiry_in_whole_seconds(api: Api) -> None:
    project = JwtProject(api)
    expires = stamp(timedelta(hours=2))
    key, token = project.issue_jwt(expires_at=expires)
    assert key["expires_at"] == expires
    assert parts(token)[1]["exp"] == int(epoch(expires))


# --- offline and online verification -------------------------------------------------


def test_pyjwt_verifies_the_token_offline_and_the_service_agrees(api: Api) -> None:
    project = JwtProject(api)
    role_id = project.role(PERMISSIONS)
    key, token = project.issue_jwt(role_id=role_id, ttl_seconds=3600, meta={"env": "test"})

    key_set = jwt.PyJWKSet.from_dict(api.get(JWKS).json)
    kid = jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(token, key_set[kid], algorithms=["ES256"], audience=project.pid, issuer=issuer())
    assert claims["jti"] == key["id"] and claims["sub"] == "ann"
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, key_set[kid], algorithms=["ES256"], audience="another-project", issuer=issuer())
    with pytest.raises(jwt.InvalidIssuerError):
        jwt.decode(token, key_set[kid], algorithms=["ES256"], audience=project.pid, issuer="urn:someone:else")

    reply = project.verify(token)
    assert reply.status == 200, reply.body
    assert reply.json == {
        "valid": True,
        "code": "VALID",
        "key_id": key["id"],
        "project_id": project.pid,
        "owner_id": "ann",
        "role_id": role_id,
        "permissions": PERMISSIONS,
        "expires_at": key["expires_at"],
        "meta": {"env": "test"},
    }
    assert project.code(token, ["orders:read"]) == "VALID"
    assert project.code(token, ["orders:read", "billing:read"]) == "INSUFFICIENT_PERMISSIONS"


def test_a_warm_verification_makes_no_aws_call(api: Api, long_cache: None) -> None:
    project = JwtProject(api)
    _, token = project.issue_jwt(ttl_seconds=3600)
    assert project.code(token) == "VALID"  # warms the signing keys, the record and the service key

    with aws_calls("dynamodb", "kms") as calls:
        for _ in range(20):
            assert project.code(token) == "VALID"
    assert calls == []

    # The counter does count: a cold cache reads again.
    reset_all()
    with aws_calls("dynamodb", "kms") as calls:
        assert project.code(token) == "VALID"
    assert calls != []


def test_a_token_from_another_issuer_setting_is_refused(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    project = JwtProject(api)
    _, token = project.issue_jwt(ttl_seconds=3600)
    assert project.code(token) == "VALID"
    monkeypatch.setenv("KEYWARDEN_ISSUER", "urn:keywarden:elsewhere")
    reset_settings()
    assert project.verify(token).json == {"valid": False, "code": "INVALID_SIGNATURE"}
    _, renamed = project.issue_jwt(ttl_seconds=3600)
    assert parts(renamed)[1]["iss"] == "urn:keywarden:elsewhere"
    assert project.code(renamed) == "VALID"


# --- forgeries and garbage ------------------------------------------------------------


@dataclass
class Scene:
    """A project with a genuine token, another project's token, and the key that signed them."""

    project: JwtProject
    token: str
    header: dict[str, Any]
    claims: dict[str, Any]
    kid: str
    jwk: dict[str, Any]
    foreign_token: str
    attacker: ec.EllipticCurvePrivateKey

    @property
    def segments(self) -> list[str]:
        return self.token.split(".")


@pytest.fixture
def scene(api: Api) -> Scene:
    project = JwtProject(api, owner="ann", name="Ours")
    other = JwtProject(api, owner="bob", name="Theirs")
    _, token = project.issue_jwt(["orders:read"], ttl_seconds=3600)
    _, foreign_token = other.issue_jwt(["orders:read"], ttl_seconds=3600)
    header, claims = parts(token)
    kid = header["kid"]
    scene = Scene(
        project,
        token,
        header,
        claims,
        kid,
        jwks(api)[1][kid],
        foreign_token,
        ec.generate_private_key(ec.SECP256R1()),
    )
    assert project.code(token) == "VALID"
    assert other.code(foreign_token) == "VALID"
    # The forging helpers make tokens the service accepts when nothing is changed.
    assert project.code(forge(header, claims, kms_signer(kid))) == "VALID"
    return scene


def _hs256(secret: bytes) -> Callable[[bytes], bytes]:
    return lambda message: hmac.new(secret, message, hashlib.sha256).digest()


def _pem(jwk: dict[str, Any]) -> bytes:
    public = jwt.PyJWK.from_dict(jwk).key
    return bytes(public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def _with(header: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**header, **changes}


FORGERIES: dict[str, tuple[str, Callable[[Scene], str]]] = {
    # shape
    "bad-base64-header": ("MALFORMED", lambda s: "eyJ*" + s.token[3:]),
    "standard-base64-alphabet": ("MALFORMED", lambda s: s.segments[0] + "+/." + ".".join(s.segments[1:])),
    "impossible-base64-length": (
        "MALFORMED",
        lambda s: ".".join([s.segments[0], s.segments[1] + "A" * 5, s.segments[2]]),
    ),
    "two-segments": ("MALFORMED", lambda s: ".".join(s.segments[:2])),
    "four-segments": ("MALFORMED", lambda s: s.token + "." + s.segments[2]),
    "100kB-header": (
        "MALFORMED",
        lambda s: ".".join([encode_json(_with(s.header, pad="x" * 100_000)), *s.segments[1:]]),
    ),
    "header-not-json": ("MALFORMED", lambda s: ".".join(["eyJ" + b64url(b"not json")[3:], *s.segments[1:]])),
    "claims-not-an-object": ("MALFORMED", lambda s: forge(s.header, [1, 2], kms_signer(s.kid))),  # type: ignore[arg-type]
    "typ-JWT-genuinely-signed": ("MALFORMED", lambda s: forge(_with(s.header, typ="JWT"), s.claims, kms_signer(s.kid))),
    "no-kid": ("MALFORMED", lambda s: forge({"alg": "ES256", "typ": "apikey+jwt"}, s.claims, kms_signer(s.kid))),
    "jti-missing": (
        "MALFORMED",
        lambda s: forge(s.header, {k: v for k, v in s.claims.items() if k != "jti"}, kms_signer(s.kid)),
    ),
    "jti-not-a-key-id": ("MALFORMED", lambda s: forge(s.header, _with(s.claims, jti="x" * 20), kms_signer(s.kid))),
    "permissions-ill-typed": (
        "MALFORMED",
        lambda s: forge(s.header, _with(s.claims, permissions="orders:read"), kms_signer(s.kid)),
    ),
    # key-naming headers are refused, even with a genuine signature
    "jwk-header-with-attacker-key": (
        "MALFORMED",
        lambda s: forge(_with(s.header, jwk=public_jwk_of(s.attacker)), s.claims, local_signer(s.attacker)),
    ),
    "jku-header": (
        "MALFORMED",
        lambda s: forge(_with(s.header, jku="https://attacker.example/jwks.json"), s.claims, local_signer(s.attacker)),
    ),
    "jku-header-genuinely-signed": (
        "MALFORMED",
        lambda s: forge(_with(s.header, jku="https://attacker.example/jwks.json"), s.claims, kms_signer(s.kid)),
    ),
    "x5u-header": (
        "MALFORMED",
        lambda s: forge(_with(s.header, x5u="https://a.example/c.pem"), s.claims, kms_signer(s.kid)),
    ),
    "x5c-header": ("MALFORMED", lambda s: forge(_with(s.header, x5c=["MIIB"]), s.claims, kms_signer(s.kid))),
    "crit-header": ("MALFORMED", lambda s: forge(_with(s.header, crit=["exp"]), s.claims, kms_signer(s.kid))),
    # signatures
    "unknown-kid": (
        "INVALID_SIGNATURE",
        lambda s: forge(_with(s.header, kid=b64url(secrets.token_bytes(32))), s.claims, local_signer(s.attacker)),
    ),
    "our-kid-signed-by-another-key": (
        "INVALID_SIGNATURE",
        lambda s: forge(s.header, s.claims, local_signer(s.attacker)),
    ),
    "alg-none-empty-signature": (
        "INVALID_SIGNATURE",
        lambda s: forge(_with(s.header, alg="none"), s.claims, lambda m: b""),
    ),
    "alg-none-junk-signature": (
        "INVALID_SIGNATURE",
        lambda s: forge(_with(s.header, alg="none"), s.claims, lambda m: b"\x00" * 64),
    ),
    "alg-none-genuine-signature": (
        "INVALID_SIGNATURE",
        lambda s: forge(_with(s.header, alg="none"), s.claims, kms_signer(s.kid)),
    ),
    "HS256-public-key-pem-as-secret": (
        "INVALID_SIGNATURE",
        lambda s: forge(_with(s.header, alg="HS256"), s.claims, _hs256(_pem(s.jwk))),
    ),
    "HS256-public-jwk-as-secret": (
        "INVALID_SIGNATURE",
        lambda s: forge(_with(s.header, alg="HS256"), s.claims, _hs256(json.dumps(s.jwk).encode())),
    ),
    "permissions-widened-original-signature": (
        "INVALID_SIGNATURE",
        lambda s: ".".join(
            [s.segments[0], encode_json(_with(s.claims, permissions=["orders:read", "*:*"])), s.segments[2]]
        ),
    ),
    "exp-extended-original-signature": (
        "INVALID_SIGNATURE",
        lambda s: ".".join([s.segments[0], encode_json(_with(s.claims, exp=s.claims["exp"] + 86400)), s.segments[2]]),
    ),
    # 60 of the signature's 64 bytes, canonically encoded: a short signature, not bad base64.
    "signature-truncated": (
        "INVALID_SIGNATURE",
        lambda s: ".".join([*s.segments[:2], b64url(base64.urlsafe_b64decode(s.segments[2] + "==")[:60])]),
    ),
    # The last character changed only in its unused bits decodes to the same signature: refused all the same.
    "signature-non-canonical-base64": (
        "MALFORMED",
        lambda s: s.token[:-1] + {"A": "B", "Q": "R", "g": "h", "w": "x"}[s.token[-1]],
    ),
    "another-issuer-genuinely-signed": (
        "INVALID_SIGNATURE",
        lambda s: forge(s.header, _with(s.claims, iss="urn:someone:else"), kms_signer(s.kid)),
    ),
    # another project
    "token-of-another-project": ("NOT_FOUND", lambda s: s.foreign_token),
}


@pytest.mark.parametrize("case", list(FORGERIES))
def test_forged_and_broken_tokens_get_the_precise_code(scene: Scene, case: str) -> None:
    expected, make = FORGERIES[case]
    candidate = make(scene)
    assert candidate != scene.token
    for permissions in (None, ["orders:read"]):
        reply = scene.project.verify(candidate, permissions)
        assert reply.status == 200, reply.body
        assert reply.json == {"valid": False, "code": expected}, case
    assert scene.project.code(scene.token) == "VALID"  # the genuine token is untouched


def test_pyjwt_rejects_the_forgeries_too(scene: Scene, api: Api) -> None:
    """The offline path a resource server takes fails wherever the service says anything but VALID
    for a token of this project (and NOT_FOUND is the audience check, which PyJWT makes too)."""
    key_set = jwt.PyJWKSet.from_dict(api.get(JWKS).json)
    accepted = []
    for case, (_, make) in FORGERIES.items():
        candidate = make(scene)
        try:
            key = key_set[jwt.get_unverified_header(candidate)["kid"]]
            jwt.decode(candidate, key, algorithms=["ES256"], audience=scene.project.pid, issuer=issuer())
        except (jwt.PyJWTError, KeyError, TypeError):
            continue  # refused: no such published key, or a bad token
        accepted.append(case)
    # PyJWT accepts only the tokens this test signed with the service's own KMS key (which no
    # attacker holds) and whose flaw is one PyJWT does not look at; the service calls them MALFORMED.
    assert accepted == [
        "typ-JWT-genuinely-signed",
        "jti-missing",
        "jti-not-a-key-id",
        "permissions-ill-typed",
        "jku-header-genuinely-signed",
        "x5u-header",
        "x5c-header",
    ]
    assert {FORGERIES[case][0] for case in accepted} == {"MALFORMED"}


def test_a_jwt_key_of_the_largest_role_and_the_longest_owner_id_verifies(api: Api) -> None:
    # The schema's maxima: 100 permissions of 128 characters, and a `sub` of 255 characters, each
    # of 4 bytes in UTF-8 (JSON carries them as they are: no character of a `sub` is escaped).
    permissions = [f"p{n:03d}:" + "x" * 123 for n in range(100)]
    assert all(len(permission) == 128 for permission in permissions)
    owner = "\U0001f511" * 255
    project = JwtProject(api)
    added = api.put(f"/v1/projects/{project.pid}/members/{owner}", {"role": "developer"}, as_user="ann")
    assert added.status == 200, added.body
    role_id = project.role(permissions)

    key, token = project.issue_jwt(role_id=role_id, owner_id=owner, ttl_seconds=3600)
    assert 4096 < len(token) <= MAX_TOKEN_LENGTH, len(token)  # far larger than the usual 600 bytes
    _, claims = parts(token)
    assert claims["sub"] == owner and sorted(claims["permissions"]) == sorted(permissions)

    reply = project.verify(token, permissions)
    assert reply.status == 200, reply.body
    assert (reply.json["code"], reply.json["key_id"], reply.json["owner_id"]) == ("VALID", key["id"], owner)
    assert sorted(reply.json["permissions"]) == sorted(permissions)
    assert project.code(token, ["p000:" + "x" * 122 + "y"]) == "INSUFFICIENT_PERMISSIONS"
    offline = offline_claims(api, token, project.pid)
    assert (offline["sub"], offline["jti"]) == (owner, key["id"])


def padded_to(scene: Scene, length: int) -> str:
    """The genuine token with a `pad` header parameter (and, to reach any length, a `pad` claim),
    signed with the service's own key: exactly `length` characters long."""
    for claim_pad in range(4):
        claims = _with(scene.claims, pad="y" * claim_pad) if claim_pad else scene.claims
        fixed = len(encode_json(claims)) + 2 + 86  # two dots and 64 signature bytes in base64url
        # Base64url makes 4 characters of 3 bytes: start a little short of the padding needed.
        unpadded = len(json.dumps(_with(scene.header, pad=""), separators=(",", ":")))
        for header_pad in range(max(0, (length - fixed) * 3 // 4 - unpadded - 4), length):
            header_length = len(encode_json(_with(scene.header, pad="x" * header_pad)))
            if fixed + header_length == length:
                token = forge(_with(scene.header, pad="x" * header_pad), claims, kms_signer(scene.kid))
                assert len(token) == length
                return token
            if fixed + header_length > length:
                break
    raise AssertionError(f"no padding makes a token of {length} characters")


def test_a_token_is_read_up_to_32_kib_and_refused_beyond(scene: Scene) -> None:
    # Both are signed by the service's own key over the genuine claims: only the length differs.
    at_limit = padded_to(scene, MAX_TOKEN_LENGTH)
    assert scene.project.code(at_limit) == "VALID"
    for longer in (MAX_TOKEN_LENGTH + 1, 100_000):
        assert scene.project.verify(padded_to(scene, longer)).json == {"valid": False, "code": "MALFORMED"}, longer
    assert scene.project.code(scene.token) == "VALID"


# --- states --------------------------------------------------------------------------


def test_a_revoked_jwt_key_is_revoked_and_listed(api: Api, long_cache: None) -> None:
    project = JwtProject(api)
    before = stamp(timedelta(seconds=-2))
    key, token = project.issue_jwt(ttl_seconds=3600)
    _, other = project.issue_jwt(ttl_seconds=3600)
    assert project.code(token) == "VALID"  # cached
    assert api.delete(project.key_path(key["id"]), as_user="ann").status == 204
    reply = project.verify(token)
    assert reply.json["code"] == "REVOKED" and reply.json["valid"] is False
    assert reply.json["key_id"] == key["id"]
    assert project.code(token, ["nothing:held"]) == "REVOKED"
    assert project.code(other) == "VALID"

    feed = api.get(f"/v1/projects/{project.pid}/revoked-keys", as_user="ann")
    assert feed.status == 200, feed.body
    assert [item["key_id"] for item in feed.json["items"]] == [parts(token)[1]["jti"]]
    assert set(feed.json["items"][0]) == {"key_id", "revoked_at"}
    since = api.get(f"/v1/projects/{project.pid}/revoked-keys?since={before}", as_user="ann")
    assert [item["key_id"] for item in since.json["items"]] == [key["id"]]
    later = api.get(f"/v1/projects/{project.pid}/revoked-keys?since={stamp(timedelta(hours=1))}", as_user="ann")
    assert later.json["items"] == []


def test_a_jwt_key_expires(api: Api) -> None:
    project = JwtProject(api)
    key, token = project.issue_jwt(ttl_seconds=1)
    exp = parts(token)[1]["exp"]
    assert exp == int(epoch(key["expires_at"]))
    time.sleep(max(0.0, exp + 1.2 - time.time()))
    reply = project.verify(token)
    assert reply.status == 200
    assert reply.json["code"] == "EXPIRED" and reply.json["valid"] is False
    assert reply.json["key_id"] == key["id"]
    assert project.code(token, ["nothing:held"]) == "EXPIRED"
    with pytest.raises(jwt.ExpiredSignatureError):
        key_set = jwt.PyJWKSet.from_dict(api.get(JWKS).json)
        jwt.decode(token, key_set[parts(token)[0]["kid"]], algorithms=["ES256"], audience=project.pid)


def test_reroll_keeps_the_lifetime_and_honours_the_grace(api: Api) -> None:
    project = JwtProject(api)
    old, old_token = project.issue_jwt(ttl_seconds=7200, meta={"team": "payments"})
    rerolled = api.post(project.key_path(old["id"], "/reroll"), {"grace_seconds": 3600}, as_user="ann")
    assert rerolled.status in (200, 201), rerolled.body
    new, new_token = rerolled.json["key"], rerolled.json["secret"]["key"]
    assert set(rerolled.json["secret"]) == {"key"}
    assert new["type"] == "jwt" and new["id"] != old["id"]
    assert (new["owner_id"], new["role_id"], new["meta"]) == (old["owner_id"], old["role_id"], old["meta"])
    _, new_claims = parts(new_token)
    assert new_claims["jti"] == new["id"]
    assert 7200 <= new_claims["exp"] - new_claims["iat"] <= 7201  # the same lifetime, in whole seconds
    assert new_claims["exp"] == int(epoch(new["expires_at"]))

    assert project.code(old_token) == "VALID"  # within the grace
    assert project.verify(old_token).json["key_id"] == old["id"]
    assert project.verify(new_token).json["key_id"] == new["id"]
    assert project.code(new_token) == "VALID"

    # A reroll without grace: the old key expires at once, online, though its token's exp is later.
    second, second_token = project.issue_jwt(ttl_seconds=7200)
    again = api.post(project.key_path(second["id"], "/reroll"), {"grace_seconds": 0}, as_user="ann")
    assert again.status in (200, 201), again.body
    assert project.code(second_token) == "EXPIRED"
    assert project.code(again.json["secret"]["key"]) == "VALID"

    # A never-expiring key rerolls into a never-expiring key.
    forever, forever_token = project.issue_jwt()
    third = api.post(project.key_path(forever["id"], "/reroll"), {"grace_seconds": 0}, as_user="ann")
    assert third.status in (200, 201), third.body
    assert third.json["key"]["expires_at"] is None and "exp" not in parts(third.json["secret"]["key"])[1]
    assert project.code(forever_token) == "EXPIRED"


def test_an_owner_made_viewer_loses_the_jwt_key_until_restored(api: Api, long_cache: None) -> None:
    project = JwtProject(api, dave="developer")
    key, token = project.issue_jwt(owner_id="dave", ttl_seconds=3600)
    assert parts(token)[1]["sub"] == "dave"
    member = f"/v1/projects/{project.pid}/members/dave"
    assert project.code(token) == "VALID"
    assert api.put(member, {"role": "viewer"}, as_user="ann").status == 200
    lost = project.verify(token).json
    assert lost["code"] == "OWNER_NOT_PERMITTED" and lost["key_id"] == key["id"] and lost["owner_id"] == "dave"
    assert api.put(member, {"role": "developer"}, as_user="ann").status == 200
    assert project.code(token) == "VALID"


def test_patch_may_only_bring_a_jwt_keys_expiry_forward(api: Api) -> None:
    project = JwtProject(api)
    key, token = project.issue_jwt(ttl_seconds=3600)
    path = project.key_path(key["id"])

    for later in (stamp(timedelta(hours=2)), None):
        refused = api.patch(path, {"expires_at": later}, as_user="ann")
        assert (refused.status, refused.code) == (422, "validation_failed"), (later, refused.body)
        assert [e["field"] for e in refused.json["errors"]] == ["expires_at"]
    assert api.get(path, as_user="ann").json["expires_at"] == key["expires_at"]
    assert project.code(token) == "VALID"

    # Other fields stay changeable.
    renamed = api.patch(path, {"name": "renamed"}, as_user="ann")
    assert renamed.status == 200 and renamed.json["name"] == "renamed"

    sooner = stamp(timedelta(seconds=2))
    brought = api.patch(path, {"expires_at": sooner}, as_user="ann")
    assert brought.status == 200, brought.body
    assert brought.json["expires_at"] == sooner
    assert project.verify(token).json["expires_at"] == sooner
    assert project.code(token) == "VALID"
    assert poll_for("EXPIRED", lambda: project.code(token), 6) == "EXPIRED"
    # The token itself still carries the later exp: only the online check knows.
    assert parts(token)[1]["exp"] > time.time()

    # A never-expiring JWT key may be given an expiry.
    forever, forever_token = project.issue_jwt()
    given = api.patch(project.key_path(forever["id"]), {"expires_at": stamp(timedelta(hours=1))}, as_user="ann")
    assert given.status == 200, given.body
    assert project.code(forever_token) == "VALID"


# --- rotation of the signing key -------------------------------------------------------


def test_only_system_administrators_rotate(api: Api) -> None:
    JwtProject(api)
    denied = api.post(ROTATE, as_user="ann")
    assert (denied.status, denied.code) == (403, "forbidden")
    nobody = api.post(ROTATE)
    assert (nobody.status, nobody.code) == (401, "unauthenticated")
    assert len(jwks(api)[1]) == 1


def test_a_rotated_key_is_published_before_it_signs(api: Api) -> None:
    project = JwtProject(api)
    old_key, old_token = project.issue_jwt(ttl_seconds=3600)
    old_kid = parts(old_token)[0]["kid"]
    assert list(jwks(api)[1]) == [old_kid]

    before = time.time()
    rotated = rotate(api)
    assert rotated.status == 200, rotated.body
    assert set(rotated.json) == {"kid", "previous_kid", "signs_from"}
    new_kid = rotated.json["kid"]
    assert rotated.json["previous_kid"] == old_kid and new_kid != old_kid
    # After the JWKS's max-age, and the cache TTL during which another process may still serve
    # a chain without the new key: every JWKS a verifier may hold by then lists it.
    delay = DEFAULT_JWKS_MAX_AGE + DEFAULT_CACHE_TTL
    assert before + delay - 1 <= epoch(rotated.json["signs_from"]) <= time.time() + delay + 1

    reply, published = jwks(api)
    assert set(published) == {old_kid, new_kid}
    assert new_kid == rfc7638_thumbprint(published[new_kid])
    assert "d" not in published[new_kid]
    assert reply.headers["cache-control"] == "public, max-age=300"

    # New keys are still signed by the old kid until signs_from.
    _, token = project.issue_jwt(ttl_seconds=3600)
    assert parts(token)[0]["kid"] == old_kid
    assert project.code(token) == "VALID" and project.code(old_token) == "VALID"
    assert offline_claims(api, token, project.pid)["aud"] == project.pid
    _ = old_key


def test_with_no_jwks_cache_a_rotated_key_signs_at_once_and_old_tokens_still_verify(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No cache anywhere: neither the JWKS's max-age nor the service's own (the chain is read every time).
    use_jwks_max_age(monkeypatch, 0, cache_ttl=0)
    project = JwtProject(api)
    _, old_token = project.issue_jwt(ttl_seconds=3600)
    old_kid = parts(old_token)[0]["kid"]

    rotated = rotate(api)
    assert rotated.status == 200, rotated.body
    new_kid = rotated.json["kid"]
    assert epoch(rotated.json["signs_from"]) <= time.time()
    reply, published = jwks(api)
    assert reply.headers["cache-control"] == "public, max-age=0"
    assert set(published) == {old_kid, new_kid}  # the old key's token is valid for an hour yet

    _, token = project.issue_jwt(ttl_seconds=3600)
    assert parts(token)[0]["kid"] == new_kid
    assert project.code(token) == "VALID"
    assert project.code(old_token) == "VALID"
    assert offline_claims(api, old_token, project.pid)["jti"] == parts(old_token)[1]["jti"]
    assert offline_claims(api, token, project.pid)["jti"] == parts(token)[1]["jti"]

    # A second rotation chains after the first.
    again = rotate(api)
    assert again.status == 200, again.body
    assert again.json["previous_kid"] == new_kid
    assert set(jwks(api)[1]) == {old_kid, new_kid, again.json["kid"]}
    assert project.code(old_token) == "VALID" and project.code(token) == "VALID"


def test_with_no_jwks_cache_a_rotated_key_still_waits_out_the_services_own_cache(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process may serve its cached chain, without the new key, for up to the cache TTL.
    use_jwks_max_age(monkeypatch, 0, cache_ttl=2)
    project = JwtProject(api)
    _, old_token = project.issue_jwt(ttl_seconds=3600)
    old_kid = parts(old_token)[0]["kid"]

    before = time.time()
    rotated = rotate(api)
    assert rotated.status == 200, rotated.body
    new_kid = rotated.json["kid"]
    assert before + 2 - 1 <= epoch(rotated.json["signs_from"]) <= time.time() + 2 + 1
    assert set(jwks(api)[1]) == {old_kid, new_kid}  # published at once

    _, during = project.issue_jwt(ttl_seconds=3600)
    assert parts(during)[0]["kid"] == old_kid  # not signing yet
    wait_until_it_signs(rotated)
    _, after = project.issue_jwt(ttl_seconds=3600)
    assert parts(after)[0]["kid"] == new_kid
    for token in (old_token, during, after):
        assert project.code(token) == "VALID"
        assert offline_claims(api, token, project.pid)["aud"] == project.pid


def test_a_rotation_retried_with_its_idempotency_key_is_replayed_not_repeated(api: Api) -> None:
    JwtProject(api)
    (old_kid,) = jwks(api)[1]
    keys_before = kms_key_count()

    once = {"idempotency-key": "rotate-once"}
    first = rotate(api, once)
    assert first.status == 200, first.body
    assert "idempotent-replayed" not in first.headers
    again = rotate(api, once)
    assert again.status == 200, again.body
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json == first.json
    assert first.json["previous_kid"] == old_kid and first.json["kid"] != old_kid
    # One rotation: one new KMS key, one new key in the chain and in the JWKS.
    assert kms_key_count() == keys_before + 1
    assert sorted(item.kid for item in SigningKeyModel.scan(consistent_read=True)) == sorted(
        [old_kid, first.json["kid"]]
    )
    assert set(jwks(api)[1]) == {old_kid, first.json["kid"]}

    # The admin check comes before any replay: someone else sending the same key is refused, not answered.
    denied = api.post(ROTATE, as_user="ann", headers=once)
    assert (denied.status, denied.code) == (403, "forbidden")
    assert "idempotent-replayed" not in denied.headers

    # Another key is another rotation, chained after the first.
    other = rotate(api, {"idempotency-key": "rotate-twice"})
    assert other.status == 200, other.body
    assert "idempotent-replayed" not in other.headers
    assert other.json["previous_kid"] == first.json["kid"]
    assert kms_key_count() == keys_before + 2
    assert set(jwks(api)[1]) == {old_kid, first.json["kid"], other.json["kid"]}


def test_two_rotations_at_once_make_one_new_key(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.crypto import jwt_signing
    from chalicelib.store import signing_keys as stored_signing_keys

    JwtProject(api)
    (old_kid,) = jwks(api)[1]

    # Both rotations read the chain (the same head) before either makes its key; their writes
    # are then serialized, because moto's transactions are not isolated (PLATFORM.md).
    both_read = threading.Barrier(2, timeout=20)
    one_writer = threading.Lock()
    created: list[str] = []
    real_create, real_add = jwt_signing.create_key, stored_signing_keys.add_successor

    def create_after_both_read() -> str:
        both_read.wait()
        arn = real_create()
        created.append(arn)
        return arn

    def add_one_at_a_time(*args: Any, **kwargs: Any) -> Any:
        with one_writer:
            return real_add(*args, **kwargs)

    monkeypatch.setattr(jwt_signing, "create_key", create_after_both_read)
    monkeypatch.setattr(stored_signing_keys, "add_successor", add_one_at_a_time)

    replies: list[Reply] = []

    def run() -> None:
        replies.append(rotate(api))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r.status for r in replies) == [200, 409], [(r.status, r.body) for r in replies]
    won = next(r for r in replies if r.status == 200)
    lost = next(r for r in replies if r.status == 409)
    assert lost.code == "conflict"
    assert won.json["previous_kid"] == old_kid

    assert set(jwks(api)[1]) == {old_kid, won.json["kid"]}
    assert sorted(item.kid for item in SigningKeyModel.scan(consistent_read=True)) == sorted([old_kid, won.json["kid"]])
    # The losing rotation's KMS key is scheduled for deletion, the winner's is not.
    states = {arn: aws.client("kms").describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] for arn in created}
    assert sorted(states.values()) == ["Enabled", "PendingDeletion"], states


def test_a_key_leaves_the_jwks_once_its_tokens_have_expired(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # The chain is cached for half a second: a rotated key signs that long after its rotation.
    use_jwks_max_age(monkeypatch, 0, cache_ttl=0.5)
    project = JwtProject(api)
    _, short_token = project.issue_jwt(ttl_seconds=2)
    first_kid = parts(short_token)[0]["kid"]

    second = rotate(api)
    assert second.status == 200, second.body
    second_kid = second.json["kid"]
    assert set(jwks(api)[1]) == {first_kid, second_kid}  # its token may still be valid
    wait_until_it_signs(second)
    _, forever_token = project.issue_jwt()  # the second key signs a token that never expires
    assert parts(forever_token)[0]["kid"] == second_kid

    third = rotate(api)
    assert third.status == 200, third.body
    third_kid = third.json["kid"]
    wait_until_it_signs(third)
    _, current_token = project.issue_jwt(ttl_seconds=3600)
    assert parts(current_token)[0]["kid"] == third_kid

    exp = parts(short_token)[1]["exp"]
    time.sleep(max(0.0, exp + 1.1 - time.time()))
    still = poll_for("gone", lambda: "gone" if first_kid not in jwks(api)[1] else "published", 3)
    assert still == "gone", "the first key is published after every token it signed expired"
    assert set(jwks(api)[1]) == {second_kid, third_kid}
    # Expired, and its key withdrawn: the service can no longer check its signature.
    assert project.code(short_token) in ("EXPIRED", "INVALID_SIGNATURE")
    assert project.code(forever_token) == "VALID"
    assert project.code(current_token) == "VALID"

    # The same holds in a fresh process (nothing cached).
    reset_all()
    assert set(jwks(api)[1]) == {second_kid, third_kid}


# --- the guards of the signing-key chain's writes (store.signing_keys) ---------------------------


def _first_key(api: Api) -> SigningKeyModel:
    JwtProject(api)  # issuing a key bootstraps the chain
    (kid,) = jwks(api)[1]
    return SigningKeyModel.get(kid, consistent_read=True)


def test_a_stale_bootstrap_does_not_wipe_a_key_that_already_signed(api: Api) -> None:
    # Guard: SigningKeyModel.kid.does_not_exist() in add_first. Another cold process saw an empty
    # chain and bootstraps the same key after this one covered a token with it.
    from chalicelib.store import signing_keys as stored

    first = _first_key(api)
    stored.cover(first.kid, 4_000_000_000.0)
    stored.add_first(first.kid, first.kms_key_id, dict(first.public_jwk), time.time())
    again = SigningKeyModel.get(first.kid, consistent_read=True)
    assert again.valid_until == 4_000_000_000.0
    assert again.signs_from == first.signs_from


def test_covering_only_ever_raises_how_long_a_key_stays_published(api: Api) -> None:
    # Guard: valid_until.does_not_exist() | valid_until < expires_at in cover. Two processes
    # cover tokens of one key; the one with the earlier expiry writes last.
    from chalicelib.store import signing_keys as stored

    first = _first_key(api)
    stored.cover(first.kid, 3_000_000_000.0)
    stored.cover(first.kid, 4_000_000_000.0)  # a later token: raised
    assert SigningKeyModel.get(first.kid, consistent_read=True).valid_until == 4_000_000_000.0
    stored.cover(first.kid, 3_500_000_000.0)  # an earlier one, covered late: not lowered
    assert SigningKeyModel.get(first.kid, consistent_read=True).valid_until == 4_000_000_000.0


def test_covering_a_key_that_is_not_in_the_chain_makes_no_half_item(api: Api) -> None:
    # Guard: SigningKeyModel.kid.exists() in cover. A half item (no KMS key, no JWK) in the chain
    # would break every JWKS and every new key.
    from chalicelib.store import signing_keys as stored

    _first_key(api)
    stored.cover("no-such-kid", 4_000_000_000.0)
    stored.cover("no-such-kid", None)
    assert [item.kid for item in SigningKeyModel.scan(consistent_read=True) if item.kid == "no-such-kid"] == []
    reset_all()
    assert api.get("/.well-known/jwks.json").status == 200
