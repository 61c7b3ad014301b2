"""Stages and the API document: what the local stage adds, what other stages hide, and openapi.json."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import ec
from jsonschema import Draft202012Validator
from jwt.algorithms import ECAlgorithm
from moto import mock_aws
from openapi_spec_validator import OpenAPIV31SpecValidator

from app import app
from chalicelib.api.http import AUTH_PERSON, ENDPOINTS
from chalicelib.resets import reset_all
from chalicelib.store.tables import create_tables
from devstack.aws import create_kms_keys
from tests.functional.conftest import ROOT, Api

IDP_ISSUER = "https://idp.example.test/"


def local_routes() -> list[tuple[str, str]]:
    return sorted((e.method, e.path) for e in ENDPOINTS if e.local_only)


def concrete(path: str) -> str:
    return path.replace("{job}", "usage-rollup")


def documented_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return {(m.upper(), path) for path, item in document["paths"].items() for m in item if m in methods}


def assert_valid_openapi_31(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1.")
    OpenAPIV31SpecValidator(document).validate()


# --- a deployed-like stage ------------------------------------------------------------


@dataclass
class Stage:
    api: Api
    idp_key: ec.EllipticCurvePrivateKey

    def idp_token(self, sub: str) -> str:
        """A token from the stage's configured identity provider."""
        now = int(time.time())
        claims = {"iss": IDP_ISSUER, "aud": "keywarden", "sub": sub, "iat": now, "exp": now + 600, "auth_time": now}
        return jwt.encode(claims, self.idp_key, algorithm="ES256", headers={"kid": "idp-1"})


@pytest.fixture
def dev_stage(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Stage]:
    """The app as deployed in "dev": its own tables, and a real identity provider whose JWKS
    is served from a file, so that a refused local-issuer token is refused for being one."""
    idp_key = ec.generate_private_key(ec.SECP256R1())
    jwk = {**ECAlgorithm.to_jwk(idp_key.public_key(), as_dict=True), "kid": "idp-1", "alg": "ES256", "use": "sig"}
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}))
    monkeypatch.setenv("KEYWARDEN_STAGE", "dev")
    monkeypatch.setenv("KEYWARDEN_OIDC_ISSUER", IDP_ISSUER)
    monkeypatch.setenv("KEYWARDEN_OIDC_JWKS_URL", jwks.as_uri())
    with mock_aws():
        reset_all()  # settings (chalicelib.config.reset_settings) and every client and cache built on them
        create_tables()
        create_kms_keys()
        with Client(app, stage_name="dev", project_dir=str(ROOT)) as client:
            yield Stage(Api(client), idp_key)
    reset_all()


def test_the_dev_stage_has_no_local_routes(dev_stage: Stage) -> None:
    api = dev_stage.api
    assert local_routes(), "the local stage is expected to add routes"
    for method, path in local_routes():
        reply = api.request(method, concrete(path), json_body={"sub": "ann"})
        assert (reply.status, reply.code) == (404, "not_found"), (method, path)
    assert api.get("/v1/health").json == {"status": "ok"}


def test_the_dev_stage_trusts_its_identity_provider_not_the_local_issuer(dev_stage: Stage) -> None:
    api = dev_stage.api
    real = api.post("/v1/projects", {"name": "Real"}, headers={"authorization": f"Bearer {dev_stage.idp_token('ann')}"})
    assert real.status == 201 and real.json["created_by"] == "ann"

    # Api.token() signs with the embedded local issuer, which only the local stage trusts.
    for reply in (
        api.get("/v1/projects", as_user="ann"),
        api.post("/v1/projects", {"name": "Sneaky"}, as_user="ann"),
        api.get(f"/v1/projects/{real.json['id']}", as_user="ann", groups=("keywarden-admins",)),
    ):
        assert (reply.status, reply.code) == (401, "unauthenticated")
        assert reply.headers["www-authenticate"].startswith("Bearer")
    mine = api.get("/v1/projects", headers={"authorization": f"Bearer {dev_stage.idp_token('ann')}"})
    assert [p["name"] for p in mine.json["items"]] == ["Real"]


def test_the_dev_stage_document_omits_local_routes(dev_stage: Stage) -> None:
    reply = dev_stage.api.get("/v1/openapi.json")
    assert reply.status == 200
    document = reply.json
    assert_valid_openapi_31(document)
    assert not [path for path in document["paths"] if path.startswith("/v1/dev/")]
    expected = {(e.method, e.path) for e in ENDPOINTS if not e.local_only}
    assert documented_operations(document) == expected


# --- the local stage ---------------------------------------------------------------------


def test_the_local_stage_issues_tokens_that_authenticate(api: Api) -> None:
    issued = api.post("/v1/dev/token", {"sub": "dora"})
    assert issued.status == 200
    body = issued.json
    assert body["token_type"] == "Bearer"
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
    bearer = {"authorization": f"Bearer {body['access_token']}"}

    created = api.post("/v1/projects", {"name": "Dora's"}, headers=bearer)
    assert created.status == 201 and created.json["created_by"] == "dora"
    assert [p["id"] for p in api.get("/v1/projects", headers=bearer).json["items"]] == [created.json["id"]]

    # The token verifies against the local issuer's published key.
    jwks = api.get("/v1/dev/jwks.json").json
    (key,) = [k for k in jwks["keys"] if k["kid"] == jwt.get_unverified_header(body["access_token"])["kid"]]
    claims = jwt.decode(body["access_token"], key=jwt.PyJWK(key), algorithms=["ES256"], audience="keywarden")
    assert claims["sub"] == "dora"


