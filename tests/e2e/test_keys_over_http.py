"""API keys, app secrets and launch parameters as a customer meets them: over real HTTP, on 127.0.0.1 only.

A person (a token from the local issuer) manages a project; the project's servers
verify keys and launch parameters with its service key. Every change here is made by
the same process that verifies, so it shows at once: no waiting, no polling.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.e2e.conftest import JsonClient, Reply, assert_problem

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
OPAQUE_KEY = re.compile(r"^kw_(?P<body>[0-9A-Za-z]+)$")
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
PERMISSIONS = ["orders:list", "orders:read"]
STEP_UP_MAX_AGE = int(os.environ.get("KEYWARDEN_STEP_UP_MAX_AGE", "300"))  # the stack reads the same environment


# --- what a customer could compute without the service -----------------------------


def base62(value: int, width: int) -> str:
    digits = []
    for _ in range(width):
        value, digit = divmod(value, 62)
        digits.append(BASE62[digit])
    assert value == 0
    return "".join(reversed(digits))


def checksum_ok(key: str) -> bool:
    """The documented offline check: the body's last 6 characters are the base62 CRC32 of the rest."""
    match = OPAQUE_KEY.fullmatch(key)
    if match is None:
        return False
    body = match["body"]
    return base62(zlib.crc32(body[:-6].encode("ascii")), 6) == body[-6:]


def well_formed_key(random_length: int = 28) -> str:
    """A key that passes every offline check but that the service never issued."""
    random_part = "".join(secrets.choice(BASE62) for _ in range(random_length))
    return f"kw_{random_part}{base62(zlib.crc32(random_part.encode('ascii')), 6)}"


def changed_at(key: str, index: int) -> str:
    """`key` with the base62 character at `index` replaced by another base62 character."""
    replacement = "A" if key[index] != "A" else "B"
    return key[:index] + replacement + key[index + 1 :]


