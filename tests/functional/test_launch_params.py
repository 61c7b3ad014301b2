"""Launch parameters: signed with the project's secure key, verified by the project's servers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.functional.conftest import Api, Reply


def reveal(api: Api, pid: str, name: str, user: str = "ann") -> str:
    reply = api.post(f"/v1/projects/{pid}/secrets/{name}/reveal", as_user=user)
    assert reply.status == 200, reply.body
    value: str = reply.json["value"]
    return value


def vk_sign(params: dict[str, str], secure_key: str) -> str:
    """The signature as API.md describes it, computed independently of the service."""
    signed = urlencode(sorted((k, v) for k, v in params.items() if k.startswith("vk_")))
    digest = hmac.new(secure_key.encode(), signed.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def launch(secure_key: str, **extra: str) -> dict[str, str]:
    """Launch parameters as a client receives them: vk_ ones, a foreign one, and `sign`."""
    params = {"vk_user_id": "494075", "vk_app_id": "6736218", "vk_ts": str(int(time.time())), **extra}
    return {**params, "utm_source": "catalog", "sign": vk_sign(params, secure_key)}


def sign(api: Api, pid: str, params: dict[str, str], user: str = "ann") -> Reply:
    return api.post(f"/v1/projects/{pid}/launch-params/sign", {"params": params}, as_user=user)


class Verifier:
    """The project's server: verifies launch queries with its service key."""

    def __init__(self, api: Api, service_key: str) -> None:
        self.api = api
        self.service_key = service_key

    def reply(self, query: str, **extra: Any) -> Reply:
        return self.api.post(
            "/v1/launch-params/verify",
            {"query": query, **extra},
            headers={"authorization": f"Bearer {self.service_key}"},
        )

    def __call__(self, query: str, **extra: Any) -> str:
        reply = self.reply(query, **extra)
        assert reply.status == 200, reply.body
        assert reply.json["valid"] is (reply.json["code"] == "VALID")
        code: str = reply.json["code"]
        return code


@pytest.fixture
def project(api: Api) -> tuple[str, Verifier]:
    pid = api.project(owner="ann", adam="admin", eddie="editor", dave="developer", vic="viewer")
    return pid, Verifier(api, reveal(api, pid, "service_key"))


def test_owner_admin_and_editor_sign_and_the_server_verifies(api: Api, project: tuple[str, Verifier]) -> None:
    pid, verify = project
    secure_key = reveal(api, pid, "secure_key")
    params = {"vk_user_id": "494075", "vk_app_id": "6736218", "vk_ts": str(int(time.time())), "vk_platform": "web"}
    for user in ("ann", "adam", "eddie"):
        signed = sign(api, pid, params, user=user)
        assert signed.status == 200, (user, signed.body)
        assert signed.json["sign"] == vk_sign(params, secure_key)
        assert signed.json["query"].endswith("&sign=" + signed.json["sign"])
        assert verify(signed.json["query"]) == "VALID"
        assert verify("?" + signed.json["query"], max_age_seconds=300) == "VALID"

    # Values that need URL-encoding round-trip too.
    odd = {"vk_user_id": "1", "vk_ref": "other & more=/?ü", "vk_ts": str(int(time.time()))}
    assert verify(sign(api, pid, odd).json["query"]) == "VALID"


@pytest.mark.parametrize(("user", "status"), [("dave", 403), ("vic", 403), ("mallory", 404)])
def test_others_may_not_sign(api: Api, project: tuple[str, Verifier], user: str, status: int) -> None:
    pid, _ = project
    secure_key = reveal(api, pid, "secure_key")
    reply = sign(api, pid, {"vk_user_id": "1"}, user=user)
    assert reply.status == status
    assert secure_key.encode() not in reply.body and vk_sign({"vk_user_id": "1"}, secure_key).encode() not in reply.body


def test_a_query_signed_by_the_client_in_any_order_verifies(api: Api, project: tuple[str, Verifier]) -> None:
    pid, verify = project
    params = launch(reveal(api, pid, "secure_key"))
    # Order, and parameters that are not vk_, do not matter.
    assert verify(urlencode(params)) == "VALID"
    assert verify(urlencode(dict(reversed(list(params.items()))))) == "VALID"


def test_tampered_queries_are_invalid_signature(api: Api, project: tuple[str, Verifier]) -> None:
    pid, verify = project
    params = launch(reveal(api, pid, "secure_key"))
    assert verify(urlencode(params)) == "VALID"
    tampered = [
        {**params, "vk_user_id": "1"},  # another user
        {**params, "vk_is_app_user": "1"},  # a vk_ parameter added
        {k: v for k, v in params.items() if k != "vk_app_id"},  # one removed
        {**params, "sign": params["sign"][:-1] + ("A" if params["sign"][-1] != "A" else "B")},
        {**params, "sign": vk_sign(params, "some-other-secure-key-0000")},  # signed with another key
    ]
    for query in tampered:
        assert verify(urlencode(query)) == "INVALID_SIGNATURE", query
        assert verify(urlencode(query), max_age_seconds=0) == "INVALID_SIGNATURE", query


