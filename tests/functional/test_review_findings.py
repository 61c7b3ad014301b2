"""Defects a review of the hardening found: many owners in one deletion, more than 40 keys on
a role change, hostile nesting in meta, and a PATCH racing a reroll."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.policy import MemberRole
from chalicelib.services import members as member_cases
from chalicelib.store import keys as key_store
from chalicelib.store import members as member_store
from chalicelib.store import projects as project_store
from tests.functional.conftest import Api


def setup(api: Api, **members: str) -> tuple[str, str]:
    pid = api.project(owner="owner", **members)
    role = api.post(f"/v1/projects/{pid}/roles", {"name": "r", "permissions": ["a"]}, as_user="owner")
    assert role.status == 201, role.body
    return pid, role.json["id"]


def issue(api: Api, pid: str, role_id: str, count: int, owner: str = "owner") -> list[str]:
    secrets = []
    for number in range(count):
        body = {"name": f"k{number}", "type": "opaque", "role_id": role_id, "owner_id": owner}
        reply = api.post(f"/v1/projects/{pid}/keys", body, as_user="owner")
        assert reply.status == 201, reply.body
        secrets.append(reply.json["secret"]["key"])
    return secrets


def codes(api: Api, pid: str, secrets: list[str]) -> dict[str, int]:
    service_key = api.post(f"/v1/projects/{pid}/secrets/service_key/reveal", as_user="owner").json["value"]
    counted: dict[str, int] = {}
    for secret in secrets:
        reply = api.post("/v1/keys/verify", {"key": secret}, headers={"authorization": f"Bearer {service_key}"})
        counted[reply.json["code"]] = counted.get(reply.json["code"], 0) + 1
    return counted


def test_deleting_a_project_whose_keys_have_40_owners_finishes(api: Api) -> None:
    # 40 keys of 40 owners in one chunk would be 40*2 + 40 + 1 + 1 items: over DynamoDB's 100.
    pid, role_id = setup(api, **{f"u{n}": "developer" for n in range(40)})
    secrets = [issue(api, pid, role_id, 1, owner=f"u{n}")[0] for n in range(40)]
    service_key = api.post(f"/v1/projects/{pid}/secrets/service_key/reveal", as_user="owner").json["value"]
    assert api.delete(f"/v1/projects/{pid}", as_user="owner").status == 204
    reply = api.post("/v1/keys/verify", {"key": secrets[0]}, headers={"authorization": f"Bearer {service_key}"})
    assert reply.status == 401
    batch = key_store.all_keys(pid)
    assert len(batch) == 40 and all(k.revoked_at is not None for k in batch)


def test_a_refused_demotion_leaves_every_key_working(api: Api) -> None:
    pid, role_id = setup(api)
    secrets = issue(api, pid, role_id, 45)
    refused = api.put(f"/v1/projects/{pid}/members/owner", {"role": "viewer"}, as_user="owner")
    assert (refused.status, refused.code) == (409, "conflict")  # the last owner
    assert codes(api, pid, secrets) == {"VALID": 45}


def test_a_demotion_from_a_stale_read_changes_no_key(api: Api) -> None:
    pid, role_id = setup(api, dev="developer")
    secrets = issue(api, pid, role_id, 45, owner="dev")
    stale = project_store.get_membership(pid, "dev")
    assert stale is not None
    assert api.put(f"/v1/projects/{pid}/members/dev", {"role": "admin"}, as_user="owner").status == 200
    with pytest.raises(Exception) as raised:
        member_store.put_member(project_store.get_project(pid), "dev", MemberRole.VIEWER, stale, "owner", False)
    assert getattr(raised.value, "status", None) == 409
    assert codes(api, pid, secrets) == {"VALID": 45}


def test_the_tail_of_an_overtaken_promotion_does_not_undo_the_demotion(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid, role_id = setup(api, dev="developer")
    secrets = issue(api, pid, role_id, 45, owner="dev")
    assert api.put(f"/v1/projects/{pid}/members/dev", {"role": "viewer"}, as_user="owner").status == 200
    real = member_cases.flip_keys
    overtaken: list[int] = []

    def demoted_before_the_tail(*args: Any, **kwargs: Any) -> bool:
        if args[3] is True and not overtaken:  # the promotion committed; a demotion completes first
            overtaken.append(api.put(f"/v1/projects/{pid}/members/dev", {"role": "viewer"}, as_user="owner").status)
        return real(*args, **kwargs)

    monkeypatch.setattr(member_cases, "flip_keys", demoted_before_the_tail)
    assert api.put(f"/v1/projects/{pid}/members/dev", {"role": "developer"}, as_user="owner").status == 200
    assert overtaken == [200]
    assert codes(api, pid, secrets) == {"OWNER_NOT_PERMITTED": 45}


def test_repeating_a_role_change_finishes_an_interrupted_tail(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    pid, role_id = setup(api, dev="developer")
    secrets = issue(api, pid, role_id, 45, owner="dev")
    with monkeypatch.context() as patched:
        patched.setattr(member_cases, "flip_keys", lambda *args, **kwargs: True)  # the process died after commit
        assert api.put(f"/v1/projects/{pid}/members/dev", {"role": "viewer"}, as_user="owner").status == 200
    assert codes(api, pid, secrets) == {"OWNER_NOT_PERMITTED": 40, "VALID": 5}
    assert api.put(f"/v1/projects/{pid}/members/dev", {"role": "viewer"}, as_user="owner").status == 200
    assert codes(api, pid, secrets) == {"OWNER_NOT_PERMITTED": 45}


@pytest.mark.parametrize("depth", [320, 900])
def test_meta_nested_hundreds_deep_in_few_bytes_is_422_not_500(api: Api, depth: int) -> None:
    pid, role_id = setup(api)
    nested = "[" * depth + "]" * depth
    body = f'{{"name": "k", "type": "opaque", "role_id": "{role_id}", "meta": {{"a": {nested}}}}}'
    reply = api.request("POST", f"/v1/projects/{pid}/keys", body=body, as_user="owner")
    assert (reply.status, reply.code) == (422, "validation_failed"), reply.body[:200]


def test_a_patch_that_read_the_key_before_its_reroll_cannot_revive_it(api: Api) -> None:
    pid, role_id = setup(api)
    created = api.post(f"/v1/projects/{pid}/keys", {"name": "k", "type": "opaque", "role_id": role_id}, as_user="owner")
    key_id, secret = created.json["key"]["id"], created.json["secret"]["key"]
    stale = key_store.get_key(pid, key_id)
    rerolled = api.post(f"/v1/projects/{pid}/keys/{key_id}/reroll", {"grace_seconds": 0}, as_user="owner")
    assert rerolled.status == 200
    with pytest.raises(Exception) as raised:
        key_store.update_key(stale, {"expires_at": None}, "owner")
    assert getattr(raised.value, "status", None) == 409
    assert codes(api, pid, [secret]) == {"EXPIRED": 1}
    patched = api.patch(f"/v1/projects/{pid}/keys/{key_id}", {"expires_at": None}, as_user="owner")
    assert (patched.status, patched.code) == (409, "conflict")
    assert patched.json["rerolled_to"] == rerolled.json["key"]["id"]
    assert api.patch(f"/v1/projects/{pid}/keys/{key_id}", {"name": "renamed"}, as_user="owner").status == 200


@pytest.mark.parametrize("change", ["demoted", "removed"])
def test_a_member_losing_the_right_loses_it_on_all_45_keys(api: Api, change: str) -> None:
    # The first 40 flip in the membership's own transaction; the other 5 in the tail, whose
    # condition must hold for a member made viewer and for one no longer there at all.
    pid, role_id = setup(api, dev="developer")
    secrets = issue(api, pid, role_id, 45, owner="dev")
    path = f"/v1/projects/{pid}/members/dev"
    reply = (
        api.put(path, {"role": "viewer"}, as_user="owner") if change == "demoted" else api.delete(path, as_user="owner")
    )
    assert reply.status in (200, 204)
    assert codes(api, pid, secrets) == {"OWNER_NOT_PERMITTED": 45}
    assert api.put(path, {"role": "developer"}, as_user="owner").status == 200
    assert codes(api, pid, secrets) == {"VALID": 45}
