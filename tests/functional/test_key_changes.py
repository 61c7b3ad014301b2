"""What a resource server's offline verifier reads: its configuration, the key-changes feed, and
the revoked-keys feed, with the project's own service key (the SDK's `Verifier` polls these)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.config import get_settings
from tests.functional.conftest import Api, Reply
from tests.functional.test_api_keys import Keys, stamp


@pytest.fixture
def keys(api: Api) -> Keys:
    return Keys(api, api.project(owner="ann", adam="admin", dave="developer", vic="viewer"))


def as_service(api: Api, keys: Keys, path: str) -> Reply:
    return api.get(path, headers={"authorization": f"Bearer {keys.service_key}"})


def changes(api: Api, keys: Keys, query: str = "") -> list[dict[str, Any]]:
    reply = as_service(api, keys, f"/v1/projects/{keys.pid}/key-changes{query}")
    assert reply.status == 200, reply.body
    items: list[dict[str, Any]] = reply.json["items"]
    return items


def test_the_verifier_learns_its_project_and_issuer_from_the_service_key(api: Api, keys: Keys) -> None:
    reply = as_service(api, keys, "/v1/verifier")
    assert reply.status == 200, reply.body
    assert reply.json == {
        "project_id": keys.pid,
        "issuer": get_settings().issuer,
        "jwks_uri": "/.well-known/jwks.json",
        "key_changes_uri": f"/v1/projects/{keys.pid}/key-changes",
        "cache_ttl_seconds": get_settings().cache_ttl,
    }
    # A person's token is not a service key.
    assert api.get("/v1/verifier", as_user="ann").status == 401
    assert api.get("/v1/verifier", headers={"authorization": "Bearer kws_not-a-real-key"}).status == 401


def test_the_feed_lists_every_change_that_a_signed_token_cannot_show(api: Api, keys: Keys) -> None:
    role_id = keys.role(["orders:read"])
    revoked = keys.issue(role_id, type="jwt")[0]["id"]
    batch = [keys.issue(role_id, type="jwt")[0]["id"] for _ in range(2)]
    rerolled = keys.issue(role_id, type="jwt", ttl_seconds=86_400)[0]["id"]
    shortened = keys.issue(role_id, type="jwt", ttl_seconds=86_400)[0]["id"]
    renamed = keys.issue(role_id, type="jwt")[0]["id"]
    keys.issue(role_id, owner_id="dave")
    # Adding members is listed (a member added back gets their keys back); issuing keys is not.
    joined = changes(api, keys)
    assert [(i["change"], i["owner_id"]) for i in joined] == [("owner_changed", u) for u in ("adam", "dave", "vic")]

    assert keys.delete(revoked).status == 204
    deleted = api.post(f"/v1/projects/{keys.pid}/keys/batch-delete", {"key_ids": batch, "confirm": True}, as_user="ann")
    assert deleted.status == 200, deleted.body
    reroll = api.post(f"/v1/projects/{keys.pid}/keys/{rerolled}/reroll", {"grace_seconds": 60}, as_user="ann")
    assert reroll.status in (200, 201), reroll.body
    assert keys.patch(shortened, {"expires_at": stamp(timedelta(hours=1))}).status == 200
    assert keys.patch(renamed, {"name": "another name"}).status == 200
    made_viewer = api.put(f"/v1/projects/{keys.pid}/members/dave", {"role": "viewer"}, as_user="ann")
    assert made_viewer.status == 200, made_viewer.body
    assert api.delete(f"/v1/projects/{keys.pid}/members/adam", as_user="ann").status == 204

    items = [i for i in changes(api, keys) if i not in joined]
    # A batch revocation lists its keys in no particular order.
    assert [(i["change"], sorted(i["key_ids"]), i.get("owner_id")) for i in items] == [
        ("revoked", [revoked], None),
        ("revoked", sorted(batch), None),
        ("expiry_changed", [rerolled], None),
        ("expiry_changed", [shortened], None),
        ("owner_changed", [], "dave"),
        ("owner_changed", [], "adam"),
    ]
    ids = [i["id"] for i in items]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(i["at"].endswith("Z") for i in items)


def test_the_feed_pages_by_cursor_and_starts_at_since(api: Api, keys: Keys) -> None:
    role_id = keys.role(["a"])
    issued = [keys.issue(role_id)[0]["id"] for _ in range(3)]
    for key_id in issued:
        keys.delete(key_id)

    seen: list[str] = []
    path = f"/v1/projects/{keys.pid}/key-changes?limit=1"
    while True:
        reply = as_service(api, keys, path)
        assert reply.status == 200, reply.body
        seen += [k for i in reply.json["items"] for k in i["key_ids"]]
        cursor = reply.json["next_cursor"]
        if cursor is None:
            break
        path = f"/v1/projects/{keys.pid}/key-changes?limit=1&cursor={cursor}"
    assert seen == issued

    assert changes(api, keys, f"?since={stamp(timedelta(minutes=-1))}") == changes(api, keys)
    assert changes(api, keys, f"?since={stamp(timedelta(minutes=1))}") == []
    assert as_service(api, keys, f"/v1/projects/{keys.pid}/key-changes?since=yesterday").status == 422


def test_the_feeds_answer_the_projects_own_service_key_and_people_with_the_right_only(api: Api, keys: Keys) -> None:
    role_id = keys.role(["a"])
    key_id = keys.issue(role_id)[0]["id"]
    keys.delete(key_id)
    other = Keys(api, api.project(owner="olga", name="Other"), owner="olga")

    for feed in ("revoked-keys", "key-changes"):
        path = f"/v1/projects/{keys.pid}/{feed}"
        own = as_service(api, keys, path)
        assert own.status == 200, own.body
        assert key_id in own.body.decode()
        assert own.json == api.get(path, as_user="ann").json  # the same feed a person reads

        foreign = as_service(api, other, path)
        assert (foreign.status, foreign.code) == (404, "not_found")
        assert key_id not in foreign.body.decode()
        assert api.get(path, headers={"authorization": "Bearer kws_made_up"}).status == 401
        basic = api.get(path, headers={"authorization": "Basic bm90OmJhc2U2NA=="})
        assert basic.status == 401
        assert api.get(path, as_user="vic").status == 403  # a viewer does not manage keys
        assert api.get(path).status == 401


def test_the_feed_hears_again_when_the_tail_of_an_owners_keys_is_flipped(api: Api, keys: Keys) -> None:
    """The membership's own event commits with the first 40 keys; the rest follow after it, and
    an offline verifier that re-checked a key meanwhile must hear once they are done."""
    from chalicelib.store.key_holders import CHUNK

    role_id = keys.role(["a"])
    for _ in range(CHUNK + 2):
        keys.issue(role_id, owner_id="dave")
    before = {i["id"] for i in changes(api, keys)}
    assert api.put(f"/v1/projects/{keys.pid}/members/dave", {"role": "viewer"}, as_user="ann").status == 200
    new = [(i["change"], i["owner_id"]) for i in changes(api, keys) if i["id"] not in before]
    assert new == [("owner_changed", "dave"), ("owner_changed", "dave")]  # the change, then its tail done
    audit = api.get(f"/v1/projects/{keys.pid}/audit-events", as_user="ann").json["items"]
    tail = next(e for e in audit if e["action"] == "member.keys_updated")
    assert tail["details"] == {"keys": CHUNK + 2, "api_calls": False}


def test_the_feed_reads_a_bounded_number_of_events_per_call(
    api: Api, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.store import audit

    monkeypatch.setattr(audit, "_MAX_EVENTS_READ", 3)
    role_id = keys.role(["a"])  # role.created: an event that is not a key change
    issued = [keys.issue(role_id)[0]["id"] for _ in range(2)]
    for key_id in issued:
        keys.delete(key_id)
    seen: list[str] = []
    pages = 0
    path = f"/v1/projects/{keys.pid}/key-changes"
    while True:
        reply = as_service(api, keys, path)
        assert reply.status == 200, reply.body
        pages += 1
        seen += [k for i in reply.json["items"] for k in i["key_ids"]]
        if reply.json["next_cursor"] is None:
            break
        path = f"/v1/projects/{keys.pid}/key-changes?cursor={reply.json['next_cursor']}"
    assert seen == issued
    assert pages > 2  # the members added, the role and the keys issued are read 3 at a time


def test_only_reads_without_step_up_under_a_project_may_take_the_service_key() -> None:
    from chalicelib.api.http import Router
    from chalicelib.domain.policy import Action

    router = Router("probe", "probe")
    for method, step_up in (("POST", False), ("GET", True)):
        with pytest.raises(TypeError, match="service key"):
            router.route(
                method, "/v1/projects/{pid}/probe", action=Action.MANAGE_KEYS, step_up=step_up, service_key_too=True
            )(lambda call: None)
    with pytest.raises(TypeError):
        router.route("GET", "/v1/verifier-probe", service_key_too=True)(lambda call: None)