def vk_sign(params: dict[str, str], secure_key: str) -> str:
    """VK Mini Apps: the `vk_` params sorted by name, URL-encoded, HMAC-SHA256, base64url without padding."""
    signed = urlencode(sorted((name, value) for name, value in params.items() if name.startswith("vk_")))
    digest = hmac.new(secure_key.encode("utf-8"), signed.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# --- a project as a customer sets it up --------------------------------------------


@dataclass
class Project:
    client: JsonClient
    pid: str
    owner: str
    token: str
    service_key: str
    secure_key: str
    role_id: str

    def path(self, rest: str = "") -> str:
        return f"/v1/projects/{self.pid}{rest}"

    def create_key(self, name: str = "checkout", **extra: Any) -> tuple[dict[str, Any], str]:
        """Issues an opaque key; returns its record and its secret."""
        reply = self.client.post(
            self.path("/keys"), {"name": name, "type": "opaque", "role_id": self.role_id, **extra}, token=self.token
        )
        assert reply.status == 201, reply.body
        secret: str = reply.body["secret"]["key"]
        return reply.body["key"], secret

    def verify(self, key: str, permissions: list[str] | None = None, service_key: str | None = None) -> Reply:
        body: dict[str, Any] = {"key": key}
        if permissions is not None:
            body["permissions"] = permissions
        return self.client.post("/v1/keys/verify", body, token=service_key or self.service_key)

    def verdict(self, key: str, permissions: list[str] | None = None, service_key: str | None = None) -> Any:
        reply = self.verify(key, permissions, service_key)
        assert reply.status == 200, (reply.status, reply.body)
        assert reply.content_type == "application/json"
        return reply.body

    def reveal(self, name: str) -> str:
        reply = self.client.post(self.path(f"/secrets/{name}/reveal"), token=self.token)
        assert reply.status == 200, reply.body
        assert reply.body["name"] == name
        value: str = reply.body["value"]
        return value


def set_up_project(client: JsonClient, owner: str) -> Project:
    token = client.token(owner)
    created = client.post("/v1/projects", {"name": f"Shop of {owner}"}, token=token)
    assert created.status == 201, created.body
    pid = created.body["id"]
    role = client.post(f"/v1/projects/{pid}/roles", {"name": "order-readers", "permissions": PERMISSIONS}, token=token)
    assert role.status == 201, role.body
    project = Project(client, pid, owner, token, "", "", role.body["id"])
    project.service_key = project.reveal("service_key")
    project.secure_key = project.reveal("secure_key")
    return project


@pytest.fixture
def project(client: JsonClient, unique: str) -> Project:
    return set_up_project(client, f"owner-{unique}")


@pytest.fixture(scope="module")
def shared_project(client: JsonClient) -> Iterator[Project]:
    """One project for the read-only verification checks of this module."""
    yield set_up_project(client, f"owner-{secrets.token_hex(5)}")


# --- app secrets -------------------------------------------------------------------


def test_app_secrets_are_revealed_with_a_fresh_login_only(client: JsonClient, unique: str) -> None:
    owner = f"owner-{unique}"
    token = client.token(owner)
    pid = client.post("/v1/projects", {"name": f"Secrets {unique}"}, token=token).body["id"]

    listed = client.get(f"/v1/projects/{pid}/secrets", token=token)
    assert listed.status == 200, listed.body
    hints = {item["name"]: item for item in listed.body["items"]}
    assert set(hints) == {"secure_key", "service_key"}

    revealed = {}
    for name in ("service_key", "secure_key"):
        reply = client.post(f"/v1/projects/{pid}/secrets/{name}/reveal", token=token)
        assert reply.status == 200, reply.body
        assert reply.body["name"] == name
        revealed[name] = reply.body["value"]
        assert hints[name]["hint"] == revealed[name][-4:]
        assert revealed[name] not in listed.raw.decode()
        assert RFC3339_UTC.match(hints[name]["created_at"])
    assert revealed["service_key"].startswith("kws_") and len(revealed["service_key"]) > 20
    assert len(revealed["secure_key"]) >= 20
    assert revealed["secure_key"] != revealed["service_key"]
    assert (
        client.post(f"/v1/projects/{pid}/secrets/service_key/reveal", token=token).body["value"]
        == (revealed["service_key"])
    ), "revealing twice must show the same value"

    # A login an hour old may still read, but not reveal or rotate (RFC 9470).
    stale = client.post("/v1/dev/token", {"sub": owner, "auth_age_seconds": 3600})
    assert stale.status == 200, stale.body
    stale_token = stale.body["access_token"]
    assert client.get(f"/v1/projects/{pid}/secrets", token=stale_token).status == 200
    expected_challenge = f'Bearer error="insufficient_user_authentication", max_age={STEP_UP_MAX_AGE}'
    for action, body in (("reveal", None), ("rotate", {"grace_seconds": 0})):
        for name in ("service_key", "secure_key"):
            reply = client.post(f"/v1/projects/{pid}/secrets/{name}/{action}", body, token=stale_token)
            assert_problem(reply, 401, "step_up_required")
            assert reply.headers.get("www-authenticate") == expected_challenge
            assert revealed[name] not in reply.raw.decode()

    # The refused rotation changed nothing: the service key still authenticates.
    still = client.post("/v1/keys/verify", {"key": well_formed_key()}, token=revealed["service_key"])
    assert still.status == 200, still.body
    assert (
        client.post(f"/v1/projects/{pid}/secrets/service_key/reveal", token=token).body["value"]
        == (revealed["service_key"])
    )

    # Every reveal is in the audit trail; no secret is.
    audit = client.get(f"/v1/projects/{pid}/audit-events", token=token)
    assert audit.status == 200, audit.body
    reveals = [e for e in audit.body["items"] if e["action"] == "secret.revealed"]
    assert [e["target"] for e in reveals] == [
        {"type": "secret", "id": name} for name in ("service_key", "service_key", "secure_key", "service_key")
    ]
    assert all(e["actor"] == owner for e in reveals)
    assert not [e for e in audit.body["items"] if e["action"] == "secret.rotated"], "a refused rotation was audited"
    for value in revealed.values():
        assert value not in audit.raw.decode()


# --- opaque keys ---------------------------------------------------------------------


def test_an_opaque_key_is_shown_once_and_verifies_with_its_permissions(project: Project) -> None:
    created = project.client.post(
        project.path("/keys"),
        {"name": "checkout", "type": "opaque", "role_id": project.role_id, "meta": {"env": "test"}},
        token=project.token,
    )
    assert created.status == 201, created.body
    assert created.content_type == "application/json"
    key, secret = created.body["key"], created.body["secret"]["key"]
    assert set(created.body["secret"]) == {"key"}

    # The documented format: kw_ + base62, the last 6 characters a CRC32 checksum, 160+ bits of randomness.
    match = OPAQUE_KEY.fullmatch(secret)
    assert match is not None, secret
    assert (len(match["body"]) - 6) * 5.954 >= 160
    assert checksum_ok(secret)

    assert key["type"] == "opaque" and key["status"] == "active"
    assert key["project_id"] == project.pid
    assert key["owner_id"] == project.owner and key["created_by"] == project.owner
    assert key["role_id"] == project.role_id
    assert sorted(key["permissions"]) == PERMISSIONS
    assert key["meta"] == {"env": "test"}
    assert key["revoked_at"] is None and key["expires_at"] is None
    assert RFC3339_UTC.match(key["created_at"])
    assert secret[-4:] in key["hint"] and secret not in key["hint"]

    # Never shown again: not in the key, not in the list.
    again = project.client.get(project.path(f"/keys/{key['id']}"), token=project.token)
    assert again.status == 200 and again.body == key
    listed = project.client.get(project.path("/keys"), token=project.token)
    assert listed.status == 200
    assert [k["id"] for k in listed.body["items"]] == [key["id"]]
    for reply in (again, listed):
        assert secret.encode() not in reply.raw and secret[3:-4].encode() not in reply.raw

    # The project's servers verify it with the service key.
    verdict = project.verdict(secret)
    assert verdict["valid"] is True and verdict["code"] == "VALID"
    assert verdict["key_id"] == key["id"]
    assert verdict["project_id"] == project.pid
    assert verdict["owner_id"] == project.owner
    assert verdict["role_id"] == project.role_id
    assert sorted(verdict["permissions"]) == PERMISSIONS
    assert verdict["meta"] == {"env": "test"}
    assert verdict.get("expires_at") is None

    assert project.verdict(secret, ["orders:read"])["code"] == "VALID"
    assert project.verdict(secret, PERMISSIONS)["code"] == "VALID"
    for missing in (["orders:write"], ["orders:read", "orders:write"], ["orders:*"]):
        lacking = project.verdict(secret, missing)
        assert lacking["valid"] is False and lacking["code"] == "INSUFFICIENT_PERMISSIONS", missing
        assert lacking["key_id"] == key["id"]

    # Only the service key authenticates verification; a person's token does not.
    for authorization in (project.token, project.secure_key, None):
        headers = {} if authorization is None else {"Authorization": f"Bearer {authorization}"}
        denied = project.client.post("/v1/keys/verify", {"key": secret}, headers=headers)
        assert_problem(denied, 401, "unauthenticated")
        assert secret.encode() not in denied.raw


def test_a_key_with_one_character_changed_is_malformed(project: Project) -> None:
    _, secret = project.create_key()
    assert project.verdict(secret)["code"] == "VALID"
    for index in (3, 17, len(secret) - 7, len(secret) - 1):  # first, middle, last random; last checksum
        typo = changed_at(secret, index)
        assert typo != secret and len(typo) == len(secret)
        assert project.verdict(typo) == {"valid": False, "code": "MALFORMED"}, index
    assert project.verdict(secret)["code"] == "VALID"


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param("kw_", id="prefix-only"),
        pytest.param("kx_" + well_formed_key()[3:], id="wrong-prefix"),
        pytest.param("KW_" + well_formed_key()[3:], id="upper-case-prefix"),
        pytest.param("kws_" + well_formed_key()[3:], id="service-key-prefix"),
        pytest.param(well_formed_key()[:-1], id="one-short"),
        pytest.param(well_formed_key() + "A", id="one-long"),
        pytest.param(" " + well_formed_key(), id="leading-space"),
        pytest.param("kw_" + "A" * 20_000, id="20KB"),
        pytest.param(well_formed_key()[:10] + "é" + well_formed_key()[11:], id="non-ascii-latin"),
        pytest.param("kw_" + "ключ" * 8 + "٣٣", id="non-ascii-cyrillic-and-arabic-digits"),
        pytest.param(well_formed_key()[:-1] + "\U0001f511", id="emoji"),
        pytest.param(well_formed_key()[:10] + "\x00" + well_formed_key()[11:], id="nul"),
        pytest.param(well_formed_key()[:10] + "-" + well_formed_key()[11:], id="outside-base62"),
    ],
)
def test_garbage_keys_are_malformed_not_errors(shared_project: Project, key: str) -> None:
    reply = shared_project.verify(key, ["orders:read"])
    assert reply.status == 200, (reply.status, reply.body)
    assert reply.content_type == "application/json"
    assert reply.body == {"valid": False, "code": "MALFORMED"}


