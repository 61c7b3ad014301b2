"""Keys of identities (API.md, "Identities" and "Limits"): issued to a customer instead of a
member, named in every answer, sharing the identity's limits, revoked with it."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.store.identity_models import IdentityModel
from tests.functional.conftest import Api, Reply
from tests.functional.test_verify import Project


class Platform(Project):
    def identity(self, external_id: str = "cus_1", **fields: Any) -> dict[str, Any]:
        reply = self.api.post(
            f"/v1/projects/{self.pid}/identities", {"external_id": external_id, **fields}, as_user=self.owner
        )
        assert reply.status == 201, reply.body
        return dict(reply.json)

    def issue_for(self, identity_id: str, **fields: Any) -> tuple[dict[str, Any], str]:
        return self.issue(identity_id=identity_id, **fields)

    def check(self, key: str, **fields: Any) -> dict[str, Any]:
        reply = self.api.post(
            "/v1/keys/verify", {"key": key, **fields}, headers={"authorization": f"Bearer {self.service_key}"}
        )
        assert reply.status == 200, reply.body
        return dict(reply.json)

    def patch_identity(self, identity_id: str, changes: dict[str, Any]) -> Reply:
        return self.api.patch(f"/v1/projects/{self.pid}/identities/{identity_id}", changes, as_user=self.owner)


@pytest.fixture
def platform(api: Api) -> Platform:
    return Platform(api)


def test_an_identitys_key_has_no_owner_and_its_answers_name_the_identity(platform: Platform) -> None:
    customer = platform.identity("cus_42", meta={"plan": "pro"})
    key, secret = platform.issue_for(customer["id"])
    assert (key["owner_id"], key["identity_id"]) == (None, customer["id"])
    answer = platform.check(secret)
    assert answer["code"] == "VALID" and answer["owner_id"] is None
    assert answer["identity"] == {"id": customer["id"], "external_id": "cus_42", "meta": {"plan": "pro"}}
    listed = platform.api.get(f"/v1/projects/{platform.pid}/keys?identity_id={customer['id']}", as_user="ann")
    assert [k["id"] for k in listed.json["items"]] == [key["id"]]


def test_owner_and_identity_together_or_an_unknown_identity_are_422(platform: Platform, api: Api) -> None:
    customer = platform.identity()
    role = platform.role(["orders:read"])
    base = {"name": "k", "type": "opaque", "role_id": role}
    both = api.post(
        f"/v1/projects/{platform.pid}/keys", {**base, "owner_id": "ann", "identity_id": customer["id"]}, as_user="ann"
    )
    assert both.status == 422 and {e["field"] for e in both.json["errors"]} == {"owner_id", "identity_id"}
    other = Platform(api, owner="bob", name="Other").identity()
    foreign = api.post(f"/v1/projects/{platform.pid}/keys", {**base, "identity_id": other["id"]}, as_user="ann")
    assert foreign.status == 422 and foreign.json["errors"][0]["field"] == "identity_id"


def test_an_identitys_limit_is_shared_by_its_keys_and_a_keys_own_replaces_it(platform: Platform) -> None:
    customer = platform.identity(ratelimits=[{"name": "requests", "limit": 3, "duration_seconds": 3600}])
    secrets = [platform.issue_for(customer["id"])[1] for _ in range(3)]
    codes = [platform.check(secrets[i % 3])["code"] for i in range(5)]
    assert codes == ["VALID", "VALID", "VALID", "RATE_LIMITED", "RATE_LIMITED"]
    # Its own limit of the same name: the identity's is not charged for it.
    _, own = platform.issue_for(customer["id"], ratelimits=[{"name": "requests", "limit": 1, "duration_seconds": 3600}])
    assert [platform.check(own)["code"] for _ in range(2)] == ["VALID", "RATE_LIMITED"]


def test_identity_credits_and_a_keys_own_limit_are_charged_together_or_not_at_all(platform: Platform) -> None:
    customer = platform.identity(credits={"remaining": 10})
    _, secret = platform.issue_for(customer["id"], ratelimits=[{"name": "burst", "limit": 2, "duration_seconds": 3600}])
    answers = [platform.check(secret) for _ in range(3)]
    assert [a["code"] for a in answers] == ["VALID", "VALID", "RATE_LIMITED"]
    assert [a["credits"]["remaining"] for a in answers] == [9, 8, 8]
    assert (
        platform.api.get(f"/v1/projects/{platform.pid}/identities/{customer['id']}", as_user="ann").json["credits"][
            "remaining"
        ]
        == 8
    )


def test_changing_the_identity_reaches_its_keys_answers_at_once(platform: Platform, long_cache: None) -> None:
    customer = platform.identity(meta={"plan": "free"})
    _, secret = platform.issue_for(customer["id"])
    assert platform.check(secret)["identity"]["meta"] == {"plan": "free"}
    changed = platform.patch_identity(customer["id"], {"meta": {"plan": "pro"}, "credits": {"remaining": 1}})
    assert changed.status == 200, changed.body
    first, second = platform.check(secret), platform.check(secret)
    assert first["identity"]["meta"] == {"plan": "pro"} and first["credits"] == {"remaining": 0}
    assert second["code"] == "USAGE_EXCEEDED"


def test_a_change_reaches_every_key_beyond_the_first_transaction(platform: Platform) -> None:
    customer = platform.identity()
    role = platform.role(["orders:read"])
    secrets = [platform.issue_for(customer["id"], role_id=role)[1] for _ in range(45)]
    assert platform.patch_identity(customer["id"], {"meta": {"tier": "gold"}}).status == 200
    assert {platform.check(s)["identity"]["meta"].get("tier") for s in secrets} == {"gold"}


def test_a_change_that_read_the_identity_before_a_key_was_issued_reads_it_again(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.services import identities as identity_cases

    customer = platform.identity()
    stale = IdentityModel.get(platform.pid, customer["id"], consistent_read=True)
    _, secret = platform.issue_for(customer["id"])  # issued after the change read the identity
    change = identity_cases.IdentityChange(meta={"tier": "gold"})
    identity_cases.update_identity(stale, change, "ann")
    assert platform.check(secret)["identity"]["meta"] == {"tier": "gold"}


def test_deleting_an_identity_revokes_its_keys(platform: Platform) -> None:
    customer = platform.identity()
    keys = [platform.issue_for(customer["id"]) for _ in range(2)]
    _, members = platform.issue()
    deleted = platform.api.delete(f"/v1/projects/{platform.pid}/identities/{customer['id']}", as_user="ann")
    assert deleted.status == 204, deleted.body
    assert [platform.check(secret)["code"] for _, secret in keys] == ["REVOKED", "REVOKED"]
    assert platform.check(members)["code"] == "VALID"
    again = platform.api.post(
        f"/v1/projects/{platform.pid}/keys",
        {"name": "late", "type": "opaque", "role_id": platform.role(["a"]), "identity_id": customer["id"]},
        as_user="ann",
    )
    assert again.status == 422


def test_a_key_issued_during_a_deletion_is_revoked_too(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.services import identities as identity_cases
    from chalicelib.store import keys as key_store

    customer = platform.identity()
    real = key_store.identity_keys
    late: list[str] = []

    def listing_then_a_key_is_issued(project_id: str, identity_id: str) -> Any:
        found = real(project_id, identity_id)
        if not late:
            late.append(platform.issue_for(customer["id"])[1])
        return found

    monkeypatch.setattr(key_store, "identity_keys", listing_then_a_key_is_issued)
    stale = IdentityModel.get(platform.pid, customer["id"], consistent_read=True)
    identity_cases.delete_identity(stale, "ann")
    assert platform.check(late[0])["code"] == "REVOKED"


def test_introspection_of_an_identitys_key_names_the_identity_as_subject(platform: Platform, api: Api) -> None:
    customer = platform.identity()
    _, secret = platform.issue_for(customer["id"])
    reply = api.request(
        "POST",
        "/v1/oauth/introspect",
        body=f"token={secret}",
        headers={
            "authorization": f"Bearer {platform.service_key}",
            "content-type": "application/x-www-form-urlencoded",
        },
    )
    assert reply.status == 200 and reply.json["active"] is True and reply.json["sub"] == customer["id"]


def test_an_identitys_usage_is_its_keys_and_the_project_counts_each_verification_once(platform: Platform) -> None:
    customer = platform.identity(ratelimits=[{"name": "requests", "limit": 3, "duration_seconds": 3600}])
    secrets = [platform.issue_for(customer["id"])[1] for _ in range(2)]
    _, members = platform.issue()
    codes = [platform.check(secrets[i % 2])["code"] for i in range(4)] + [platform.check(members)["code"]]
    assert codes == ["VALID", "VALID", "VALID", "RATE_LIMITED", "VALID"]
    rolled = platform.api.post("/v1/dev/jobs/usage-rollup")
    assert rolled.status == 200, rolled.body

    def usage(query: str) -> dict[str, Any]:
        reply = platform.api.get(f"/v1/projects/{platform.pid}/usage?granularity=hour&{query}", as_user="ann")
        assert reply.status == 200, reply.body
        return dict(reply.json)

    mine = usage(f"identity_id={customer['id']}")
    assert mine["identity_id"] == customer["id"]
    assert mine["totals"] == {"valid": 3, "invalid": 1}
    assert sum(p["by_code"].get("RATE_LIMITED", 0) for p in mine["series"]) == 1
    assert usage("")["totals"] == {"valid": 4, "invalid": 1}
    both = platform.api.get(
        f"/v1/projects/{platform.pid}/usage?identity_id={customer['id']}&key_id=key_x", as_user="ann"
    )
    assert both.status == 422
    unknown = platform.api.get(f"/v1/projects/{platform.pid}/usage?identity_id=idn_nope", as_user="ann")
    assert unknown.status == 404


def test_an_identitys_limits_send_identity_notices_once(platform: Platform) -> None:
    from tests.functional.test_identities import outbox_messages

    customer = platform.identity(
        ratelimits=[{"name": "requests", "limit": 3, "duration_seconds": 3600}],
        credits={"remaining": 5, "notify_below": 3},
    )
    _, secret = platform.issue_for(customer["id"])
    codes = [platform.check(secret)["code"] for _ in range(6)]
    assert codes == ["VALID"] * 3 + ["RATE_LIMITED"] * 3
    notices = sorted(
        (m for m in outbox_messages() if m["type"] in ("identity.credits_low", "identity.rate_limited")),
        key=lambda m: str(m["type"]),
    )
    assert [m["type"] for m in notices] == ["identity.credits_low", "identity.rate_limited"]
    low, limited = notices[0]["data"], notices[1]["data"]
    assert low["identity"] == {"id": customer["id"], "external_id": "cus_1"}
    assert (low["remaining"], low["notify_below"]) == (2, 3)
    assert limited["ratelimit"] == {"name": "requests", "limit": 3, "duration_seconds": 3600}


def test_the_tail_of_a_change_that_a_later_one_overtook_writes_nothing(platform: Platform) -> None:
    from chalicelib.domain.verification import IdentityRef
    from chalicelib.store import identities

    customer = platform.identity(meta={"tier": "bronze"})
    _, secret = platform.issue_for(customer["id"])
    first = platform.patch_identity(customer["id"], {"meta": {"tier": "silver"}})
    assert first.status == 200
    read_by_the_first = IdentityModel.get(platform.pid, customer["id"], consistent_read=True)
    assert platform.patch_identity(customer["id"], {"meta": {"tier": "gold"}}).status == 200
    # The first change's tail, late: its stamp is no longer the identity's.
    stale = IdentityRef(customer["id"], "cus_1", {"tier": "silver"})
    lookups = identities.key_lookups(read_by_the_first)
    assert read_by_the_first.revision is not None
    assert identities.set_keys_chunk(read_by_the_first, lookups, stale, read_by_the_first.revision) is False
    assert platform.check(secret)["identity"]["meta"] == {"tier": "gold"}


def test_a_key_is_never_issued_to_an_identity_deleted_after_it_was_read(platform: Platform) -> None:
    from chalicelib.errors import ValidationFailedError
    from chalicelib.services import keys as key_cases
    from chalicelib.store import identities, keys, roles
    from chalicelib.store.project_models import ProjectModel

    customer = platform.identity()
    read = identities.reference(identities.get_identity(platform.pid, customer["id"]))  # the handler's read
    deleted = platform.api.delete(f"/v1/projects/{platform.pid}/identities/{customer['id']}", as_user="ann")
    assert deleted.status == 204
    spec = key_cases.NewKey(
        key_type="opaque",
        name="late",
        description="",
        owner_id=None,
        role=roles.get_role(platform.pid, platform.role(["a"])),
        expires_at=None,
        meta={},
        identity=read,
    )
    with pytest.raises(ValidationFailedError):
        key_cases.issue_key(ProjectModel.get(platform.pid), spec, "ann")
    assert keys.identity_keys(platform.pid, customer["id"]) == []
    assert IdentityModel.count(platform.pid) == 0, "no identity item brought back by the key's list"


def test_a_two_meter_charge_that_keeps_losing_races_is_refused_never_an_error(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    from chalicelib import aws

    customer = platform.identity(credits={"remaining": 5})
    _, secret = platform.issue_for(customer["id"], ratelimits=[{"name": "burst", "limit": 9, "duration_seconds": 3600}])
    client = aws.client("dynamodb")
    conflict = {
        "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
        "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}],
    }

    def always_conflicting(**_: Any) -> Any:
        raise ClientError(conflict, "TransactWriteItems")  # type: ignore[arg-type]

    monkeypatch.setattr(client, "transact_write_items", always_conflicting)
    answer = platform.check(secret)
    assert (answer["valid"], answer["code"], answer["credits"]) == (False, "RATE_LIMITED", {"remaining": 5})
