"""API keys (opaque): issue, read, list, change, revoke, reroll, and what the service keeps of them."""

from __future__ import annotations

import hashlib
import re
import time
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.store.idempotency_models import IdempotencyModel
from chalicelib.store.key_models import ApiKeyModel, KeyLookupModel
from tests.functional.conftest import Api, Reply

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KEY_FIELDS = {
    "enabled",
    "exposed_at",
    "exposed_action",
    "ip_allowlist",
    "identity_id",
    "ratelimits",
    "credits",
    "id",
    "project_id",
    "type",
    "name",
    "description",
    "owner_id",
    "role_id",
    "permissions",
    "status",
    "hint",
    "created_at",
    "created_by",
    "expires_at",
    "revoked_at",
    "last_used_at",
    "template_id",
    "request_id",
    "meta",
}


def base62(value: int, width: int) -> str:
    digits = ""
    while value:
        value, digit = divmod(value, 62)
        digits = BASE62[digit] + digits
    return digits.rjust(width, "0")


def is_opaque_key(key: str) -> bool:
    """The format of API.md: `kw_` + base62 body ending in the CRC32 of the rest, 6 digits."""
    if not re.fullmatch(r"kw_[0-9A-Za-z]+", key):
        return False
    body = key[3:]
    random_part, check = body[:-6], body[-6:]
    # At least 160 bits of randomness: 27 base62 characters carry 160.7.
    return len(random_part) >= 27 and base62(zlib.crc32(random_part.encode()), 6) == check