def test_a_well_formed_key_nobody_issued_is_not_found(shared_project: Project) -> None:
    unknown = well_formed_key()
    assert checksum_ok(unknown)
    for _ in range(2):  # the second answer may come from a cache: it must not differ
        assert shared_project.verdict(unknown) == {"valid": False, "code": "NOT_FOUND"}
    assert shared_project.verdict(unknown, ["orders:read"]) == {"valid": False, "code": "NOT_FOUND"}


def test_a_key_of_another_project_is_not_found_like_an_unknown_key(client: JsonClient, unique: str) -> None:
    first = set_up_project(client, f"first-{unique}")
    second = set_up_project(client, f"second-{unique}")
    assert first.service_key != second.service_key
    _, secret = first.create_key()
    assert first.verdict(secret)["code"] == "VALID"

    foreign = second.verify(secret)
    unknown = second.verify(well_formed_key())
    assert foreign.status == unknown.status == 200
    assert foreign.body == unknown.body == {"valid": False, "code": "NOT_FOUND"}
    assert foreign.raw == unknown.raw
    assert first.pid.encode() not in foreign.raw
    assert second.verdict(secret, ["orders:read"]) == {"valid": False, "code": "NOT_FOUND"}
    # ... and its owner still verifies it.
    assert first.verdict(secret)["code"] == "VALID"


