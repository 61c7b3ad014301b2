"""Idempotency-Key: a retried POST gets the first answer back and changes nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.store.idempotency_models import IdempotencyModel
from tests.functional.conftest import Api


def project_names(api: Api, user: str = "ann") -> list[str]:
    reply = api.get("/v1/projects?limit=100", as_user=user)
    assert reply.status == 200, reply.body
    return [p["name"] for p in reply.json["items"]]


def keyed(key: str) -> dict[str, str]:
    return {"idempotency-key": key}


def test_a_repeat_returns_the_first_response_and_creates_nothing(api: Api) -> None:
    first = api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=keyed("create-billing-1"))
    assert first.status == 201
    assert "idempotent-replayed" not in first.headers

    for _ in range(2):
        again = api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=keyed("create-billing-1"))
        assert again.status == 201
        assert again.json == first.json
        assert again.headers["content-type"] == first.headers["content-type"] == "application/json"
        assert again.headers["idempotent-replayed"] == "true"
    assert project_names(api) == ["Billing"]


def test_the_same_body_written_differently_is_the_same_request(api: Api) -> None:
    first = api.post("/v1/projects", body='{"name": "Billing", "description": ""}', as_user="ann", headers=keyed("k-1"))
    again = api.post("/v1/projects", body='{"description":"","name":"Billing"}', as_user="ann", headers=keyed("k-1"))
    assert (first.status, again.status) == (201, 201)
    assert again.json == first.json and again.headers["idempotent-replayed"] == "true"
    assert project_names(api) == ["Billing"]


def test_the_same_key_with_another_body_is_422(api: Api) -> None:
    assert api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=keyed("k-2")).status == 201
    reused = api.post("/v1/projects", {"name": "Shipping"}, as_user="ann", headers=keyed("k-2"))
    assert (reused.status, reused.code) == (422, "idempotency_key_reused")
    assert reused.headers["content-type"] == "application/problem+json"
    assert project_names(api) == ["Billing"]


def test_without_a_key_every_post_creates(api: Api) -> None:
    for _ in range(2):
        assert api.post("/v1/projects", {"name": "Billing"}, as_user="ann").status == 201
    assert project_names(api) == ["Billing", "Billing"]


def test_keys_are_per_user(api: Api) -> None:
    ann = api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=keyed("shared-key"))
    bob = api.post("/v1/projects", {"name": "Billing"}, as_user="bob", headers=keyed("shared-key"))
    assert (ann.status, bob.status) == (201, 201)
    assert "idempotent-replayed" not in bob.headers
    assert bob.json["id"] != ann.json["id"] and bob.json["created_by"] == "bob"
    # Another body under the same key is no reuse either: the key is bob's own.
    carol = api.post("/v1/projects", {"name": "Other"}, as_user="carol", headers=keyed("shared-key"))
    assert carol.status == 201
    assert (project_names(api, "ann"), project_names(api, "bob"), project_names(api, "carol")) == (
        ["Billing"],
        ["Billing"],
        ["Other"],
    )


def test_keys_are_per_route(api: Api) -> None:
    first = api.project(owner="ann", name="First")
    second = api.project(owner="ann", name="Second")
    body = {"name": "db", "kind": "input"}
    a = api.post(f"/v1/projects/{first}/nodes", body, as_user="ann", headers=keyed("node-key"))
    b = api.post(f"/v1/projects/{second}/nodes", body, as_user="ann", headers=keyed("node-key"))
    assert (a.status, b.status) == (201, 201) and a.json["id"] != b.json["id"]
    for pid in (first, second):
        assert len(api.get(f"/v1/projects/{pid}/nodes", as_user="ann").json["items"]) == 1


def test_an_error_from_the_handler_is_replayed_too(api: Api) -> None:
    pid = api.project(owner="ann", vic="viewer")
    role_id = api.post(f"/v1/projects/{pid}/roles", {"name": "R", "permissions": ["a"]}, as_user="ann").json["id"]
    body = {"name": "vic's key", "type": "opaque", "role_id": role_id, "owner_id": "vic"}
    refused = api.post(f"/v1/projects/{pid}/keys", body, as_user="ann", headers=keyed("key-1"))
    assert (refused.status, refused.code) == (422, "owner_not_permitted")  # viewers hold no keys

    # Once vic may hold keys, the same key still answers what it answered first.
    api.put(f"/v1/projects/{pid}/members/vic", {"role": "developer"}, as_user="ann")
    replayed = api.post(f"/v1/projects/{pid}/keys", body, as_user="ann", headers=keyed("key-1"))
    assert (replayed.status, replayed.json) == (422, refused.json)
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.headers["content-type"] == "application/problem+json"
    assert api.get(f"/v1/projects/{pid}/keys", as_user="ann").json["items"] == []

    fresh = api.post(f"/v1/projects/{pid}/keys", body, as_user="ann", headers=keyed("key-2"))
    assert fresh.status == 201
    assert [k["id"] for k in api.get(f"/v1/projects/{pid}/keys", as_user="ann").json["items"]] == [
        fresh.json["key"]["id"]
    ]


def test_a_handler_validation_error_is_replayed(api: Api) -> None:
    pid = api.project(owner="ann")
    body = {"name": "k", "type": "opaque", "role_id": "rol_00000000000000000000000000"}
    first = api.post(f"/v1/projects/{pid}/keys", body, as_user="ann", headers=keyed("no-such-role"))
    assert (first.status, first.code) == (422, "validation_failed")
    assert first.json["errors"][0]["field"] == "role_id"
    again = api.post(f"/v1/projects/{pid}/keys", body, as_user="ann", headers=keyed("no-such-role"))
    assert (again.status, again.json, again.headers.get("idempotent-replayed")) == (422, first.json, "true")


def test_the_right_to_act_is_checked_before_any_replay(api: Api) -> None:
    # A stored answer belongs to a caller who may still make the request: a refusal is judged
    # anew once the caller gains the right, and a success is not replayed to one who lost it.
    pid = api.project(owner="ann", vic="viewer", eddie="editor")
    role = {"name": "Reader", "permissions": []}
    refused = api.post(f"/v1/projects/{pid}/roles", role, as_user="vic", headers=keyed("role-1"))
    assert (refused.status, refused.code) == (403, "forbidden")
    api.put(f"/v1/projects/{pid}/members/vic", {"role": "editor"}, as_user="ann")
    allowed = api.post(f"/v1/projects/{pid}/roles", role, as_user="vic", headers=keyed("role-1"))
    assert allowed.status == 201 and "idempotent-replayed" not in allowed.headers

    node = {"name": "db", "kind": "input"}
    created = api.post(f"/v1/projects/{pid}/nodes", node, as_user="eddie", headers=keyed("node-1"))
    assert created.status == 201
    api.put(f"/v1/projects/{pid}/members/eddie", {"role": "viewer"}, as_user="ann")
    demoted = api.post(f"/v1/projects/{pid}/nodes", node, as_user="eddie", headers=keyed("node-1"))
    assert (demoted.status, demoted.code) == (403, "forbidden")
    removed = api.delete(f"/v1/projects/{pid}/members/eddie", as_user="ann")
    assert removed.status == 204
    gone = api.post(f"/v1/projects/{pid}/nodes", node, as_user="eddie", headers=keyed("node-1"))
    assert (gone.status, gone.code) == (404, "not_found")
    assert len(api.get(f"/v1/projects/{pid}/nodes", as_user="ann").json["items"]) == 1


def test_an_invalid_key_is_422_and_creates_nothing(api: Api) -> None:
    for key in ("k" * 256, "with space", "tab\there", "bell\x07", "del\x7f", "ключ", ""):
        reply = api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=keyed(key))
        assert (reply.status, reply.code) == (422, "validation_failed"), repr(key[:20])
        assert reply.json["errors"][0]["field"] == "Idempotency-Key"
    assert project_names(api) == []

    longest = "k" * 255
    assert api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=keyed(longest)).status == 201
    replayed = api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=keyed(longest))
    assert replayed.headers.get("idempotent-replayed") == "true"
    assert project_names(api) == ["Billing"]


def test_an_expired_key_may_be_used_again(api: Api) -> None:
    first = api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=keyed("old-key"))
    assert first.status == 201
    records = list(IdempotencyModel.scan())
    assert len(records) == 1
    # 24 hours later, as far as the record is concerned. DynamoDB's TTL deletes such items
    # only eventually (moto never does), so the service must not rely on it having happened.
    records[0].update(actions=[IdempotencyModel.expires_at.set(datetime.now(UTC) - timedelta(seconds=1))])

    other = api.post("/v1/projects", {"name": "Shipping"}, as_user="ann", headers=keyed("old-key"))
    assert other.status == 201 and "idempotent-replayed" not in other.headers
    replay = api.post("/v1/projects", {"name": "Shipping"}, as_user="ann", headers=keyed("old-key"))
    assert replay.headers.get("idempotent-replayed") == "true" and replay.json == other.json
    assert project_names(api) == ["Billing", "Shipping"]


def test_a_repeat_while_the_first_still_runs_is_409(api: Api) -> None:
    assert api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=keyed("busy")).status == 201
    (record,) = IdempotencyModel.scan()
    # As if the first request had claimed the key and were still running.
    record.update(
        actions=[
            IdempotencyModel.state.set("in_progress"),
            IdempotencyModel.locked_until.set(int(datetime.now(UTC).timestamp()) + 60),
        ]
    )
    busy = api.post("/v1/projects", {"name": "Billing"}, as_user="ann", headers=keyed("busy"))
    assert (busy.status, busy.code) == (409, "conflict")
    assert project_names(api) == ["Billing"]
