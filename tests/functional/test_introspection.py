"""RFC 7662 introspection (`POST /v1/oauth/introspect`): what a gateway learns of a key, and nothing more."""

from __future__ import annotations

import base64
import time
from collections import Counter
from datetime import timedelta
from typing import Any
from urllib.parse import quote_plus, urlencode

import pytest

from chalicelib.services import usage_recorder
from tests.functional.conftest import Api, Reply
from tests.functional.test_hmac_keys import HmacProject
from tests.functional.test_jwt_keys import JwtProject
from tests.functional.test_usage import observed, rollup
from tests.functional.test_verify import Project, stamp, well_formed_key

INTROSPECT = "/v1/oauth/introspect"
FORM = "application/x-www-form-urlencoded"
INACTIVE = {"active": False}


def introspect(project: Project, form: str | dict[str, str], *, authorization: str | None = None) -> Reply:
    body = form if isinstance(form, str) else urlencode(form)
    auth = authorization if authorization is not None else f"Bearer {project.service_key}"
    return project.api.request("POST", INTROSPECT, body=body, headers={"content-type": FORM, "authorization": auth})


def answer(project: Project, token: str, **extra: str) -> dict[str, Any]:
    reply = introspect(project, {"token": token, **extra})
    assert reply.status == 200, reply.body
    assert reply.headers["cache-control"] == "no-store"
    body: dict[str, Any] = reply.json
    return body


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{quote_plus(user)}:{quote_plus(password)}".encode()).decode()


def test_a_valid_opaque_key_is_active_with_its_claims(api: Api) -> None:
    project = Project(api)
    role_id = project.role(["orders:read", "orders:write"])
    before = int(time.time())
    key, secret = project.issue(role_id=role_id, ttl_seconds=3600)
    body = answer(project, secret, token_type_hint="access_token")
    exp = body.pop("exp")
    iat = body.pop("iat")
    assert body == {
        "active": True,
        "scope": "orders:read orders:write",
        "sub": "ann",
        "aud": project.pid,
        "jti": key["id"],
        "token_type": "api_key",
        "project_id": project.pid,
        "role_id": role_id,
    }
    assert before <= iat <= int(time.time())
    assert isinstance(exp, int) and exp - iat in range(3599, 3602)


def test_a_key_that_never_expires_has_no_exp(api: Api) -> None:
    project = Project(api)
    _, secret = project.issue()
    body = answer(project, secret)
    assert body["active"] is True and "exp" not in body


def test_a_jwt_key_is_active_too(api: Api) -> None:
    project = JwtProject(api)
    key, token = project.issue_jwt()
    body = answer(project, token)
    assert (body["active"], body["jti"], body["sub"], body["aud"]) == (True, key["id"], "ann", project.pid)


def test_every_key_that_is_not_valid_here_is_exactly_inactive(api: Api) -> None:
    project = HmacProject(api)
    other = Project(api, owner="bob", name="Other")
    _, revoked = project.issue()
    revoked_id = project.api.get(f"/v1/projects/{project.pid}/keys", as_user="ann").json["items"][0]["id"]
    assert project.api.delete(f"/v1/projects/{project.pid}/keys/{revoked_id}", as_user="ann").status == 204
    _, expiring = project.issue(expires_at=stamp(timedelta(seconds=2)))
    _, of_other_project = other.issue()
    project.api.put(f"/v1/projects/{project.pid}/members/dev", {"role": "developer"}, as_user="ann")
    _, of_a_viewer = project.issue(owner_id="dev")
    project.api.put(f"/v1/projects/{project.pid}/members/dev", {"role": "viewer"}, as_user="ann")
    hmac_token = project.issue_hmac()[1]
    time.sleep(2.1)
    tokens = {
        "malformed": "not a key",
        "empty": "",
        "unknown": well_formed_key(revoked),
        "revoked": revoked,
        "expired": expiring,
        "other project's": of_other_project,
        "owner without the right": of_a_viewer,
        "an HMAC token": hmac_token,
    }
    answers = {what: answer(project, token) for what, token in tokens.items()}
    assert answers == {what: INACTIVE for what in tokens}


def test_the_service_key_may_come_as_basic_credentials_as_oauth_clients_send_it(api: Api) -> None:
    project = Project(api)
    _, secret = project.issue()
    for user in ("keywarden", project.pid, ""):
        reply = introspect(project, {"token": secret}, authorization=basic(user, project.service_key))
        assert (reply.status, reply.json["active"]) == (200, True), reply.body
    refused = {
        "no credentials": "",
        "a wrong key": basic("x", "kws_" + "A" * 40),
        "not base64": "Basic !!!",
        "no colon": "Basic " + base64.b64encode(project.service_key.encode()).decode(),
        "a person's token": f"Bearer {api.token('ann')}",
    }
    for what, authorization in refused.items():
        reply = introspect(project, {"token": secret}, authorization=authorization)
        assert (reply.status, reply.code) == (401, "unauthenticated"), what
        # RFC 6749 section 5.2: the challenge names the scheme the client tried (Bearer always).
        challenge = reply.headers["www-authenticate"]
        assert challenge.startswith("Bearer"), what
        assert ('Basic realm="keywarden"' in challenge) == authorization.startswith("Basic"), what


def test_the_body_is_a_form_with_each_parameter_once(api: Api) -> None:
    project = Project(api)
    _, secret = project.issue()
    as_json = api.request(
        "POST",
        INTROSPECT,
        json_body={"token": secret},
        headers={"authorization": f"Bearer {project.service_key}"},
    )
    assert (as_json.status, as_json.code) == (415, "unsupported_media_type")
    twice = introspect(project, f"token={secret}&token={secret}")
    assert (twice.status, twice.code) == (400, "malformed_request")
    missing = introspect(project, "token_type_hint=access_token")
    assert (missing.status, missing.code) == (422, "validation_failed")
    not_utf8 = project.api.request(
        "POST",
        INTROSPECT,
        body=b"token=%ff%fe",
        headers={"content-type": FORM, "authorization": f"Bearer {project.service_key}"},
    )
    assert (not_utf8.status, not_utf8.code) == (400, "malformed_request")  # not silently U+FFFD
    too_many = introspect(project, "&".join(f"p{i}=x" for i in range(60)) + f"&token={secret}")
    assert (too_many.status, too_many.code) == (400, "malformed_request")
    extra = introspect(project, {"token": secret, "resource": "https://api.example.com"})
    assert extra.status == 200 and extra.json["active"] is True


def test_introspections_are_counted_in_usage_like_verifications(api: Api) -> None:
    project = Project(api)
    key, secret = project.issue()
    answer(project, secret)
    answer(project, secret)
    answer(project, well_formed_key(secret))
    usage_recorder.flush()
    rollup(api)
    assert observed(api, project.pid, "hour") == Counter({"VALID": 2, "NOT_FOUND": 1})
    assert observed(api, project.pid, "hour", key_id=key["id"]) == Counter({"VALID": 2})


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_only_post_is_allowed(api: Api, method: str) -> None:
    reply = api.request(method, INTROSPECT)
    assert (reply.status, reply.code) == (405, "method_not_allowed")
    assert reply.headers["allow"] == "POST"