# --- the owner's "API calls" right ---------------------------------------------------


def test_an_owner_made_viewer_loses_their_keys_until_made_developer_again(project: Project, unique: str) -> None:
    developer = f"dev-{unique}"
    member_path = project.path(f"/members/{developer}")
    added = project.client.put(member_path, {"role": "developer"}, token=project.token)
    assert added.status == 200, added.body

    key, secret = project.create_key("dev laptop", owner_id=developer)
    assert key["owner_id"] == developer and key["created_by"] == project.owner
    verdict = project.verdict(secret)
    assert verdict["code"] == "VALID" and verdict["owner_id"] == developer

    viewer = project.client.put(member_path, {"role": "viewer"}, token=project.token)
    assert viewer.status == 200 and viewer.body["role"] == "viewer"
    lost = project.verdict(secret)
    assert lost["valid"] is False and lost["code"] == "OWNER_NOT_PERMITTED"
    assert lost["key_id"] == key["id"]
    # A viewer may not be given a new key either.
    refused = project.client.post(
        project.path("/keys"),
        {"name": "viewer key", "type": "opaque", "role_id": project.role_id, "owner_id": developer},
        token=project.token,
    )
    assert_problem(refused, 422, "owner_not_permitted")

    back = project.client.put(member_path, {"role": "developer"}, token=project.token)
    assert back.status == 200 and back.body["role"] == "developer"
    restored = project.verdict(secret, ["orders:read"])
    assert restored["valid"] is True and restored["code"] == "VALID"
    assert restored["key_id"] == key["id"] and restored["owner_id"] == developer

    # Removed from the project: the same; added back with the right: working again.
    removed = project.client.delete(member_path, token=project.token)
    assert removed.status == 204, removed.body
    assert project.verdict(secret)["code"] == "OWNER_NOT_PERMITTED"
    again = project.client.put(member_path, {"role": "developer"}, token=project.token)
    assert again.status == 200, again.body
    assert project.verdict(secret)["code"] == "VALID"