def stamp(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class Keys:
    """Shortcuts over one project: roles, keys, and verification with its service key."""

    def __init__(self, api: Api, pid: str, owner: str = "ann") -> None:
        self.api, self.pid, self.owner = api, pid, owner
        self._service_key: str | None = None

    def role(self, permissions: list[str], name: str = "role") -> str:
        reply = self.api.post(
            f"/v1/projects/{self.pid}/roles", {"name": name, "permissions": permissions}, as_user=self.owner
        )
        assert reply.status == 201, reply.body
        role_id: str = reply.json["id"]
        return role_id

    def create(self, role_id: str, user: str | None = None, **fields: Any) -> Reply:
        body = {"name": fields.pop("name", "key"), "type": "opaque", "role_id": role_id, **fields}
        return self.api.post(f"/v1/projects/{self.pid}/keys", body, as_user=user or self.owner)

    def issue(self, role_id: str, **fields: Any) -> tuple[dict[str, Any], str]:
        reply = self.create(role_id, **fields)
        assert reply.status == 201, reply.body
        return reply.json["key"], reply.json["secret"]["key"]

    def get(self, key_id: str, user: str | None = None) -> Reply:
        return self.api.get(f"/v1/projects/{self.pid}/keys/{key_id}", as_user=user or self.owner)

    def list(self, query: str = "", user: str | None = None) -> Reply:
        return self.api.get(f"/v1/projects/{self.pid}/keys{query}", as_user=user or self.owner)

    def ids(self, query: str = "", user: str | None = None) -> list[str]:
        reply = self.list(query, user)
        assert reply.status == 200, reply.body
        return [k["id"] for k in reply.json["items"]]

    def patch(self, key_id: str, body: dict[str, Any]) -> Reply:
        return self.api.patch(f"/v1/projects/{self.pid}/keys/{key_id}", body, as_user=self.owner)

    def delete(self, key_id: str) -> Reply:
        return self.api.delete(f"/v1/projects/{self.pid}/keys/{key_id}", as_user=self.owner)

    @property
    def service_key(self) -> str:
        if self._service_key is None:
            reply = self.api.post(f"/v1/projects/{self.pid}/secrets/service_key/reveal", as_user=self.owner)
            assert reply.status == 200, reply.body
            self._service_key = reply.json["value"]
        return self._service_key

    def verify(self, secret: str, **extra: Any) -> Reply:
        return self.api.post(
            "/v1/keys/verify", {"key": secret, **extra}, headers={"authorization": f"Bearer {self.service_key}"}
        )

    def code(self, secret: str) -> str:
        reply = self.verify(secret)
        assert reply.status == 200, reply.body
        code: str = reply.json["code"]
        return code


@pytest.fixture
def keys(api: Api) -> Keys:
    return Keys(api, api.project(owner="ann", adam="admin", eddie="editor", dave="developer", vic="viewer"))


def test_create_returns_the_secret_once_in_the_documented_format(api: Api, keys: Keys) -> None:
    role_id = keys.role(["orders:read", "orders:write"])
    before = time.time()
    reply = keys.create(role_id, name="checkout", description="the shop", meta={"tier": "gold", "limits": [1, 2]})
    assert reply.status == 201, reply.body
    assert set(reply.json) == {"key", "secret"} and set(reply.json["secret"]) == {"key"}
    secret = reply.json["secret"]["key"]
    assert is_opaque_key(secret), secret
    key = reply.json["key"]
    assert set(key) == KEY_FIELDS
    assert key["id"] and key["project_id"] == keys.pid and key["type"] == "opaque"
    assert (key["name"], key["description"]) == ("checkout", "the shop")
    assert (key["owner_id"], key["created_by"]) == ("ann", "ann")  # the owner defaults to the caller
    assert key["role_id"] == role_id and key["permissions"] == ["orders:read", "orders:write"]
    assert key["status"] == "active" and key["meta"] == {"tier": "gold", "limits": [1, 2]}
    assert before - 1 <= epoch(key["created_at"]) <= time.time() + 1
    assert all(key[f] is None for f in ("expires_at", "revoked_at", "last_used_at", "template_id", "request_id"))
    assert secret not in key["hint"] and key["hint"].endswith(secret[-4:])

    # Never again: neither reading it nor listing shows the secret.
    for shown in (keys.get(key["id"]), keys.list(), keys.list("?owner_id=ann")):
        assert shown.status == 200
        assert secret.encode() not in shown.body and secret[3:].encode() not in shown.body
    assert keys.get(key["id"]).json == key

    other_secret = keys.issue(role_id)[1]
    assert is_opaque_key(other_secret) and other_secret != secret


def test_expiry_by_ttl_or_time(api: Api, keys: Keys) -> None:
    role_id = keys.role(["a"])
    before = time.time()
    by_ttl = keys.issue(role_id, ttl_seconds=3600)[0]
    assert before + 3600 - 1 <= epoch(by_ttl["expires_at"]) <= time.time() + 3600 + 1
    at = stamp(timedelta(days=30))
    assert keys.issue(role_id, expires_at=at)[0]["expires_at"] == at
    assert keys.issue(role_id, expires_at=stamp(timedelta(days=1)).replace("Z", "+00:00"))[0]["status"] == "active"


def test_admin_issues_keys_to_members_who_may_hold_them(api: Api, keys: Keys) -> None:
    role_id = keys.role(["a"])
    for holder in ("ann", "adam", "eddie", "dave"):
        reply = keys.create(role_id, user="adam", owner_id=holder)
        assert reply.status == 201, (holder, reply.body)
        assert reply.json["key"]["owner_id"] == holder and reply.json["key"]["created_by"] == "adam"
    for holder in ("vic", "stranger"):
        reply = keys.create(role_id, owner_id=holder)
        assert (reply.status, reply.code) == (422, "owner_not_permitted"), holder
    assert sorted(k["owner_id"] for k in keys.list().json["items"]) == ["adam", "ann", "dave", "eddie"]


@pytest.mark.parametrize(("user", "status"), [("eddie", 403), ("dave", 403), ("vic", 403), ("mallory", 404)])
def test_only_owners_and_admins_create_keys(api: Api, keys: Keys, user: str, status: int) -> None:
    role_id = keys.role(["a"])
    assert keys.create(role_id, user=user).status == status
    assert keys.create(role_id, user=user, owner_id=user).status == status
    assert keys.ids() == []


def test_invalid_creations_are_422(api: Api, keys: Keys) -> None:
    role_id = keys.role(["a"])
    other_project_role = Keys(api, api.project(owner="ann", name="Other")).role(["a"])
    invalid = {
        "unknown role": {"role_id": "rol_01jd3v8m4q7e2x0000000000aa"},
        "garbage role": {"role_id": "admin"},
        "another project's role": {"role_id": other_project_role},
        "expired": {"expires_at": stamp(timedelta(seconds=-60))},
        "no time zone": {"expires_at": "2099-01-01T00:00:00"},
        "both expiries": {"expires_at": stamp(timedelta(days=1)), "ttl_seconds": 3600},
        "meta over 4 KiB": {"meta": {"blob": "x" * 4096}},
        "meta not an object": {"meta": ["a"]},
        "unknown type": {"type": "magic"},
        "no name": {"name": ""},
    }
    for label, fields in invalid.items():
        reply = keys.create(fields.pop("role_id", role_id), **fields)
        assert (reply.status, reply.code) == (422, "validation_failed"), (label, reply.body)
        assert reply.json["errors"], label
    assert keys.ids() == []
    # Just under the meta limit is fine.
    assert keys.create(role_id, meta={"blob": "x" * 4000}).status == 201


def test_list_filters_and_pages(api: Api, keys: Keys) -> None:
    role_id = keys.role(["a"])
    ann_active = keys.issue(role_id)[0]["id"]
    dave_active = keys.issue(role_id, owner_id="dave")[0]["id"]
    ann_revoked = keys.issue(role_id)[0]["id"]
    dave_rerolled = keys.issue(role_id, owner_id="dave")[0]["id"]
    assert keys.delete(ann_revoked).status == 204
    reroll = api.post(f"/v1/projects/{keys.pid}/keys/{dave_rerolled}/reroll", {"grace_seconds": 0}, as_user="ann")
    dave_new = reroll.json["key"]["id"]
    everything = [ann_active, dave_active, ann_revoked, dave_rerolled, dave_new]

    assert keys.ids() == everything
    assert keys.ids("?owner_id=dave") == [dave_active, dave_rerolled, dave_new]
    assert keys.ids("?owner_id=nobody") == []
    assert keys.ids("?status=active") == [ann_active, dave_active, dave_new]
    assert keys.ids("?status=revoked") == [ann_revoked]
    assert keys.ids("?status=expired") == [dave_rerolled]
    assert keys.ids("?owner_id=dave&status=active") == [dave_active, dave_new]
    assert keys.ids("?type=opaque") == everything
    assert keys.ids("?type=jwt") == []
    statuses = {k["id"]: k["status"] for k in keys.list().json["items"]}
    assert (statuses[ann_revoked], statuses[dave_rerolled], statuses[ann_active]) == ("revoked", "expired", "active")
    assert keys.list("?status=gone").status == 422
    assert keys.list("?limit=0").status == 422

    for query, expected in (
        ("?limit=2", everything),
        ("?limit=1&owner_id=dave", [dave_active, dave_rerolled, dave_new]),
    ):
        seen: list[str] = []
        page = keys.list(query).json
        while True:
            seen += [k["id"] for k in page["items"]]
            if page["next_cursor"] is None:
                break
            assert len(page["items"]) == int(query.split("&")[0].removeprefix("?limit="))
            page = keys.list(f"{query}&cursor={page['next_cursor']}").json
        assert seen == expected, query


def test_developers_and_editors_see_only_their_own_keys_and_viewers_none(api: Api, keys: Keys) -> None:
    role_id = keys.role(["a"])
    ann_key = keys.issue(role_id)[0]
    dave_key = keys.issue(role_id, owner_id="dave")[0]
    eddie_key = keys.issue(role_id, owner_id="eddie")[0]

    for user, own in (("dave", dave_key), ("eddie", eddie_key)):
        assert keys.ids(user=user) == [own["id"]]
        assert keys.ids(f"?owner_id={user}", user=user) == [own["id"]]
        others = keys.list("?owner_id=ann", user=user)
        assert others.status == 403 or others.json["items"] == [], user
        assert keys.get(own["id"], user=user).json == own
        for other in (ann_key, dave_key, eddie_key):
            if other is not own:
                reply = keys.get(other["id"], user=user)
                # A member without the right to someone else's key: 403 (one rule, API.md "Membership").
                assert (reply.status, reply.code) == (403, "forbidden"), (user, other["owner_id"])

    viewer_list = keys.list(user="vic")
    assert (viewer_list.status, viewer_list.code) == (403, "forbidden")
    assert keys.get(dave_key["id"], user="vic").status == 403
    assert keys.list(user="mallory").status == 404
    assert keys.ids(user="adam") == [ann_key["id"], dave_key["id"], eddie_key["id"]]


def test_patch_changes_name_description_and_expiry(api: Api, keys: Keys) -> None:
    role_id = keys.role(["a"])
    key, secret = keys.issue(role_id, name="old", meta={"m": 1})

    renamed = keys.patch(key["id"], {"name": "new", "description": "described"})
    assert renamed.status == 200, renamed.body
    assert (renamed.json["name"], renamed.json["description"]) == ("new", "described")
    assert {k: v for k, v in renamed.json.items() if k not in ("name", "description")} == {
        k: v for k, v in key.items() if k not in ("name", "description")
    }

    at = stamp(timedelta(days=10))
    expiring = keys.patch(key["id"], {"expires_at": at})
    assert expiring.status == 200 and expiring.json["expires_at"] == at
    assert keys.verify(secret).json["expires_at"] == at  # verification sees it at once

    forever = keys.patch(key["id"], {"expires_at": None})
    assert forever.status == 200 and forever.json["expires_at"] is None
    assert keys.get(key["id"]).json["expires_at"] is None
    assert keys.verify(secret).json["expires_at"] is None and keys.code(secret) == "VALID"

    past = keys.patch(key["id"], {"expires_at": stamp(timedelta(seconds=-10))})
    assert (past.status, past.code) == (422, "validation_failed")
    assert keys.get(key["id"]).json["expires_at"] is None

    events = api.get(f"/v1/projects/{keys.pid}/audit-events", as_user="ann").json["items"]
    assert [(e["action"], e["details"]) for e in events if e["target"]["id"] == key["id"]][:3] == [
        ("key.updated", {"changed": ["expires_at"]}),
        ("key.updated", {"changed": ["expires_at"]}),
        ("key.updated", {"changed": ["description", "name"]}),
    ]


def test_patch_of_any_other_field_is_immutable_field(api: Api, keys: Keys) -> None:
    role_id = keys.role(["a"])
    other_role = keys.role(["b"], name="other")
    key = keys.issue(role_id)[0]
    attempts = {
        "owner_id": "dave",
        "role_id": other_role,
        "permissions": ["b"],
        "meta": {"m": 2},
        "type": "jwt",
        "status": "revoked",
        "revoked_at": stamp(timedelta(0)),
        "id": "key_x",
    }
    for field, value in attempts.items():
        reply = keys.patch(key["id"], {field: value})
        assert (reply.status, reply.code) == (422, "immutable_field"), field
        assert [e["field"] for e in reply.json["errors"]] == [field]
        # Not even beside a change that is allowed.
        both = keys.patch(key["id"], {"name": "renamed", field: value})
        assert (both.status, both.code) == (422, "immutable_field"), field
    assert keys.get(key["id"]).json == key


def test_only_owners_and_admins_patch_and_delete(api: Api, keys: Keys) -> None:
    role_id = keys.role(["a"])
    key = keys.issue(role_id, owner_id="dave")[0]
    for user in ("eddie", "dave", "vic"):
        assert api.patch(f"/v1/projects/{keys.pid}/keys/{key['id']}", {"name": "x"}, as_user=user).status == 403
        assert api.delete(f"/v1/projects/{keys.pid}/keys/{key['id']}", as_user=user).status == 403
    assert keys.get(key["id"]).json == key
    assert api.delete(f"/v1/projects/{keys.pid}/keys/{key['id']}", as_user="adam").status == 204


def test_delete_revokes_and_is_repeatable(api: Api, keys: Keys, long_cache: None) -> None:
    role_id = keys.role(["a"])
    key, secret = keys.issue(role_id)
    assert keys.code(secret) == "VALID"
    deleted = keys.delete(key["id"])
    assert deleted.status == 204 and deleted.body == b""
    shown = keys.get(key["id"]).json
    assert shown["status"] == "revoked" and shown["revoked_at"].endswith("Z")
    assert keys.code(secret) == "REVOKED"

    again = keys.delete(key["id"])
    assert again.status == 204
    assert keys.get(key["id"]).json["revoked_at"] == shown["revoked_at"]
    assert keys.delete("key_01jd3v8m4q7e2x0000000000aa").status == 404
    assert keys.patch(key["id"], {"name": "zombie"}).status == 409


def test_batch_delete_needs_confirmation(api: Api, keys: Keys, long_cache: None) -> None:
    role_id = keys.role(["a"])
    first, first_secret = keys.issue(role_id)
    second = keys.issue(role_id)[0]
    kept = keys.issue(role_id)[0]
    foreign = Keys(api, api.project(owner="ann", name="Other"))
    foreign_key = foreign.issue(foreign.role(["a"]))[0]
    path = f"/v1/projects/{keys.pid}/keys/batch-delete"

    for body in ({"key_ids": [first["id"]]}, {"key_ids": [first["id"]], "confirm": False}):
        refused = api.post(path, body, as_user="ann")
        assert (refused.status, refused.code) == (400, "confirmation_required")
    assert keys.code(first_secret) == "VALID"

    assert keys.delete(second["id"]).status == 204  # already revoked counts as deleted
    unknown = "key_01jd3v8m4q7e2x0000000000aa"
    body = {
        "key_ids": [first["id"], second["id"], unknown, foreign_key["id"], "nonsense", first["id"]],
        "confirm": True,
    }
    done = api.post(path, body, as_user="ann")
    assert done.status == 200, done.body
    assert done.json == {"deleted": [first["id"], second["id"]], "not_found": [unknown, foreign_key["id"], "nonsense"]}
    assert keys.ids("?status=revoked") == [first["id"], second["id"]]
    assert keys.ids("?status=active") == [kept["id"]]
    assert foreign.get(foreign_key["id"]).json["status"] == "active"
    assert keys.code(first_secret) == "REVOKED"
    assert api.post(path, body, as_user="eddie").status == 403


def test_reroll_with_grace_keeps_the_old_key_working(api: Api, keys: Keys) -> None:
    role_id = keys.role(["orders:read"])
    old, old_secret = keys.issue(role_id, owner_id="dave", meta={"tier": "gold"}, name="shop")
    before = time.time()
    reply = api.post(f"/v1/projects/{keys.pid}/keys/{old['id']}/reroll", {"grace_seconds": 3600}, as_user="ann")
    assert reply.status in (200, 201), reply.body
    new, new_secret = reply.json["key"], reply.json["secret"]["key"]
    assert is_opaque_key(new_secret) and new_secret != old_secret and new["id"] != old["id"]
    assert (new["owner_id"], new["role_id"], new["meta"], new["status"]) == (
        "dave",
        role_id,
        {"tier": "gold"},
        "active",
    )

    old_now = keys.get(old["id"]).json
    assert old_now["status"] == "active"
    assert before + 3600 - 1 <= epoch(old_now["expires_at"]) <= time.time() + 3600 + 1
    old_verdict, new_verdict = keys.verify(old_secret).json, keys.verify(new_secret).json
    assert (old_verdict["code"], new_verdict["code"]) == ("VALID", "VALID")
    assert new_verdict["key_id"] == new["id"] and old_verdict["key_id"] == old["id"]
    for field in ("owner_id", "role_id", "permissions", "meta"):
        assert new_verdict[field] == old_verdict[field], field


def test_reroll_grace_ends_and_the_old_key_expires(api: Api, keys: Keys) -> None:
    old, old_secret = keys.issue(keys.role(["a"]))
    reply = api.post(f"/v1/projects/{keys.pid}/keys/{old['id']}/reroll", {"grace_seconds": 1}, as_user="ann")
    assert reply.status in (200, 201), reply.body
    deadline = time.monotonic() + 5
    while keys.code(old_secret) != "EXPIRED":
        assert time.monotonic() < deadline, "the old key still verifies after its grace period"
        time.sleep(0.1)
    assert keys.code(reply.json["secret"]["key"]) == "VALID"


def test_reroll_without_grace_expires_the_old_key_at_once(api: Api, keys: Keys, long_cache: None) -> None:
    role_id = keys.role(["orders:read"])
    old, old_secret = keys.issue(role_id, meta={"n": 1}, ttl_seconds=86400)
    assert keys.code(old_secret) == "VALID"
    reply = api.post(f"/v1/projects/{keys.pid}/keys/{old['id']}/reroll", {"grace_seconds": 0}, as_user="adam")
    assert reply.status in (200, 201), reply.body
    new_secret = reply.json["secret"]["key"]
    assert keys.code(old_secret) == "EXPIRED"
    assert keys.get(old["id"]).json["status"] == "expired"
    verdict = keys.verify(new_secret).json
    assert verdict["code"] == "VALID" and verdict["meta"] == {"n": 1} and verdict["owner_id"] == "ann"
    assert reply.json["key"]["expires_at"] is not None  # a key that expired keeps expiring after a reroll

    revoked = keys.issue(role_id)[0]
    keys.delete(revoked["id"])
    again = api.post(f"/v1/projects/{keys.pid}/keys/{revoked['id']}/reroll", {}, as_user="ann")
    assert (again.status, again.code) == (409, "conflict")
    assert api.post(f"/v1/projects/{keys.pid}/keys/{old['id']}/reroll", {}, as_user="eddie").status == 403


def test_revoked_keys_feed(api: Api, keys: Keys) -> None:
    role_id = keys.role(["a"])
    first = keys.issue(role_id)[0]["id"]
    live = keys.issue(role_id)[0]["id"]
    second = keys.issue(role_id)[0]["id"]
    before = stamp(timedelta(seconds=-5))
    keys.delete(first)
    keys.delete(second)
    path = f"/v1/projects/{keys.pid}/revoked-keys"

    feed = api.get(f"{path}?since={before}", as_user="ann")
    assert feed.status == 200, feed.body
    assert sorted(i["key_id"] for i in feed.json["items"]) == sorted([first, second])
    assert live not in feed.body.decode()
    for item in feed.json["items"]:
        assert item["revoked_at"] == keys.get(item["key_id"]).json["revoked_at"]
    assert sorted(i["key_id"] for i in api.get(path, as_user="ann").json["items"]) == sorted([first, second])
    assert api.get(f"{path}?since={stamp(timedelta(hours=1))}", as_user="ann").json["items"] == []
    assert api.get(f"{path}?since=yesterday", as_user="ann").status == 422


def test_a_role_in_use_by_a_key_cannot_be_deleted(api: Api, keys: Keys) -> None:
    role_id = keys.role(["a"])
    key = keys.issue(role_id)[0]
    refused = api.delete(f"/v1/projects/{keys.pid}/roles/{role_id}", as_user="ann")
    assert (refused.status, refused.code) == (409, "conflict")
    assert api.get(f"/v1/projects/{keys.pid}/roles/{role_id}", as_user="ann").status == 200
    keys.delete(key["id"])
    assert api.delete(f"/v1/projects/{keys.pid}/roles/{role_id}", as_user="ann").status == 204
    assert api.get(f"/v1/projects/{keys.pid}/roles/{role_id}", as_user="ann").status == 404


def test_deleting_the_project_revokes_every_key(api: Api, keys: Keys) -> None:
    role_id = keys.role(["a"])
    secrets = [keys.issue(role_id, owner_id=owner)[1] for owner in ("ann", "dave", "adam")]
    assert [keys.code(s) for s in secrets] == ["VALID"] * 3

    assert api.delete(f"/v1/projects/{keys.pid}", as_user="ann").status == 204
    for secret in secrets:
        reply = keys.verify(secret)
        assert (reply.status, reply.code) == (401, "unauthenticated")
        assert secret.encode() not in reply.body

    lookups = [item for item in KeyLookupModel.scan() if item.project_id == keys.pid]
    assert len(lookups) == 3
    assert all(item.revoked_at is not None for item in lookups)
    assert all(item.revoked_at is not None for item in ApiKeyModel.query(keys.pid))


def test_the_key_is_stored_only_as_a_keyed_hash(api: Api, keys: Keys) -> None:
    role_id = keys.role(["a"])
    body = {"name": "k", "type": "opaque", "role_id": role_id, "meta": {"m": 1}}
    headers = {"idempotency-key": "create-once"}
    created = api.post(f"/v1/projects/{keys.pid}/keys", body, as_user="ann", headers=headers)
    assert created.status == 201
    secret = created.json["secret"]["key"]
    key_id = created.json["key"]["id"]
    rerolled = api.post(f"/v1/projects/{keys.pid}/keys/{key_id}/reroll", {"grace_seconds": 60}, as_user="ann")
    secrets = [secret, rerolled.json["secret"]["key"]]

    stored = [*ApiKeyModel.query(keys.pid), *KeyLookupModel.scan(), *IdempotencyModel.scan()]
    assert len(stored) == 5  # two keys, two lookups, the kept response of the create
    for item in stored:
        text = str(item.serialize())
        for value in secrets:
            assert value not in text and value[3:] not in text, type(item).__name__
            assert hashlib.sha256(value.encode()).hexdigest() not in text, type(item).__name__

    # The kept response replays the same secret; another body with the key is refused.
    replay = api.post(f"/v1/projects/{keys.pid}/keys", body, as_user="ann", headers=headers)
    assert replay.status == 201 and replay.json == created.json
    reused = api.post(f"/v1/projects/{keys.pid}/keys", {**body, "name": "other"}, as_user="ann", headers=headers)
    assert (reused.status, reused.code) == (422, "idempotency_key_reused")
    assert len(keys.ids()) == 2
