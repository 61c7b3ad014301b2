"""Keys that can be restrained (API.md, "Key restrictions"): disabled and enabled again, and
used only from the networks of their IP allowlist."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from chalicelib.services import keys as key_cases
from chalicelib.store import keys as key_store
from chalicelib.store import projects as project_store
from tests.functional.conftest import Api
from tests.functional.races import audit_actions, refused
from tests.functional.test_hmac_keys import sign
from tests.functional.test_limits import Limited, received
from tests.functional.test_webhooks import Receiver, serving

OFFICE = ["203.0.113.0/24", "2001:db8::/32"]


@pytest.fixture
def project(api: Api) -> Limited:
    return Limited(api)


@pytest.fixture
def receiver() -> Any:
    with serving() as running:
        yield running


def subscribe(project: Limited, receiver: Receiver, events: list[str]) -> str:
    reply = project.api.post(
        f"/v1/projects/{project.pid}/webhooks", {"url": receiver.url(), "events": events}, as_user="ann"
    )
    assert reply.status == 201, reply.body
    secret: str = reply.json["secret"]
    return secret


def feed(project: Limited) -> list[dict[str, Any]]:
    reply = project.api.get(f"/v1/projects/{project.pid}/key-changes?limit=100", as_user="ann")
    assert reply.status == 200, reply.body
    items: list[dict[str, Any]] = reply.json["items"]
    return items


# --- disable and enable ---------------------------------------------------------------------------


def test_a_disabled_key_answers_disabled_and_verifies_again_once_enabled(project: Limited) -> None:
    key, secret = project.issue()
    assert project.answer(secret)["code"] == "VALID"

    disabled = project.patch(key["id"], {"enabled": False})
    assert disabled.status == 200, disabled.body
    assert (disabled.json["enabled"], disabled.json["status"]) == (False, "disabled")
    answer = project.answer(secret)
    assert answer["code"] == "DISABLED" and answer["key_id"] == key["id"]
    assert project.view(key["id"])["status"] == "disabled"

    enabled = project.patch(key["id"], {"enabled": True})
    assert (enabled.json["enabled"], enabled.json["status"]) == (True, "active")
    assert project.answer(secret)["code"] == "VALID"


def test_the_status_filter_tells_disabled_keys_from_active_ones(project: Limited) -> None:
    kept, _ = project.issue()
    stopped, _ = project.issue()
    assert project.patch(stopped["id"], {"enabled": False}).status == 200

    def ids(status: str) -> set[str]:
        reply = project.api.get(f"/v1/projects/{project.pid}/keys?status={status}", as_user="ann")
        assert reply.status == 200, reply.body
        return {k["id"] for k in reply.json["items"]}

    assert ids("disabled") == {stopped["id"]}
    assert ids("active") == {kept["id"]}


def test_disabling_and_enabling_are_announced_and_audited_once_each(project: Limited, receiver: Receiver) -> None:
    hook_secret = subscribe(project, receiver, ["key.disabled", "key.enabled"])
    key, _ = project.issue()
    assert project.patch(key["id"], {"enabled": False}).status == 200
    # Disabling a disabled key changes nothing: nothing more is announced.
    again = project.patch(key["id"], {"enabled": False})
    assert again.status == 200 and again.json["status"] == "disabled"
    assert project.patch(key["id"], {"enabled": True}).status == 200

    grouped = received(receiver, hook_secret)
    assert {t: len(m) for t, m in grouped.items()} == {"key.disabled": 1, "key.enabled": 1}
    (off,) = grouped["key.disabled"]
    assert (off["id"], off["enabled"], off["status"]) == (key["id"], False, "disabled")
    assert grouped["key.enabled"][0]["enabled"] is True

    actions = [e["action"] for e in project.audit() if e["target"]["id"] == key["id"]]
    assert actions.count("key.disabled") == 1 and actions.count("key.enabled") == 1
    assert "key.updated" not in actions


def test_a_disabled_key_spends_no_credit_and_no_rate_limit(project: Limited) -> None:
    key, secret = project.issue(
        credits={"remaining": 5}, ratelimits=[{"name": "requests", "limit": 2, "duration_seconds": 3600}]
    )
    assert project.patch(key["id"], {"enabled": False}).status == 200
    assert project.codes(secret, 4) == ["DISABLED"] * 4
    assert project.remaining(key["id"]) == 5

    assert project.patch(key["id"], {"enabled": True}).status == 200
    assert project.codes(secret, 3) == ["VALID", "VALID", "RATE_LIMITED"]
    assert project.remaining(key["id"]) == 3


def test_revoked_and_expired_win_over_disabled_and_disabled_over_the_ip_and_permissions(
    project: Limited,
) -> None:
    key, secret = project.issue(ip_allowlist=["203.0.113.0/24"])
    assert project.patch(key["id"], {"enabled": False}).status == 200
    # Disabled is said before the address or the permissions are looked at.
    assert project.answer(secret, client_ip="198.51.100.1", permissions=["nope"])["code"] == "DISABLED"
    project.revoke(key["id"])
    assert project.answer(secret)["code"] == "REVOKED"


def test_a_revoked_key_cannot_be_enabled_or_disabled(project: Limited) -> None:
    key, _ = project.issue()
    project.revoke(key["id"])
    assert project.patch(key["id"], {"enabled": False}).status == 409


def test_a_developer_cannot_disable_a_key(project: Limited) -> None:
    key, secret = project.issue()
    reply = project.api.patch(project.key_path(key["id"]), {"enabled": False}, as_user="dev")
    assert reply.status == 403, reply.body
    assert project.answer(secret)["code"] == "VALID"


def test_the_key_changes_feed_tells_disabling_enabling_and_a_new_allowlist(project: Limited) -> None:
    key, _ = project.issue()
    for change in ({"enabled": False}, {"enabled": True}, {"ip_allowlist": ["203.0.113.0/24"]}):
        assert project.patch(key["id"], change).status == 200
    # (The members' arrival is in the feed too: owner_changed.)
    changes = [(c["change"], c["key_ids"]) for c in feed(project) if c["change"] != "owner_changed"]
    assert changes == [
        ("disabled", [key["id"]]),
        ("enabled", [key["id"]]),
        ("restrictions_changed", [key["id"]]),
    ]


def test_a_reroll_keeps_the_allowlist_and_the_disable(project: Limited) -> None:
    key, _ = project.issue(ip_allowlist=["203.0.113.0/24"])
    assert project.patch(key["id"], {"enabled": False}).status == 200
    rerolled = project.api.post(project.key_path(key["id"], "/reroll"), {}, as_user="ann")
    assert rerolled.status == 200, rerolled.body
    successor = rerolled.json["key"]
    assert (successor["ip_allowlist"], successor["enabled"]) == (["203.0.113.0/24"], False)
    assert project.answer(rerolled.json["secret"]["key"], client_ip="203.0.113.9")["code"] == "DISABLED"


# --- IP allowlists ------------------------------------------------------------------------------


def test_a_key_with_an_allowlist_verifies_only_from_inside_it(project: Limited) -> None:
    key, secret = project.issue(ip_allowlist=OFFICE)
    assert key["ip_allowlist"] == OFFICE
    inside = project.answer(secret, client_ip="203.0.113.77")
    assert inside["code"] == "VALID" and inside["ip_allowlist"] == OFFICE
    assert project.answer(secret, client_ip="2001:db8:1::5")["code"] == "VALID"
    # A dual-stack socket reports an IPv4 client as IPv4-mapped IPv6.
    assert project.answer(secret, client_ip="::ffff:203.0.113.77")["code"] == "VALID"
    assert project.answer(secret, client_ip="198.51.100.7")["code"] == "IP_NOT_ALLOWED"
    assert project.answer(secret, client_ip="2001:db9::1")["code"] == "IP_NOT_ALLOWED"
    # No address at all is no address inside.
    missing = project.answer(secret)
    assert missing["code"] == "IP_NOT_ALLOWED" and missing["key_id"] == key["id"]


def test_a_key_without_an_allowlist_needs_no_address_and_says_no_list(project: Limited) -> None:
    key, secret = project.issue()
    assert key["ip_allowlist"] == []
    answer = project.answer(secret, client_ip="198.51.100.7")
    assert answer["code"] == "VALID" and "ip_allowlist" not in answer


def test_an_address_outside_charges_nothing(project: Limited) -> None:
    key, secret = project.issue(ip_allowlist=["203.0.113.0/24"], credits={"remaining": 2})
    assert project.codes(secret, 3, client_ip="198.51.100.7") == ["IP_NOT_ALLOWED"] * 3
    assert project.remaining(key["id"]) == 2


def test_the_allowlist_is_written_in_canonical_form(project: Limited) -> None:
    key, _ = project.issue(ip_allowlist=["203.0.113.7", "2001:0db8:0000::/48", "203.0.113.7/32", "::ffff:10.0.0.0/104"])
    assert key["ip_allowlist"] == ["203.0.113.7/32", "2001:db8::/48", "10.0.0.0/8"]


@pytest.mark.parametrize(
    ("entries", "field", "words"),
    [
        (["203.0.113.7/24"], "ip_allowlist[0]", "host bits set; the network is 203.0.113.0/24"),
        (["10.0.0.0/8", "not-an-ip"], "ip_allowlist[1]", "IPv4 or IPv6"),
        (["10.0.0.0/33"], "ip_allowlist[0]", "IPv4 or IPv6"),
        ([" 10.0.0.1"], "ip_allowlist[0]", "IPv4 or IPv6"),
        (["10.0.0.1\u0000"], "ip_allowlist[0]", "IPv4 or IPv6"),
        ([f"10.0.{i // 256}.{i % 256}" for i in range(101)], "ip_allowlist", "100"),
    ],
)
def test_a_bad_allowlist_is_422_naming_the_entry(project: Limited, entries: list[str], field: str, words: str) -> None:
    role_id = project.role(["orders:read"])
    body = {"name": "k", "type": "opaque", "role_id": role_id, "ip_allowlist": entries}
    created = project.api.post(f"/v1/projects/{project.pid}/keys", body, as_user="ann")
    assert created.status == 422, created.body
    assert created.json["code"] == "validation_failed"
    (error,) = created.json["errors"]
    assert error["field"].startswith(field) and words in (error["message"] + created.json["detail"])


def test_patching_the_allowlist_takes_effect_at_once_and_empty_lifts_it(project: Limited) -> None:
    key, secret = project.issue()
    changed = project.patch(key["id"], {"ip_allowlist": ["198.51.100.0/24"]})
    assert changed.status == 200 and changed.json["ip_allowlist"] == ["198.51.100.0/24"]
    assert project.answer(secret, client_ip="203.0.113.1")["code"] == "IP_NOT_ALLOWED"
    assert project.answer(secret, client_ip="198.51.100.1")["code"] == "VALID"
    for lifted in ([], None):
        assert project.patch(key["id"], {"ip_allowlist": ["198.51.100.0/24"]}).status == 200
        assert project.patch(key["id"], {"ip_allowlist": lifted}).json["ip_allowlist"] == []
        assert project.answer(secret)["code"] == "VALID"


@pytest.mark.parametrize("client_ip", ["", "not-an-ip", "203.0.113.500", "1" * 64, "203.0.113.1/32"])
def test_a_client_ip_that_is_no_address_is_the_callers_bug(project: Limited, client_ip: str) -> None:
    _, secret = project.issue()
    reply = project.verify_with(secret, client_ip=client_ip)
    assert reply.status == 422, reply.body
    assert reply.json["code"] == "validation_failed"
    assert reply.json["errors"][0]["field"] == "client_ip"


def test_hmac_verification_and_introspection_take_the_client_ip(project: Limited) -> None:
    _, token, secret = project.issue_hmac(ip_allowlist=["203.0.113.0/24"])
    inside = sign(token, secret, "GET", "/orders").as_json() | {"client_ip": "203.0.113.4"}
    assert project.verdict(inside) == "VALID"
    outside = sign(token, secret, "GET", "/orders").as_json() | {"client_ip": "198.51.100.4"}
    assert project.verdict(outside) == "IP_NOT_ALLOWED"

    _, opaque = project.issue(ip_allowlist=["203.0.113.0/24"])

    def introspect(**form: str) -> dict[str, Any]:
        reply = project.api.request(
            "POST",
            "/v1/oauth/introspect",
            body=urlencode({"token": opaque, **form}),
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "authorization": f"Bearer {project.service_key}",
            },
        )
        assert reply.status == 200, reply.body
        body: dict[str, Any] = reply.json
        return body

    assert introspect(client_ip="203.0.113.4")["active"] is True
    assert introspect(client_ip="198.51.100.4") == {"active": False}
    assert introspect() == {"active": False}


def test_of_two_disables_that_both_read_the_key_enabled_one_is_announced(project: Limited) -> None:
    key, _ = project.issue()
    stale = key_store.get_key(project.pid, key["id"])  # what the second request read
    assert project.patch(key["id"], {"enabled": False}).status == 200
    after = key_cases.update_key(project_store.get_project(project.pid), stale, {"enabled": False}, "ann")
    assert after.disabled_at is not None
    assert audit_actions(project.pid).count("key.disabled") == 1


def test_an_enable_that_read_the_key_before_its_revocation_is_a_conflict(project: Limited) -> None:
    key, secret = project.issue()
    assert project.patch(key["id"], {"enabled": False}).status == 200
    stale = key_store.get_key(project.pid, key["id"])
    project.revoke(key["id"])
    with refused(409, "conflict"):
        key_cases.update_key(project_store.get_project(project.pid), stale, {"enabled": True}, "ann")
    assert project.answer(secret)["code"] == "REVOKED"


@pytest.mark.parametrize(
    "change",
    [
        {"enabled": False, "ip_allowlist": ["203.0.113.0/24"]},
        {"enabled": False, "expires_at": "2099-01-01T00:00:00Z"},
        {"ip_allowlist": ["203.0.113.0/24"], "expires_at": "2099-01-01T00:00:00Z"},
        {"enabled": False, "ratelimits": [{"name": "r", "limit": 5, "duration_seconds": 60}]},
        {"expires_at": "2099-01-01T00:00:00Z", "ratelimits": [{"name": "r", "limit": 5, "duration_seconds": 60}]},
        {
            "enabled": False,
            "ip_allowlist": ["203.0.113.0/24"],
            "expires_at": "2099-01-01T00:00:00Z",
            "ratelimits": [{"name": "r", "limit": 5, "duration_seconds": 60}],
            "name": "all at once",
        },
    ],
)
def test_one_patch_may_change_several_of_what_verification_reads(project: Limited, change: dict[str, Any]) -> None:
    key, secret = project.issue()
    reply = project.patch(key["id"], change)
    assert reply.status == 200, reply.body
    view = project.view(key["id"])
    if "expires_at" in change:
        assert view["expires_at"] == change["expires_at"]
    if "ip_allowlist" in change:
        assert view["ip_allowlist"] == change["ip_allowlist"]
    expected = "DISABLED" if "enabled" in change else "VALID"
    answer = project.answer(secret, client_ip="203.0.113.9")
    assert answer["code"] == expected
    if "ratelimits" in change and expected == "VALID":
        assert answer["ratelimits"][0]["name"] == "r"