# --- revoke, reroll, batch delete ------------------------------------------------------


def test_a_revoked_key_stops_verifying_at_once(project: Project) -> None:
    key, secret = project.create_key()
    _, other = project.create_key("keeps working")
    assert project.verdict(secret)["code"] == "VALID"  # now cached as valid

    deleted = project.client.delete(project.path(f"/keys/{key['id']}"), token=project.token)
    assert deleted.status == 204 and deleted.raw == b""
    revoked = project.verdict(secret)
    assert revoked["valid"] is False and revoked["code"] == "REVOKED"
    assert revoked["key_id"] == key["id"]
    assert project.verdict(other)["code"] == "VALID"

    shown = project.client.get(project.path(f"/keys/{key['id']}"), token=project.token).body
    assert shown["status"] == "revoked" and RFC3339_UTC.match(shown["revoked_at"])
    feed = project.client.get(project.path("/revoked-keys"), token=project.token)
    assert feed.status == 200
    assert [item["key_id"] for item in feed.body["items"]] == [key["id"]]


def test_a_reroll_without_grace_expires_the_old_key_at_once(project: Project) -> None:
    old, old_secret = project.create_key("rolling", meta={"team": "payments"})
    assert project.verdict(old_secret)["code"] == "VALID"

    rerolled = project.client.post(project.path(f"/keys/{old['id']}/reroll"), {"grace_seconds": 0}, token=project.token)
    assert rerolled.status == 200, rerolled.body
    new, new_secret = rerolled.body["key"], rerolled.body["secret"]["key"]
    assert new["id"] != old["id"] and new_secret != old_secret
    assert checksum_ok(new_secret)
    assert (new["owner_id"], new["role_id"], new["meta"]) == (old["owner_id"], old["role_id"], old["meta"])

    expired = project.verdict(old_secret)
    assert expired["valid"] is False and expired["code"] == "EXPIRED"
    assert expired["key_id"] == old["id"]
    fresh = project.verdict(new_secret, ["orders:list"])
    assert fresh["valid"] is True and fresh["key_id"] == new["id"]
    assert fresh["meta"] == {"team": "payments"}
    assert project.client.get(project.path(f"/keys/{old['id']}"), token=project.token).body["status"] == "expired"


def test_a_reroll_with_grace_keeps_the_old_key_working_until_then(project: Project) -> None:
    old, old_secret = project.create_key("rolling slowly")
    before = time.time()
    rerolled = project.client.post(
        project.path(f"/keys/{old['id']}/reroll"), {"grace_seconds": 3600}, token=project.token
    )
    assert rerolled.status == 200, rerolled.body
    new_secret = rerolled.body["secret"]["key"]

    still = project.verdict(old_secret)
    assert still["valid"] is True and still["key_id"] == old["id"]
    assert RFC3339_UTC.match(still["expires_at"])
    until = datetime.fromisoformat(still["expires_at"].replace("Z", "+00:00")).timestamp()
    assert before + 3600 - 5 <= until <= time.time() + 3600 + 5
    assert project.verdict(new_secret)["key_id"] == rerolled.body["key"]["id"]