def test_local_tokens_carry_groups(api: Api) -> None:
    pid = api.project(owner="ann")
    plain = api.post("/v1/dev/token", {"sub": "root"}).json["access_token"]
    admin = api.post("/v1/dev/token", {"sub": "root", "groups": ["keywarden-admins"]}).json["access_token"]
    assert api.get(f"/v1/projects/{pid}", headers={"authorization": f"Bearer {plain}"}).status == 404
    assert api.get(f"/v1/projects/{pid}", headers={"authorization": f"Bearer {admin}"}).status == 200


def test_auth_age_seconds_backdates_the_login(api: Api) -> None:
    fresh = api.post("/v1/dev/token", {"sub": "ann"}).json["access_token"]
    old = api.post("/v1/dev/token", {"sub": "ann", "auth_age_seconds": 3600}).json["access_token"]
    fresh_claims = jwt.decode(fresh, options={"verify_signature": False})
    old_claims = jwt.decode(old, options={"verify_signature": False})
    assert fresh_claims["iat"] - fresh_claims["auth_time"] == 0
    assert old_claims["iat"] - old_claims["auth_time"] == 3600
    # An old login is still a login: it authenticates ordinary requests.
    assert api.get("/v1/projects", headers={"authorization": f"Bearer {old}"}).status == 200


def test_dev_token_requests_are_validated(api: Api) -> None:
    for body, field in (
        ({}, "sub"),
        ({"sub": ""}, "sub"),
        ({"sub": "ann", "auth_age_seconds": -1}, "auth_age_seconds"),
        ({"sub": "ann", "auth_age_seconds": 31_536_001}, "auth_age_seconds"),
        ({"sub": "ann", "groups": "keywarden-admins"}, "groups"),
        ({"sub": "ann", "admin": True}, "admin"),
    ):
        reply = api.post("/v1/dev/token", body)
        assert (reply.status, reply.code) == (422, "validation_failed"), body
        assert reply.json["errors"][0]["field"] == field


def test_an_unknown_job_is_404(api: Api) -> None:
    reply = api.post("/v1/dev/jobs/unknown")
    assert (reply.status, reply.code) == (404, "not_found")
    assert reply.headers["content-type"] == "application/problem+json"


# --- the document -----------------------------------------------------------------------


def test_the_document_is_valid_openapi_31_and_lists_every_route(api: Api) -> None:
    reply = api.get("/v1/openapi.json")
    assert reply.status == 200 and reply.headers["content-type"] == "application/json"
    document = reply.json
    assert_valid_openapi_31(document)

    registered = {(method, path) for path, methods in app.routes.items() for method in methods}
    documented = documented_operations(document)
    assert documented == {(e.method, e.path) for e in ENDPOINTS}
    # HEAD is registered wherever GET is, and said once, in the description, not per path.
    assert registered == documented | {("HEAD", path) for method, path in documented if method == "GET"}
    assert "every get operation also answers head" in " ".join(document["info"]["description"].lower().split())
    assert set(local_routes()) <= documented


def test_the_document_describes_parameters_bodies_and_auth(api: Api) -> None:
    document = api.get("/v1/openapi.json").json
    for endpoint in ENDPOINTS:
        operation = document["paths"][endpoint.path][endpoint.method.lower()]
        where = f"{endpoint.method} {endpoint.path}"
        path_params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert path_params == set(re.findall(r"{(\w+)}", endpoint.path)), where
        assert ("requestBody" in operation) == (endpoint.body is not None), where
        assert str(endpoint.status) in operation["responses"], where
        if endpoint.auth == AUTH_PERSON:
            assert operation["security"], where
            assert "401" in operation["responses"], where
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert ("Idempotency-Key" in headers) == endpoint.idempotent, where
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == ["application/problem+json"], (where, status)


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    # The document's schemas refer to each other as #/components/schemas/...: resolve them in it.
    return Draft202012Validator({**schema, "components": document["components"]})


def test_real_responses_match_their_documented_schemas(api: Api) -> None:
    document = api.get("/v1/openapi.json").json
    pid = api.project(owner="ann", bob="viewer")
    role = api.post(f"/v1/projects/{pid}/roles", {"name": "R", "permissions": ["a:b"]}, as_user="ann")
    node = api.post(f"/v1/projects/{pid}/nodes", {"name": "N", "kind": "output"}, as_user="ann")
    samples = [
        ("get", "/v1/projects/{pid}", api.get(f"/v1/projects/{pid}", as_user="ann")),
        ("get", "/v1/projects", api.get("/v1/projects", as_user="ann")),
        ("get", "/v1/projects/{pid}/members", api.get(f"/v1/projects/{pid}/members", as_user="ann")),
        ("post", "/v1/projects/{pid}/roles", role),
        ("post", "/v1/projects/{pid}/nodes", node),
        ("get", "/v1/projects/{pid}/audit-events", api.get(f"/v1/projects/{pid}/audit-events", as_user="ann")),
        ("get", "/v1/health", api.get("/v1/health")),
        ("post", "/v1/dev/token", api.post("/v1/dev/token", {"sub": "ann"})),
        ("get", "/v1/projects/{pid}", api.get(f"/v1/projects/{pid}", as_user="mallory")),
        ("post", "/v1/projects", api.post("/v1/projects", {"name": ""}, as_user="ann")),
    ]
    for method, path, reply in samples:
        responses = document["paths"][path][method]["responses"]
        assert str(reply.status) in responses, (method, path, reply.status)
        content = responses[str(reply.status)]["content"]
        (media_type,) = content
        assert reply.headers["content-type"] == media_type
        errors = sorted(_validator(document, content[media_type]["schema"]).iter_errors(reply.json), key=str)
        assert not errors, (method, path, [e.message for e in errors])
