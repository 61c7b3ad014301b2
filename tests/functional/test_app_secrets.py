"""App secrets: hints in lists, reveal and rotate with a fresh login, and what the service keeps of them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from chalicelib.store.idempotency_models import IdempotencyModel
from chalicelib.store.secret_models import AppSecretModel, ServiceKeyModel
from tests.functional.conftest import Api, Reply

SECRETS = ("secure_key", "service_key")
STEP_UP_CHALLENGE = 'Bearer error="insufficient_user_authentication", max_age=300'
STALE = 301  # seconds since login: just past KEYWARDEN_STEP_UP_MAX_AGE's default of 300


def reveal(api: Api, pid: str, name: str, user: str = "ann", **kw: Any) -> str:
    reply = api.post(f"/v1/projects/{pid}/secrets/{name}/reveal", as_user=user, **kw)
    assert reply.status == 200, reply.body
    assert reply.json["name"] == name
    value: str = reply.json["value"]
    return value


def rotate(api: Api, pid: str, name: str, body: dict[str, Any] | None = None, user: str = "ann") -> Reply:
    return api.post(f"/v1/projects/{pid}/secrets/{name}/rotate", body or {}, as_user=user)


def as_service(service_key: str) -> dict[str, dict[str, str]]:
    return {"headers": {"authorization": f"Bearer {service_key}"}}


def service_call(api: Api, service_key: str) -> int:
    """The status of a verification call made with `service_key`: 200 when it authenticates."""
    return api.post("/v1/keys/verify", {"key": "kw_whatever"}, **as_service(service_key)).status


def vk_sign(params: dict[str, str], secure_key: str) -> str:
    """The launch-parameter signature, computed here from API.md's description."""
    signed = urlencode(sorted((k, v) for k, v in params.items() if k.startswith("vk_")))
    digest = hmac.new(secure_key.encode(), signed.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def stored_text(item: Any) -> str:
    """Every attribute of a stored item, as DynamoDB holds it, as one string to search."""
    return str(item.serialize())


def test_new_project_lists_both_secrets_by_hint_only(api: Api) -> None:
    pid = api.project(owner="ann", dave="developer", vic="viewer")
    values = {name: reveal(api, pid, name) for name in SECRETS}
    assert values["service_key"].startswith("kws_") and len(values["service_key"]) > len("kws_") + 20
    assert len(values["secure_key"]) >= 20 and values["secure_key"] != values["service_key"]

    for user in ("ann", "dave", "vic"):
        listed = api.get(f"/v1/projects/{pid}/secrets", as_user=user)
        assert listed.status == 200, (user, listed.body)
        items = {item["name"]: item for item in listed.json["items"]}
        assert set(items) == set(SECRETS)
        for name, value in values.items():
            assert set(items[name]) == {"name", "hint", "created_at", "rotated_at"}
            assert items[name]["hint"] == value[-4:]
            assert items[name]["created_at"].endswith("Z") and items[name]["rotated_at"] is None
            assert value.encode() not in listed.body

    assert api.get(f"/v1/projects/{pid}/secrets", as_user="mallory").status == 404


def test_reveal_and_rotate_need_a_fresh_login(api: Api) -> None:
    pid = api.project(owner="ann", eddie="editor")
    for user in ("ann", "eddie"):
        for action, body in (("reveal", None), ("rotate", {"grace_seconds": 0})):
            reply = api.post(f"/v1/projects/{pid}/secrets/secure_key/{action}", body, as_user=user, auth_age=STALE)
            assert (reply.status, reply.code) == (401, "step_up_required"), (user, action, reply.body)
            assert reply.headers["www-authenticate"] == STEP_UP_CHALLENGE
            assert reply.headers["content-type"] == "application/problem+json"

    # Nothing was rotated by the refused calls, and a fresh login works.
    listed = api.get(f"/v1/projects/{pid}/secrets", as_user="ann").json["items"]
    assert [item["rotated_at"] for item in listed] == [None, None]
    assert reveal(api, pid, "secure_key", user="ann", auth_age=60)


@pytest.mark.parametrize("role", ["developer", "viewer"])
def test_developers_and_viewers_may_not_reveal_or_rotate(api: Api, role: str) -> None:
    pid = api.project(owner="ann", bob=role)
    before = reveal(api, pid, "service_key")
    for auth_age in (0, STALE):  # 403 even when fresh: a new login would not help them
        for name in SECRETS:
            for action, body in (("reveal", None), ("rotate", {})):
                reply = api.post(f"/v1/projects/{pid}/secrets/{name}/{action}", body, as_user="bob", auth_age=auth_age)
                assert (reply.status, reply.code) == (403, "forbidden"), (name, action, auth_age)
                assert before.encode() not in reply.body
    assert reveal(api, pid, "service_key") == before
    assert service_call(api, before) == 200


def test_outsiders_get_404(api: Api) -> None:
    pid = api.project(owner="ann")
    for name in SECRETS:
        for action, body in (("reveal", None), ("rotate", {})):
            reply = api.post(f"/v1/projects/{pid}/secrets/{name}/{action}", body, as_user="mallory")
            assert (reply.status, reply.code) == (404, "not_found")


def test_owners_admins_and_editors_reveal_and_rotate(api: Api) -> None:
    pid = api.project(owner="ann", adam="admin", eddie="editor")
    first = reveal(api, pid, "secure_key")
    assert reveal(api, pid, "secure_key", user="adam") == first
    assert reveal(api, pid, "secure_key", user="eddie") == first

    seen = {first}
    for user in ("ann", "adam", "eddie"):
        rotated = rotate(api, pid, "secure_key", user=user)
        assert rotated.status == 200, (user, rotated.body)
        assert rotated.json["name"] == "secure_key" and rotated.json["previous_valid_until"] is None
        new = rotated.json["value"]
        assert new not in seen and len(new) >= 20
        seen.add(new)
        assert reveal(api, pid, "secure_key", user="ann") == new
    item = {i["name"]: i for i in api.get(f"/v1/projects/{pid}/secrets", as_user="ann").json["items"]}
    assert item["secure_key"]["rotated_at"].endswith("Z") and item["secure_key"]["hint"] == new[-4:]
    assert item["service_key"]["rotated_at"] is None


def test_reveals_and_rotations_are_audited_without_any_secret(api: Api) -> None:
    pid = api.project(owner="ann", eddie="editor")
    values = [reveal(api, pid, "secure_key", user="eddie"), reveal(api, pid, "service_key")]
    rotated_secure = rotate(api, pid, "secure_key", {"grace_seconds": 60}, user="eddie")
    rotated_service = rotate(api, pid, "service_key", {"grace_seconds": 0})
    values += [rotated_secure.json["value"], rotated_service.json["value"]]
    imported = "imported-secure-key-0123456789"
    assert rotate(api, pid, "secure_key", {"value": imported}).status == 200
    values.append(imported)

    audit = api.get(f"/v1/projects/{pid}/audit-events", as_user="ann")
    assert audit.status == 200
    events = [
        (e["actor"], e["action"], e["target"]["type"], e["target"]["id"])
        for e in audit.json["items"]
        if e["action"].startswith("secret.")
    ]
    assert events == [
        ("ann", "secret.rotated", "secret", "secure_key"),
        ("ann", "secret.rotated", "secret", "service_key"),
        ("eddie", "secret.rotated", "secret", "secure_key"),
        ("ann", "secret.revealed", "secret", "service_key"),
        ("eddie", "secret.revealed", "secret", "secure_key"),
    ]
    for value in values:
        assert value.encode() not in audit.body
        assert value[4:].encode() not in audit.body  # not even without its prefix


def test_service_key_rotation_with_grace_keeps_the_old_key_until_then(api: Api, long_cache: None) -> None:
    pid = api.project(owner="ann")
    old = reveal(api, pid, "service_key")
    started = time.time()
    rotated = rotate(api, pid, "service_key", {"grace_seconds": 3600})
    assert rotated.status == 200, rotated.body
    new = rotated.json["value"]
    assert new.startswith("kws_") and new != old
    until = datetime.fromisoformat(rotated.json["previous_valid_until"].replace("Z", "+00:00")).timestamp()
    assert started + 3600 - 2 <= until <= time.time() + 3600 + 1
    assert reveal(api, pid, "service_key") == new
    assert service_call(api, old) == 200 and service_call(api, new) == 200

    # Only one previous value lives: a second rotation with grace drops the first one.
    newest = rotate(api, pid, "service_key", {"grace_seconds": 3600}).json["value"]
    assert [service_call(api, k) for k in (old, new, newest)] == [401, 200, 200]


def test_short_grace_ends_at_previous_valid_until(api: Api) -> None:
    pid = api.project(owner="ann")
    old = reveal(api, pid, "service_key")
    rotated = rotate(api, pid, "service_key", {"grace_seconds": 1})
    assert rotated.status == 200 and rotated.json["previous_valid_until"] is not None
    deadline = time.monotonic() + 5
    while service_call(api, old) != 401:
        assert time.monotonic() < deadline, "the old service key still works after its grace period"
        time.sleep(0.2)
    assert service_call(api, rotated.json["value"]) == 200


def test_grace_zero_stops_the_old_service_key_at_once(api: Api, long_cache: None) -> None:
    pid = api.project(owner="ann")
    old = reveal(api, pid, "service_key")
    assert service_call(api, old) == 200  # cached as valid in this process
    rotated = rotate(api, pid, "service_key", {"grace_seconds": 0})
    assert rotated.status == 200 and rotated.json["previous_valid_until"] is None
    assert service_call(api, old) == 401
    assert service_call(api, rotated.json["value"]) == 200
    # The default grace is 0 as well.
    newer = rotate(api, pid, "service_key").json["value"]
    assert [service_call(api, k) for k in (rotated.json["value"], newer)] == [401, 200]


def test_importing_a_secure_key_and_launch_params_signed_with_it(api: Api) -> None:
    pid = api.project(owner="ann")
    service_key = reveal(api, pid, "service_key")
    imported = "my-own-secure-key_0123456789"
    rotated = rotate(api, pid, "secure_key", {"value": imported})
    assert rotated.status == 200, rotated.body
    assert rotated.json["value"] == imported and rotated.json["previous_valid_until"] is None
    assert reveal(api, pid, "secure_key") == imported

    params = {"vk_user_id": "494075", "vk_app_id": "6736218", "vk_ts": str(int(time.time()))}
    query = urlencode(params) + "&sign=" + vk_sign(params, imported)
    verdict = api.post("/v1/launch-params/verify", {"query": query}, **as_service(service_key))
    assert verdict.status == 200 and verdict.json == {"valid": True, "code": "VALID"}

    too_short = rotate(api, pid, "secure_key", {"value": "short"})
    assert (too_short.status, too_short.code) == (422, "validation_failed")
    assert reveal(api, pid, "secure_key") == imported


def test_a_service_key_cannot_be_imported(api: Api) -> None:
    pid = api.project(owner="ann")
    before = reveal(api, pid, "service_key")
    reply = rotate(api, pid, "service_key", {"value": "kws_" + "a" * 40})
    assert (reply.status, reply.code) == (422, "validation_failed")
    assert [e["field"] for e in reply.json["errors"]] == ["value"]
    assert reveal(api, pid, "service_key") == before
    assert service_call(api, before) == 200 and service_call(api, "kws_" + "a" * 40) == 401


def test_unknown_secret_name_is_404(api: Api) -> None:
    pid = api.project(owner="ann")
    for action, body in (("reveal", None), ("rotate", {})):
        reply = api.post(f"/v1/projects/{pid}/secrets/master_key/{action}", body, as_user="ann")
        assert (reply.status, reply.code) == (404, "not_found"), action


def test_a_service_key_never_authorizes_management_routes(api: Api) -> None:
    pid = api.project(owner="ann")
    service_key = reveal(api, pid, "service_key")
    auth = as_service(service_key)
    refused = [
        api.get(f"/v1/projects/{pid}", **auth),
        api.get("/v1/projects", **auth),
        api.get(f"/v1/projects/{pid}/secrets", **auth),
        api.post(f"/v1/projects/{pid}/secrets/service_key/reveal", **auth),
        api.post(f"/v1/projects/{pid}/secrets/service_key/rotate", {}, **auth),
        api.get(f"/v1/projects/{pid}/keys", **auth),
        api.delete(f"/v1/projects/{pid}", **auth),
    ]
    assert [(r.status, r.code) for r in refused] == [(401, "unauthenticated")] * len(refused)
    for reply in refused:
        assert service_key.encode() not in reply.body
    assert reveal(api, pid, "service_key") == service_key
    assert api.get(f"/v1/projects/{pid}", as_user="ann").status == 200


def test_wrong_garbage_and_rotated_out_service_keys_are_401(api: Api) -> None:
    pid = api.project(owner="ann")
    old = reveal(api, pid, "service_key")
    new = rotate(api, pid, "service_key", {"grace_seconds": 0}).json["value"]
    person = api.token("ann")
    for authorization in (
        None,
        "",
        "Bearer",
        "Bearer garbage",
        "Basic " + base64.b64encode(new.encode()).decode(),
        f"Bearer {new[:-1]}",
        f"Bearer {new}x",
        "Bearer kws_" + "A" * 40,
        "Bearer kws_" + "A" * 5000,
        f"Bearer {old}",
        f"Bearer {person}",
    ):
        headers = {} if authorization is None else {"authorization": authorization}
        reply = api.post("/v1/keys/verify", {"key": "kw_whatever"}, headers=headers)
        assert (reply.status, reply.code) == (401, "unauthenticated"), authorization
        assert reply.headers["www-authenticate"].startswith("Bearer")
    assert service_call(api, new) == 200


def test_secrets_are_stored_sealed(api: Api) -> None:
    created = api.post("/v1/projects", {"name": "Sealed"}, as_user="ann", headers={"idempotency-key": "create-1"})
    assert created.status == 201
    pid = created.json["id"]
    old_values = {name: reveal(api, pid, name) for name in SECRETS}
    # With grace, the previous values are kept too: sealed like the current ones.
    new_values = {
        name: api.post(
            f"/v1/projects/{pid}/secrets/{name}/rotate",
            {"grace_seconds": 3600},
            as_user="ann",
            headers={"idempotency-key": f"rotate-{name}"},
        ).json["value"]
        for name in SECRETS
    }
    revealed_again = api.post(
        f"/v1/projects/{pid}/secrets/secure_key/reveal", as_user="ann", headers={"idempotency-key": "reveal-1"}
    )
    assert revealed_again.json["value"] == new_values["secure_key"]
    everything = [*old_values.values(), *new_values.values()]

    secret_items = list(AppSecretModel.query(pid))
    assert {i.name for i in secret_items} == set(SECRETS)
    lookups = [i for i in ServiceKeyModel.scan() if i.project_id == pid]
    assert len(lookups) == 2  # the current service key and the one in its grace period
    stored = [*secret_items, *lookups, *IdempotencyModel.scan()]
    assert len(stored) >= 7  # the three responses above that change state were kept for replay
    for item in stored:
        text = stored_text(item)
        for value in everything:
            assert value not in text, (type(item).__name__, value[-4:])
            assert value[4:] not in text
            assert hashlib.sha256(value.encode()).hexdigest() not in text  # keyed hashes, not plain ones

    # The kept responses still replay, sealed or not.
    replay = api.post(
        f"/v1/projects/{pid}/secrets/service_key/rotate",
        {"grace_seconds": 3600},
        as_user="ann",
        headers={"idempotency-key": "rotate-service_key"},
    )
    assert replay.status == 200 and replay.headers.get("idempotent-replayed") == "true"
    assert replay.json["value"] == new_values["service_key"]


def test_a_sealed_value_moved_to_another_project_does_not_open(api: Api) -> None:
    pid_a = api.project(owner="ann", name="A")
    pid_b = api.project(owner="bob", name="B")
    value_a = reveal(api, pid_a, "secure_key")

    item_a = AppSecretModel.get(pid_a, "secure_key", consistent_read=True)
    item_b = AppSecretModel.get(pid_b, "secure_key", consistent_read=True)
    item_b.sealed = item_a.sealed
    item_b.hint = item_a.hint
    item_b.save()

    reply = api.post(f"/v1/projects/{pid_b}/secrets/secure_key/reveal", as_user="bob")
    assert not 200 <= reply.status < 300
    assert value_a.encode() not in reply.body
    assert reply.headers["content-type"] == "application/problem+json"
    assert b"Traceback" not in reply.body
    # Project A's own secret is untouched.
    assert reveal(api, pid_a, "secure_key") == value_a


def test_a_replayed_reveal_still_needs_the_right_and_a_fresh_login(api: Api) -> None:
    pid = api.project(owner="ann", eddie="editor")
    path = f"/v1/projects/{pid}/secrets/secure_key/reveal"
    once = {"idempotency-key": "reveal-once"}
    value = api.post(path, as_user="eddie", headers=once).json["value"]

    stale = api.post(path, as_user="eddie", auth_age=STALE, headers=once)
    assert (stale.status, stale.code) == (401, "step_up_required")
    assert value.encode() not in stale.body

    assert api.put(f"/v1/projects/{pid}/members/eddie", {"role": "viewer"}, as_user="ann").status == 200
    demoted = api.post(path, as_user="eddie", headers=once)
    assert (demoted.status, demoted.code) == (403, "forbidden")
    assert value.encode() not in demoted.body