def test_creating_a_key_twice_with_one_idempotency_key_issues_one_key(project: Project) -> None:
    body = {"name": "retried", "type": "opaque", "role_id": project.role_id}
    headers = {"Idempotency-Key": f"create-key-{secrets.token_hex(8)}"}
    first = project.client.post(project.path("/keys"), body, token=project.token, headers=headers)
    assert first.status == 201, first.body
    again = project.client.post(project.path("/keys"), body, token=project.token, headers=headers)
    assert again.status == 201, again.body
    assert again.body == first.body  # the same key, and the same secret: the client lost the first reply
    listed = project.client.get(project.path("/keys"), token=project.token).body["items"]
    assert [k["id"] for k in listed] == [first.body["key"]["id"]]
    assert project.verdict(first.body["secret"]["key"])["code"] == "VALID"


def test_batch_delete_needs_confirmation(project: Project) -> None:
    first, first_secret = project.create_key("one")
    second, second_secret = project.create_key("two")
    ids = [first["id"], second["id"]]

    for body in ({"key_ids": ids}, {"key_ids": ids, "confirm": False}):
        refused = project.client.post(project.path("/keys/batch-delete"), body, token=project.token)
        assert_problem(refused, 400, "confirmation_required")
    assert project.verdict(first_secret)["code"] == "VALID"
    assert project.verdict(second_secret)["code"] == "VALID"

    gone = "key_00000000000000000000000000"
    done = project.client.post(
        project.path("/keys/batch-delete"), {"key_ids": [*ids, gone], "confirm": True}, token=project.token
    )
    assert done.status == 200, done.body
    assert done.body == {"deleted": ids, "not_found": [gone]}
    assert project.verdict(first_secret)["code"] == "REVOKED"
    assert project.verdict(second_secret)["code"] == "REVOKED"


# --- launch parameters -------------------------------------------------------------------


def test_launch_params_signed_by_the_project_verify_and_tampering_does_not(project: Project) -> None:
    params = {
        "vk_user_id": "494075",
        "vk_app_id": "6736218",
        "vk_platform": "mobile_web",
        "vk_ts": str(int(time.time())),
    }
    signed = project.client.post(project.path("/launch-params/sign"), {"params": params}, token=project.token)
    assert signed.status == 200, signed.body
    query, sign = signed.body["query"], signed.body["sign"]
    # The documented algorithm, computed by the customer with the revealed secure key.
    assert sign == vk_sign(params, project.secure_key)
    assert query.endswith(f"&sign={sign}")

    def verify_launch(query: str, service_key: str | None = None, **extra: Any) -> Reply:
        return project.client.post(
            "/v1/launch-params/verify", {"query": query, **extra}, token=service_key or project.service_key
        )

    valid = verify_launch(query)
    assert valid.status == 200, valid.body
    assert valid.body == {"valid": True, "code": "VALID"}
    # As a launcher hands it over: another order, a leading "?", parameters that are not signed.
    reordered = "?" + urlencode([("utm_source", "feed"), *reversed(list(params.items())), ("sign", sign)])
    assert verify_launch(reordered).body == {"valid": True, "code": "VALID"}
    assert verify_launch(query, max_age_seconds=3600).body == {"valid": True, "code": "VALID"}

    tampered = {**params, "vk_user_id": "1"}
    for forged in (
        urlencode([*tampered.items(), ("sign", sign)]),
        urlencode([*params.items(), ("vk_is_app_user", "1"), ("sign", sign)]),
        urlencode([*params.items(), ("sign", sign[:-1] + ("A" if sign[-1] != "A" else "B"))]),
        urlencode([*params.items(), ("sign", vk_sign(params, project.secure_key + "x"))]),
    ):
        reply = verify_launch(forged)
        assert reply.status == 200, reply.body
        assert reply.body == {"valid": False, "code": "INVALID_SIGNATURE"}, forged

    old = {**params, "vk_ts": str(int(time.time()) - 7200)}
    stale = urlencode([*old.items(), ("sign", vk_sign(old, project.secure_key))])
    assert verify_launch(stale, max_age_seconds=3600).body == {"valid": False, "code": "EXPIRED"}
    assert verify_launch(stale).body == {"valid": True, "code": "VALID"}
    assert verify_launch("vk_user_id=1").body == {"valid": False, "code": "MALFORMED"}

    assert_problem(verify_launch(query, service_key=project.token), 401, "unauthenticated")


