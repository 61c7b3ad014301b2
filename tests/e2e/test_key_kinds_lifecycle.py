"""JWT and HMAC keys through their whole life over real HTTP: issue, verify, reroll, the
owner losing and regaining the right, expiry and revocation, as a project's servers see it.

Each key is presented the way its kind is: a JWT key as a bearer credential to
/v1/keys/verify, an HMAC key as a request signed by the client package and handed to
/v1/hmac/verify (a fresh signature every time, so none is a replay).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from keywarden.signing import sign_request

from tests.e2e.conftest import JsonClient
from tests.e2e.test_keys_over_http import Project, set_up_project

RESOURCE = "https://api.example.com"


def issue(project: Project, key_type: str, **extra: Any) -> tuple[dict[str, Any], dict[str, str]]:
    reply = project.client.post(
        project.path("/keys"),
        {"name": key_type, "type": key_type, "role_id": project.role_id, **extra},
        token=project.token,
    )
    assert reply.status == 201, reply.body
    return reply.body["key"], reply.body["secret"]


def verdict(project: Project, key_type: str, secret: dict[str, str]) -> dict[str, Any]:
    if key_type == "jwt":
        return dict(project.verdict(secret["key"]))
    url = f"{RESOURCE}/orders?at={time.time_ns()}"
    headers = sign_request(secret["token"], secret["secret"], "GET", url)
    reply = project.client.post(
        "/v1/hmac/verify", {"method": "GET", "url": url, "headers": headers}, token=project.service_key
    )
    assert reply.status == 200, reply.body
    return dict(reply.body)


def eventually(code: str, read: Callable[[], dict[str, Any]], seconds: float = 6.0) -> dict[str, Any]:
    """Polls until the verdict's code is `code`: another process's cache may hold the old answer
    for KEYWARDEN_CACHE_TTL (5 s)."""
    deadline = time.monotonic() + seconds
    result = read()
    while result["code"] != code and time.monotonic() < deadline:
        time.sleep(0.1)
        result = read()
    return result


@pytest.mark.parametrize("key_type", ["jwt", "hmac"])
def test_a_key_through_its_whole_life(client: JsonClient, unique: str, key_type: str) -> None:
    project = set_up_project(client, f"owner-{unique}")
    dev = f"dev-{unique}"
    added = client.put(project.path(f"/members/{dev}"), {"role": "developer"}, token=project.token)
    assert added.status == 200, added.body

    key, secret = issue(project, key_type, owner_id=dev, ttl_seconds=3600, meta={"plan": "pro"})
    valid = verdict(project, key_type, secret)
    assert (valid["valid"], valid["code"], valid["key_id"], valid["owner_id"]) == (True, "VALID", key["id"], dev)
    assert valid["meta"] == {"plan": "pro"} and valid["expires_at"] == key["expires_at"]

    # Reroll with no grace: the successor works, the old key does not.
    rerolled = client.post(project.path(f"/keys/{key['id']}/reroll"), {"grace_seconds": 0}, token=project.token)
    assert rerolled.status == 200, rerolled.body
    successor, new_secret = rerolled.body["key"], rerolled.body["secret"]
    assert successor["type"] == key_type and successor["owner_id"] == dev
    assert verdict(project, key_type, secret)["code"] == "EXPIRED"
    assert verdict(project, key_type, new_secret)["code"] == "VALID"

    # The owner made viewer loses the right, and gets it back.
    client.put(project.path(f"/members/{dev}"), {"role": "viewer"}, token=project.token)
    assert eventually("OWNER_NOT_PERMITTED", lambda: verdict(project, key_type, new_secret))["valid"] is False
    client.put(project.path(f"/members/{dev}"), {"role": "developer"}, token=project.token)
    assert eventually("VALID", lambda: verdict(project, key_type, new_secret))["valid"] is True

    # Revoked: refused, and listed for offline verifiers.
    assert client.delete(project.path(f"/keys/{successor['id']}"), token=project.token).status == 204
    assert eventually("REVOKED", lambda: verdict(project, key_type, new_secret))["valid"] is False
    revoked = client.get(project.path("/revoked-keys"), token=project.token)
    assert successor["id"] in {item["key_id"] for item in revoked.body["items"]}


@pytest.mark.parametrize("key_type", ["jwt", "hmac"])
def test_a_short_lived_key_expires(client: JsonClient, unique: str, key_type: str) -> None:
    project = set_up_project(client, f"owner-{unique}")
    key, secret = issue(project, key_type, ttl_seconds=1)
    assert verdict(project, key_type, secret)["code"] == "VALID"
    assert eventually("EXPIRED", lambda: verdict(project, key_type, secret), seconds=4)["key_id"] == key["id"]