def test_another_projects_signature_is_invalid(api: Api, project: tuple[str, Verifier]) -> None:
    _, verify = project
    other = api.project(owner="bob", name="Other")
    query = sign(api, other, {"vk_user_id": "1", "vk_ts": str(int(time.time()))}, user="bob").json["query"]
    assert Verifier(api, reveal(api, other, "service_key", user="bob"))(query) == "VALID"
    assert verify(query) == "INVALID_SIGNATURE"


def test_max_age_expires_old_launches(api: Api, project: tuple[str, Verifier]) -> None:
    pid, verify = project
    secure_key = reveal(api, pid, "secure_key")
    old = urlencode(launch(secure_key, vk_ts=str(int(time.time()) - 3600)))
    assert verify(old) == "VALID"  # no max_age_seconds: age is not checked
    assert verify(old, max_age_seconds=86400) == "VALID"
    assert verify(old, max_age_seconds=600) == "EXPIRED"
    assert verify(urlencode(launch(secure_key)), max_age_seconds=600) == "VALID"
    # vk_ts must be a time when the age is checked.
    assert verify(urlencode(launch(secure_key, vk_ts="yesterday")), max_age_seconds=600) == "MALFORMED"


def test_garbage_queries_are_malformed(api: Api, project: tuple[str, Verifier]) -> None:
    pid, verify = project
    params = launch(reveal(api, pid, "secure_key"))
    without_sign = {k: v for k, v in params.items() if k != "sign"}
    garbage = [
        "",
        "not a query",
        "?",
        "&&&",
        "sign=abc",  # no vk_ parameter
        urlencode(without_sign),  # no sign
        urlencode(params) + "&sign=" + params["sign"],  # sign twice
        urlencode(params) + "&vk_user_id=2",  # a parameter twice: which value was signed?
        "vk_user_id=%FF%FE&sign=abc",  # not UTF-8
        "x" * 8000,
    ]
    for query in garbage:
        reply = Verifier(api, verify.service_key).reply(query)
        assert reply.status == 200, (query[:40], reply.body)
        assert reply.json == {"valid": False, "code": "MALFORMED"}, query[:40]


def test_too_long_or_invalid_verify_bodies_are_422(api: Api, project: tuple[str, Verifier]) -> None:
    _, verify = project
    assert verify.reply("vk_a=1&sign=x", max_age_seconds=-1).status == 422
    assert verify.reply("vk_a=1&sign=x" + "x" * 9000).status == 422
    bad_type = api.post(
        "/v1/launch-params/verify", {"query": 5}, headers={"authorization": f"Bearer {verify.service_key}"}
    )
    assert (bad_type.status, bad_type.code) == (422, "validation_failed")


def test_sign_accepts_only_vk_parameters(api: Api, project: tuple[str, Verifier]) -> None:
    pid, _ = project
    for params in ({"user_id": "1"}, {"vk_user_id": "1", "sign": "x"}, {"vk_user_id": "1", "utm_source": "x"}, {}):
        reply = sign(api, pid, params)
        assert (reply.status, reply.code) == (422, "validation_failed"), params
    assert api.post(f"/v1/projects/{pid}/launch-params/sign", {}, as_user="ann").status == 422


def test_verify_needs_the_service_key(api: Api, project: tuple[str, Verifier]) -> None:
    pid, _ = project
    query = sign(api, pid, {"vk_user_id": "1"}).json["query"]
    for headers in ({}, {"authorization": "Bearer " + api.token("ann")}, {"authorization": "Bearer kws_nope"}):
        reply = api.post("/v1/launch-params/verify", {"query": query}, headers=headers)
        assert (reply.status, reply.code) == (401, "unauthenticated")


def test_secure_key_rotation_with_grace_then_without(api: Api, project: tuple[str, Verifier], long_cache: None) -> None:
    pid, verify = project
    first = reveal(api, pid, "secure_key")
    signed_first = urlencode(launch(first))
    assert verify(signed_first) == "VALID"  # the secure key is now cached in this process

    rotated = api.post(f"/v1/projects/{pid}/secrets/secure_key/rotate", {"grace_seconds": 3600}, as_user="ann")
    assert rotated.status == 200 and rotated.json["previous_valid_until"] is not None
    second = rotated.json["value"]
    signed_second = urlencode(launch(second))
    assert verify(signed_first) == "VALID"
    assert verify(signed_second) == "VALID"
    # Signing uses the new key.
    assert sign(api, pid, {"vk_user_id": "7"}).json["sign"] == vk_sign({"vk_user_id": "7"}, second)

    rotated = api.post(f"/v1/projects/{pid}/secrets/secure_key/rotate", {"grace_seconds": 0}, as_user="ann")
    assert rotated.status == 200 and rotated.json["previous_valid_until"] is None
    third = rotated.json["value"]
    assert verify(signed_first) == "INVALID_SIGNATURE"
    assert verify(signed_second) == "INVALID_SIGNATURE"
    assert verify(urlencode(launch(third))) == "VALID"