# --- service key rotation ------------------------------------------------------------------


def test_a_service_key_rotated_without_grace_stops_at_once(project: Project) -> None:
    _, secret = project.create_key()
    old_service_key = project.service_key
    assert project.verdict(secret)["code"] == "VALID"  # the old service key is now cached

    rotated = project.client.post(
        project.path("/secrets/service_key/rotate"), {"grace_seconds": 0}, token=project.token
    )
    assert rotated.status == 200, rotated.body
    assert rotated.body["name"] == "service_key"
    new_service_key = rotated.body["value"]
    assert new_service_key.startswith("kws_") and new_service_key != old_service_key
    assert rotated.body["previous_valid_until"] is None

    refused = project.verify(secret, service_key=old_service_key)
    assert_problem(refused, 401, "unauthenticated")
    assert secret.encode() not in refused.raw
    stale_launch = project.client.post("/v1/launch-params/verify", {"query": "vk_a=1&sign=x"}, token=old_service_key)
    assert_problem(stale_launch, 401, "unauthenticated")

    verdict = project.verdict(secret, service_key=new_service_key)
    assert verdict["valid"] is True and verdict["project_id"] == project.pid
    assert project.reveal("service_key") == new_service_key
    hints = project.client.get(project.path("/secrets"), token=project.token).body["items"]
    assert {s["name"]: s["hint"] for s in hints}["service_key"] == new_service_key[-4:]

    # With a grace period both values work until then; a rotation without grace then leaves only the newest.
    graced = project.client.post(
        project.path("/secrets/service_key/rotate"), {"grace_seconds": 600}, token=project.token
    )
    assert graced.status == 200, graced.body
    newest = graced.body["value"]
    assert RFC3339_UTC.match(graced.body["previous_valid_until"])
    for service_key in (new_service_key, newest):
        assert project.verdict(secret, service_key=service_key)["code"] == "VALID"
    final = project.client.post(project.path("/secrets/service_key/rotate"), {"grace_seconds": 0}, token=project.token)
    assert final.status == 200, final.body
    for service_key in (new_service_key, newest, old_service_key):
        assert_problem(project.verify(secret, service_key=service_key), 401, "unauthenticated")
    new_service_key = final.body["value"]
    assert project.verdict(secret, service_key=new_service_key)["code"] == "VALID"

    # A service key is generated, never imported.
    imported = project.client.post(
        project.path("/secrets/service_key/rotate"), {"value": "kws_" + "A" * 40}, token=project.token
    )
    assert_problem(imported, 422, "validation_failed")
    assert project.verdict(secret, service_key=new_service_key)["code"] == "VALID"


# --- deleting the project ---------------------------------------------------------------------


def test_deleting_a_project_stops_its_keys_and_its_service_key(client: JsonClient, unique: str) -> None:
    doomed = set_up_project(client, f"doomed-{unique}")
    bystander = set_up_project(client, f"bystander-{unique}")
    _, secret = doomed.create_key()
    _, bystander_secret = bystander.create_key()
    assert doomed.verdict(secret)["code"] == "VALID"  # key and service key now cached

    deleted = client.delete(doomed.path(), token=doomed.token)
    assert deleted.status == 204, deleted.body

    refused = doomed.verify(secret)
    assert_problem(refused, 401, "unauthenticated")
    assert refused.headers.get("www-authenticate", "").startswith("Bearer")
    signed_query = "vk_user_id=1&sign=" + vk_sign({"vk_user_id": "1"}, doomed.secure_key)
    assert_problem(
        client.post("/v1/launch-params/verify", {"query": signed_query}, token=doomed.service_key),
        401,
        "unauthenticated",
    )
    assert bystander.verdict(secret) == {"valid": False, "code": "NOT_FOUND"}
    assert_problem(client.get(doomed.path("/keys"), token=doomed.token), 404, "not_found")

    # Other projects are untouched.
    assert bystander.verdict(bystander_secret)["code"] == "VALID"
