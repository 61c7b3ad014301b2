"""Verification of opaque API keys by a project's servers: every code, and how fast changes reach it."""

from __future__ import annotations

import secrets
import time
import zlib
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.config import reset_settings
from chalicelib.store.key_models import ApiKeyModel, KeyLookupModel
from tests.functional.conftest import Api, Reply, aws_calls

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def well_formed_key(like: str) -> str:
    """A key nobody issued, of the same length as `like`, with a correct checksum (API.md's format)."""
    random_part = "".join(secrets.choice(BASE62) for _ in range(len(like) - len("kw_") - 6))
    value, check = zlib.crc32(random_part.encode()), ""
    for _ in range(6):
        value, digit = divmod(value, 62)
        check = BASE62[digit] + check
    return "kw_" + random_part + check


def stamp(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


class Project:
    """One project seen by its owner (to arrange) and by its server (to verify, with the service key)."""

    def __init__(self, api: Api, owner: str = "ann", name: str = "Demo", **members: str) -> None:
        self.api, self.owner = api, owner
        self.pid = api.project(owner=owner, name=name, **members)
        revealed = api.post(f"/v1/projects/{self.pid}/secrets/service_key/reveal", as_user=owner)
        assert revealed.status == 200, revealed.body
        self.service_key: str = revealed.json["value"]

    def role(self, permissions: list[str]) -> str:
        reply = self.api.post(
            f"/v1/projects/{self.pid}/roles", {"name": "r", "permissions": permissions}, as_user=self.owner
        )
        assert reply.status == 201, reply.body
        role_id: str = reply.json["id"]
        return role_id

    def issue(self, permissions: list[str] | None = None, **fields: Any) -> tuple[dict[str, Any], str]:
        role_id = fields.pop("role_id", None) or self.role(permissions or ["orders:read"])
        reply = self.api.post(
            f"/v1/projects/{self.pid}/keys",
            {"name": "k", "type": "opaque", "role_id": role_id, **fields},
            as_user=self.owner,
        )
        assert reply.status == 201, reply.body
        return reply.json["key"], reply.json["secret"]["key"]

    def verify(self, key: Any, permissions: list[str] | None = None) -> Reply:
        body: dict[str, Any] = {"key": key} if permissions is None else {"key": key, "permissions": permissions}
        return self.api.post("/v1/keys/verify", body, headers={"authorization": f"Bearer {self.service_key}"})

    def code(self, key: str, permissions: list[str] | None = None) -> str:
        reply = self.verify(key, permissions)
        assert reply.status == 200, reply.body
        assert reply.json["valid"] is (reply.json["code"] == "VALID")
        code: str = reply.json["code"]
        return code


def key_lookup_reads() -> AbstractContextManager[list[str]]:
    """The DynamoDB calls verification makes to find keys, as they happen."""
    return aws_calls("dynamodb")


def poll_for(expected: str, read: Any, seconds: float) -> str:
    """Calls `read` until it returns `expected` or `seconds` pass; returns the last result."""
    deadline = time.monotonic() + seconds
    result = read()
    while result != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        result = read()
    return str(result)


def test_a_valid_key_returns_what_the_server_needs(api: Api) -> None:
    project = Project(api)
    role_id = project.role(["orders:read", "orders:write"])
    key, secret = project.issue(role_id=role_id, ttl_seconds=3600, meta={"tier": "gold", "limits": {"rpm": 60}})
    reply = project.verify(secret)
    assert reply.status == 200, reply.body
    assert reply.json == {
        "valid": True,
        "code": "VALID",
        "key_id": key["id"],
        "project_id": project.pid,
        "owner_id": "ann",
        "role_id": role_id,
        "permissions": ["orders:read", "orders:write"],
        "expires_at": key["expires_at"],
        "meta": {"tier": "gold", "limits": {"rpm": 60}},
    }
    assert project.code(secret, ["orders:read"]) == "VALID"
    assert project.code(secret, ["orders:write", "orders:read"]) == "VALID"
    assert project.code(secret, []) == "VALID"


def test_garbage_is_malformed_without_a_database_read(api: Api) -> None:
    project = Project(api)
    _, secret = project.issue()
    assert project.code(secret) == "VALID"  # warms up the service key, the pepper and the connection
    middle = 10
    changed = secret[:middle] + ("a" if secret[middle] != "a" else "b") + secret[middle + 1 :]
    garbage = [
        "",
        "x" * 100_000,
        "kx_" + secret[3:],
        "KW_" + secret[3:],
        secret[:middle] + "é" + secret[middle + 1 :],
        secret[:middle] + "-" + secret[middle + 1 :],
        "eyJhbGciOiJFUzI1NiIsInR5cCI6ImFwaWtleStqd3QifQ.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJl",
        changed,
        secret[:-1],
        secret + "0",
        " " + secret,
        secret[:3] + secret[3:].swapcase(),
    ]
    with key_lookup_reads() as reads:
        for candidate in garbage:
            reply = project.verify(candidate)
            assert reply.status == 200, (candidate[:40], reply.body)
            assert reply.json == {"valid": False, "code": "MALFORMED"}, candidate[:40]
        assert reads == []
        # The counter does see reads: a well-formed key costs one.
        assert project.code(well_formed_key(secret)) == "NOT_FOUND"
        assert len(reads) == 1


def test_a_key_that_is_not_a_string_is_422(api: Api) -> None:
    project = Project(api)
    for key in (None, 5, ["kw_"], {"key": "kw_"}):
        reply = project.verify(key)
        assert (reply.status, reply.code) == (422, "validation_failed"), key
    missing = api.post("/v1/keys/verify", {}, headers={"authorization": f"Bearer {project.service_key}"})
    assert (missing.status, missing.code) == (422, "validation_failed")


def test_unknown_and_another_projects_keys_are_the_same_not_found(api: Api) -> None:
    ours = Project(api, owner="ann", name="Ours")
    theirs = Project(api, owner="bob", name="Theirs")
    _, their_secret = theirs.issue()
    assert theirs.code(their_secret) == "VALID"

    unknown = ours.verify(well_formed_key(their_secret))
    foreign = ours.verify(their_secret)
    assert unknown.status == foreign.status == 200
    assert unknown.json == {"valid": False, "code": "NOT_FOUND"}
    assert foreign.body == unknown.body
    assert foreign.headers["content-type"] == unknown.headers["content-type"]
    assert ours.verify(their_secret, ["orders:read"]).body == unknown.body


def test_expired_keys(api: Api) -> None:
    project = Project(api)
    _, secret = project.issue(expires_at=stamp(timedelta(seconds=5)))
    assert project.code(secret) == "VALID"
    assert poll_for("EXPIRED", lambda: project.code(secret), 10) == "EXPIRED"
    assert project.verify(secret).json["valid"] is False

    # A reroll without grace expires the old key at once.
    old, old_secret = project.issue()
    assert project.code(old_secret) == "VALID"
    reroll = api.post(f"/v1/projects/{project.pid}/keys/{old['id']}/reroll", {"grace_seconds": 0}, as_user="ann")
    assert reroll.status in (200, 201)
    assert project.code(old_secret) == "EXPIRED"
    assert project.code(old_secret, ["nothing:held"]) == "EXPIRED"  # expiry is said before permissions


def test_revocation_takes_effect_at_once_in_the_same_process(api: Api, long_cache: None) -> None:
    project = Project(api)
    key, secret = project.issue()
    assert project.code(secret) == "VALID"  # now cached
    assert api.delete(f"/v1/projects/{project.pid}/keys/{key['id']}", as_user="ann").status == 204
    assert project.code(secret) == "REVOKED"
    assert project.code(secret, ["nothing:held"]) == "REVOKED"

    batch, batch_secret = project.issue()
    assert project.code(batch_secret) == "VALID"
    done = api.post(
        f"/v1/projects/{project.pid}/keys/batch-delete", {"key_ids": [batch["id"]], "confirm": True}, as_user="ann"
    )
    assert done.status == 200
    assert project.code(batch_secret) == "REVOKED"


def test_permissions_and_wildcards(api: Api) -> None:
    project = Project(api)
    _, secret = project.issue(["orders:*", "users:read"])
    assert project.code(secret, ["orders:read"]) == "VALID"
    assert project.code(secret, ["orders:refund", "users:read"]) == "VALID"
    assert project.code(secret, ["orders:*"]) == "VALID"
    assert project.code(secret, ["users:write"]) == "INSUFFICIENT_PERMISSIONS"
    assert project.code(secret, ["orders:read", "billing:read"]) == "INSUFFICIENT_PERMISSIONS"
    assert project.code(secret, ["orders_archive:read"]) == "INSUFFICIENT_PERMISSIONS"
    assert project.code(secret, ["users:*"]) == "INSUFFICIENT_PERMISSIONS"  # users:read does not grant users:*
    assert project.verify(secret, ["users:write"]).json["valid"] is False


def test_bad_permission_strings_are_422(api: Api) -> None:
    project = Project(api)
    _, secret = project.issue()
    bad = (["Orders:Read"], ["orders read"], [""], ["x" * 129], ["orders/read"], [5], "orders:read AND", 5, {})
    for permissions in bad:
        reply = project.verify(secret, permissions)  # type: ignore[arg-type]
        assert (reply.status, reply.code) == (422, "validation_failed"), permissions
        assert reply.json["errors"][0]["field"].startswith("permissions")
    assert project.code(secret, ["orders:read", "a.b-c_d:*"]) == "INSUFFICIENT_PERMISSIONS"
    # A string is a permission query: one term is that permission.
    assert project.code(secret, "orders:read") == "VALID"  # type: ignore[arg-type]


def test_owner_who_loses_the_right_and_gets_it_back(api: Api, long_cache: None) -> None:
    project = Project(api, dave="developer")
    _, secret = project.issue(owner_id="dave")
    _, own_secret = project.issue()
    member = f"/v1/projects/{project.pid}/members/dave"
    assert project.code(secret) == "VALID"

    assert api.put(member, {"role": "viewer"}, as_user="ann").status == 200
    assert project.code(secret) == "OWNER_NOT_PERMITTED"
    assert project.verify(secret).json["owner_id"] == "dave"
    assert api.put(member, {"role": "developer"}, as_user="ann").status == 200
    assert project.code(secret) == "VALID"

    assert api.delete(member, as_user="ann").status == 204
    assert project.code(secret) == "OWNER_NOT_PERMITTED"
    assert api.put(member, {"role": "developer"}, as_user="ann").status == 200
    assert project.code(secret) == "VALID"

    assert api.put(member, {"role": "editor"}, as_user="ann").status == 200  # still holds the right
    assert project.code(secret) == "VALID"
    assert project.code(own_secret) == "VALID"  # nobody else's keys were touched


def test_a_change_made_elsewhere_is_seen_within_the_cache_ttl(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYWARDEN_CACHE_TTL", "0.5")
    reset_settings()
    project = Project(api)
    key, secret = project.issue()
    assert project.code(secret) == "VALID"  # cached in this process

    # Another process revokes the key: this one's cache was not told.
    digest = ApiKeyModel.get(project.pid, key["id"], consistent_read=True).digest
    lookup = KeyLookupModel.get(digest, consistent_read=True)
    lookup.update(actions=[KeyLookupModel.revoked_at.set(time.time())])

    assert poll_for("REVOKED", lambda: project.code(secret), 3) == "REVOKED"


def test_unknown_keys_are_cached_too(api: Api, long_cache: None) -> None:
    project = Project(api)
    _, secret = project.issue()
    assert project.code(secret) == "VALID"
    unknown, other = well_formed_key(secret), well_formed_key(secret)
    with key_lookup_reads() as reads:
        assert project.code(unknown) == "NOT_FOUND"
        assert len(reads) == 1
        assert project.code(unknown) == "NOT_FOUND"
        assert project.code(unknown, ["orders:read"]) == "NOT_FOUND"
        assert len(reads) == 1  # within KEYWARDEN_CACHE_TTL the miss is remembered
        assert project.code(other) == "NOT_FOUND"
        assert len(reads) == 2
