"""JWT API keys over real HTTP: a resource server verifies them offline with PyJWT's own JWKS client,
and online with the service key; revocation shows in the feed and online; forgeries fail both ways."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from typing import Any

import jwt
import pytest

from tests.e2e.conftest import JsonClient
from tests.e2e.test_keys_over_http import PERMISSIONS, Project, set_up_project

ISSUER = os.environ.get("KEYWARDEN_ISSUER") or "urn:keywarden:local"  # the stack reads the same environment
JWKS_MAX_AGE = int(os.environ.get("KEYWARDEN_JWKS_MAX_AGE", "300"))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def rfc7638_thumbprint(jwk: dict[str, Any]) -> str:
    canonical = json.dumps({name: jwk[name] for name in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyJWKClient opens URLs with urllib's default handlers: no proxy may see the local stack."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")


def issue_jwt(project: Project, **extra: Any) -> tuple[dict[str, Any], str]:
    reply = project.client.post(
        project.path("/keys"), {"name": "edge", "type": "jwt", "role_id": project.role_id, **extra}, token=project.token
    )
    assert reply.status == 201, reply.body
    assert set(reply.body["secret"]) == {"key"}
    token: str = reply.body["secret"]["key"]
    return reply.body["key"], token


def offline(jwks_client: jwt.PyJWKClient, token: str, audience: str) -> dict[str, Any]:
    """What a resource server does with no call to the service but the (cacheable) JWKS."""
    signing_key = jwks_client.get_signing_key_from_jwt(token)
    claims: dict[str, Any] = jwt.decode(token, signing_key.key, algorithms=["ES256"], audience=audience, issuer=ISSUER)
    return claims


def test_a_jwt_key_verifies_offline_and_online_until_revoked(client: JsonClient, unique: str, no_proxy: None) -> None:
    project = set_up_project(client, f"jwt-owner-{unique}")
    key, token = issue_jwt(project, ttl_seconds=3600, meta={"edge": "eu"})
    assert key["type"] == "jwt" and key["status"] == "active"

    # The JWKS as served: public keys only, cacheable, each named by its thumbprint.
    served = client.get("/.well-known/jwks.json")
    assert served.status == 200, served.body
    assert served.headers["cache-control"] == f"public, max-age={JWKS_MAX_AGE}"
    assert served.content_type == "application/json"
    for entry in served.body["keys"]:
        assert "d" not in entry and entry["kid"] == rfc7638_thumbprint(entry)

    # Offline, with PyJWT's real JWKS client over HTTP.
    jwks_client = jwt.PyJWKClient(f"{client.base_url}/.well-known/jwks.json", cache_jwk_set=True, lifespan=JWKS_MAX_AGE)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "ES256", "typ": "apikey+jwt", "kid": header["kid"]}
    assert header["kid"] in {entry["kid"] for entry in served.body["keys"]}
    claims = offline(jwks_client, token, project.pid)
    assert claims["jti"] == key["id"] and claims["sub"] == project.owner and claims["aud"] == project.pid
    assert claims["iss"] == ISSUER and claims["role"] == project.role_id
    assert sorted(claims["permissions"]) == PERMISSIONS
    assert 3600 <= claims["exp"] - claims["iat"] <= 3601  # whole seconds, rounded up
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(
            token,
            jwks_client.get_signing_key_from_jwt(token).key,
            algorithms=["ES256"],
            audience="prj_someone_else",
            issuer=ISSUER,
        )

    # Online, with the project's service key.
    verdict = project.verdict(token)
    assert verdict["valid"] is True and verdict["code"] == "VALID"
    assert verdict["key_id"] == key["id"] and verdict["project_id"] == project.pid
    assert verdict["owner_id"] == project.owner and verdict["role_id"] == project.role_id
    assert sorted(verdict["permissions"]) == PERMISSIONS
    assert verdict["expires_at"] == key["expires_at"] and verdict["meta"] == {"edge": "eu"}
    assert project.verdict(token, ["orders:read"])["code"] == "VALID"
    assert project.verdict(token, ["orders:write"])["code"] == "INSUFFICIENT_PERMISSIONS"

    # Revoked: the feed lists its jti, and online verification says so within 5 s.
    deleted = client.delete(project.path(f"/keys/{key['id']}"), token=project.token)
    assert deleted.status == 204, deleted.body
    feed = client.get(project.path("/revoked-keys"), token=project.token)
    assert feed.status == 200, feed.body
    assert claims["jti"] in [item["key_id"] for item in feed.body["items"]]
    deadline = time.monotonic() + 5
    code = project.verdict(token)["code"]
    while code != "REVOKED" and time.monotonic() < deadline:
        time.sleep(0.1)
        code = project.verdict(token)["code"]
    assert code == "REVOKED"
    # Offline, the signature still checks: a resource server needs the feed to refuse it.
    assert offline(jwks_client, token, project.pid)["jti"] == key["id"]


def test_a_forged_jwt_key_fails_offline_and_online(client: JsonClient, unique: str, no_proxy: None) -> None:
    project = set_up_project(client, f"jwt-forger-{unique}")
    _, token = issue_jwt(project, ttl_seconds=3600)
    jwks_client = jwt.PyJWKClient(f"{client.base_url}/.well-known/jwks.json")
    assert offline(jwks_client, token, project.pid)["aud"] == project.pid

    header, payload, signature = token.split(".")
    claims = json.loads(unb64url(payload))
    for changed in (
        {**claims, "permissions": [*claims["permissions"], "orders:*", "admin:*"]},
        {**claims, "exp": claims["exp"] + 365 * 86400},
        {**claims, "sub": "somebody-else"},
    ):
        forged = ".".join([header, b64url(json.dumps(changed, separators=(",", ":")).encode()), signature])
        with pytest.raises(jwt.InvalidSignatureError):
            offline(jwks_client, forged, project.pid)
        assert project.verdict(forged) == {"valid": False, "code": "INVALID_SIGNATURE"}
        assert project.verdict(forged, ["orders:read"]) == {"valid": False, "code": "INVALID_SIGNATURE"}
    assert project.verdict(token)["code"] == "VALID"
