"""RFC 7662 introspection over real HTTP, driven by a real OAuth client: authlib's.

A gateway or resource server that speaks introspection authenticates as an OAuth client
(`client_secret_basic`: the project's id and service key) and reads `active` and `scope`;
authlib's own resource-server validator decides from the answer as it would for any
authorization server.
"""

from __future__ import annotations

from typing import Any

import pytest
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6750 import InsufficientScopeError, InvalidTokenError
from authlib.oauth2.rfc7662 import IntrospectTokenValidator

from tests.e2e.conftest import JsonClient

INTROSPECT = "/v1/oauth/introspect"


class Project:
    def __init__(self, client: JsonClient, owner: str) -> None:
        self.client, self.token = client, client.token(owner)
        reply = client.post("/v1/projects", {"name": "Gateway"}, token=self.token)
        assert reply.status == 201, reply.body
        self.pid: str = reply.body["id"]
        revealed = client.post(f"/v1/projects/{self.pid}/secrets/service_key/reveal", token=self.token)
        assert revealed.status == 200, revealed.body
        self.service_key: str = revealed.body["value"]
        role = client.post(
            f"/v1/projects/{self.pid}/roles", {"name": "reader", "permissions": ["orders:read"]}, token=self.token
        )
        assert role.status == 201, role.body
        self.role_id: str = role.body["id"]

    def issue(self, kind: str = "opaque") -> tuple[str, str]:
        reply = self.client.post(
            f"/v1/projects/{self.pid}/keys", {"name": "k", "type": kind, "role_id": self.role_id}, token=self.token
        )
        assert reply.status == 201, reply.body
        return reply.body["key"]["id"], reply.body["secret"]["key"]

    def oauth_client(self) -> OAuth2Session:
        """The gateway's OAuth client: client id and secret, authenticated as client_secret_basic."""
        return OAuth2Session(client_id=self.pid, client_secret=self.service_key)


@pytest.fixture
def project(client: JsonClient, unique: str) -> Project:
    return Project(client, f"owner-{unique}")


def test_authlib_introspects_a_key_with_client_secret_basic(client: JsonClient, project: Project) -> None:
    key_id, key = project.issue()
    jwt_id, jwt_key = project.issue("jwt")
    with project.oauth_client() as oauth:
        for expected_id, token in ((key_id, key), (jwt_id, jwt_key)):
            response = oauth.introspect_token(client.base_url + INTROSPECT, token=token, token_type_hint="access_token")
            assert response.status_code == 200, response.text
            assert response.request.headers["Authorization"].startswith("Basic ")
            body: dict[str, Any] = response.json()
            assert body["active"] is True
            assert (body["jti"], body["scope"], body["aud"], body["token_type"]) == (
                expected_id,
                "orders:read",
                project.pid,
                "api_key",
            )
        assert client.delete(f"/v1/projects/{project.pid}/keys/{key_id}", token=project.token).status == 204
        refused = oauth.introspect_token(client.base_url + INTROSPECT, token="kw_not-a-key")
        assert (refused.status_code, refused.json()) == (200, {"active": False})


def test_authlibs_resource_server_validator_accepts_and_refuses_from_the_answer(
    client: JsonClient, project: Project
) -> None:
    _, key = project.issue()

    class KeywardenValidator(IntrospectTokenValidator):  # type: ignore[misc]
        def introspect_token(self, token_string: str) -> dict[str, Any]:
            with project.oauth_client() as oauth:
                response = oauth.introspect_token(client.base_url + INTROSPECT, token=token_string)
            response.raise_for_status()
            answer: dict[str, Any] = response.json()
            return answer

    validator = KeywardenValidator()
    token = validator.authenticate_token(key)
    validator.validate_token(token, ["orders:read"], None)
    with pytest.raises(InsufficientScopeError):
        validator.validate_token(token, ["orders:write"], None)
    with pytest.raises(InvalidTokenError):
        validator.validate_token(validator.authenticate_token("kw_unknown"), [], None)


def test_a_client_with_a_wrong_secret_is_refused(client: JsonClient, project: Project) -> None:
    _, key = project.issue()
    with OAuth2Session(client_id=project.pid, client_secret="kws_" + "x" * 40) as oauth:
        response = oauth.introspect_token(client.base_url + INTROSPECT, token=key)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
