"""The project's key policy (API.md, "the project's key policy"): set by owners and admins,
enforced wherever a key is made or changed, and a report of the keys made before it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.functional.conftest import Api, Reply
from tests.functional.test_templates import Project, stamp

DAY = 86400
STRICT = {
    "max_lifetime_days": 30,
    "require_expiry": True,
    "allowed_types": ["opaque", "hmac"],
    "forbid_wildcard_permissions": True,
    "require_ip_allowlist": True,
    "leak_action": "disable",
}


class Governed(Project):
    def policy(self, as_user: str = "ann") -> Reply:
        return self.api.get(f"{self.path}/key-policy", as_user=as_user)

    def set_policy(self, policy: dict[str, Any], as_user: str = "ann") -> Reply:
        return self.api.put(f"{self.path}/key-policy", policy, as_user=as_user)

    def govern(self, **policy: Any) -> None:
        reply = self.set_policy(policy)
        assert reply.status == 200, reply.body

    def create_key(self, role_id: str | None = None, **fields: Any) -> Reply:
        body = {"name": "k", "type": "opaque", "role_id": role_id or self.role(), **fields}
        return self.api.post(f"{self.path}/keys", body, as_user="ann")

    def key(self, role_id: str | None = None, **fields: Any) -> dict[str, Any]:
        reply = self.create_key(role_id, **fields)
        assert reply.status == 201, reply.body
        key: dict[str, Any] = reply.json["key"]
        return key

    def report(self, query: str = "") -> list[dict[str, Any]]:
        """Every item of the report, following its cursors."""
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            suffix = f"{query}&cursor={cursor}" if cursor else query
            reply = self.api.get(f"{self.path}/key-policy/report?{suffix}", as_user="ann")
            assert reply.status == 200, reply.body
            items.extend(reply.json["items"])
            cursor = reply.json["next_cursor"]
            if cursor is None:
                return items


@pytest.fixture
def project(api: Api) -> Governed:
    return Governed(api)


def violated(reply: Reply) -> list[str]:
    """The rules a `policy_violation` answer names."""
    assert reply.status == 422, reply.body
    assert reply.json["code"] == "policy_violation", reply.json
    assert reply.json["type"] == "urn:keywarden:problem:policy_violation"
    return [e["field"] for e in reply.json["errors"]]


# --- the policy itself --------------------------------------------------------------------------


def test_a_new_project_has_the_default_policy_which_refuses_nothing(project: Governed) -> None:
    reply = project.policy()
    assert reply.status == 200, reply.body
    assert reply.json == {
        "max_lifetime_days": None,
        "require_expiry": False,
        "allowed_types": None,
        "forbid_wildcard_permissions": False,
        "require_ip_allowlist": False,
        "leak_action": "revoke",
    }
    assert project.create_key(project.role(permissions=("orders:*",)), type="jwt").status == 201


def test_owners_and_admins_set_the_policy_and_every_member_reads_it(project: Governed) -> None:
    assert project.set_policy(STRICT).json == STRICT
    assert project.set_policy(STRICT | {"leak_action": "notify"}, as_user="alice").status == 200
    for member in ("ed", "dave", "vic"):
        assert project.set_policy({}, as_user=member).status == 403
        assert project.policy(as_user=member).json["leak_action"] == "notify"
    assert project.set_policy({}, as_user="stranger").status == 404
    # PUT replaces the whole policy: what is left out is the default.
    assert project.set_policy({"require_expiry": True}).json == {
        "max_lifetime_days": None,
        "require_expiry": True,
        "allowed_types": None,
        "forbid_wildcard_permissions": False,
        "require_ip_allowlist": False,
        "leak_action": "revoke",
    }
    changes = [
        e
        for e in project.api.get(f"{project.path}/audit-events", as_user="ann").json["items"]
        if e["action"] == "project.key_policy_changed"
    ]
    assert len(changes) == 3 and changes[0]["details"]["policy"] == {"require_expiry": True}


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        ({"max_lifetime_days": 0}, "max_lifetime_days"),
        ({"max_lifetime_days": "30"}, "max_lifetime_days"),
        ({"allowed_types": []}, "allowed_types"),
        ({"allowed_types": ["rsa"]}, "allowed_types"),
        ({"leak_action": "delete"}, "leak_action"),
        ({"require_expiry": "yes"}, "require_expiry"),
        ({"unknown_rule": True}, "unknown_rule"),
    ],
)
def test_a_malformed_policy_is_422_naming_the_field(project: Governed, policy: dict[str, Any], field: str) -> None:
    reply = project.set_policy(policy)
    assert reply.status == 422, reply.body
    assert reply.json["errors"][0]["field"].startswith(field)
    assert project.policy().json["require_expiry"] is False


# --- enforced where keys are made ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "fields", "permissions", "rules"),
    [
        ({"max_lifetime_days": 30}, {"ttl_seconds": 31 * DAY}, ("orders:read",), ["max_lifetime_days"]),
        ({"max_lifetime_days": 30}, {}, ("orders:read",), ["max_lifetime_days"]),
        ({"require_expiry": True}, {}, ("orders:read",), ["require_expiry"]),
        ({"allowed_types": ["hmac"]}, {}, ("orders:read",), ["allowed_types"]),
        ({"forbid_wildcard_permissions": True}, {}, ("orders:*",), ["forbid_wildcard_permissions"]),
        ({"require_ip_allowlist": True}, {}, ("orders:read",), ["require_ip_allowlist"]),
        (
            STRICT,
            {"type": "jwt"},
            ("*",),
            [
                "max_lifetime_days",
                "require_expiry",
                "allowed_types",
                "forbid_wildcard_permissions",
                "require_ip_allowlist",
            ],
        ),
    ],
)
def test_creating_a_key_that_breaks_a_rule_is_refused_naming_each_rule(
    project: Governed, policy: dict[str, Any], fields: dict[str, Any], permissions: tuple[str, ...], rules: list[str]
) -> None:
    project.govern(**policy)
    role_id = project.role(permissions=permissions)
    assert violated(project.create_key(role_id, **fields)) == rules
    keys = project.api.get(f"{project.path}/keys", as_user="ann").json["items"]
    assert keys == []


def test_a_key_that_follows_every_rule_is_made(project: Governed) -> None:
    project.govern(**STRICT)
    key = project.key(ttl_seconds=30 * DAY, ip_allowlist=["203.0.113.0/24"])
    assert key["ip_allowlist"] == ["203.0.113.0/24"]


def test_a_reroll_is_judged_by_the_policy_of_now(project: Governed) -> None:
    key = project.key()
    project.govern(require_expiry=True)
    # The old key, made before the rule, keeps no expiry: so would its successor.
    rerolled = project.api.post(f"{project.path}/keys/{key['id']}/reroll", {}, as_user="ann")
    assert violated(rerolled) == ["require_expiry"]
    assert project.api.get(f"{project.path}/keys/{key['id']}", as_user="ann").json["status"] == "active"


def test_patching_a_key_is_judged_by_the_rules_that_look_at_what_changes(project: Governed) -> None:
    key = project.key(ttl_seconds=10 * DAY)
    project.govern(max_lifetime_days=20, require_ip_allowlist=True)
    path = f"{project.path}/keys/{key['id']}"
    # A rename is not refused because the key was made before the allowlist rule.
    assert project.api.patch(path, {"name": "renamed"}, as_user="ann").status == 200
    assert violated(project.api.patch(path, {"expires_at": stamp(timedelta(days=40))}, as_user="ann")) == [
        "max_lifetime_days"
    ]
    assert violated(project.api.patch(path, {"expires_at": None}, as_user="ann")) == ["max_lifetime_days"]
    assert project.api.patch(path, {"expires_at": stamp(timedelta(days=15))}, as_user="ann").status == 200
    assert project.api.patch(path, {"ip_allowlist": ["10.0.0.0/8"]}, as_user="ann").status == 200
    assert violated(project.api.patch(path, {"ip_allowlist": []}, as_user="ann")) == ["require_ip_allowlist"]
    assert project.api.get(path, as_user="ann").json["ip_allowlist"] == ["10.0.0.0/8"]


def test_an_approval_that_breaks_the_policy_is_refused_and_the_request_stays_pending(project: Governed) -> None:
    template = project.template()
    request = project.request(template["id"])
    project.govern(require_ip_allowlist=True)
    assert violated(project.act(request["id"], "approve", "ann")) == ["require_ip_allowlist"]
    assert project.api.get(f"{project.path}/key-requests/{request['id']}", as_user="ann").json["status"] == "pending"
    # The approver can give the key what the policy asks for.
    approved = project.approve(request["id"], ip_allowlist=["203.0.113.0/24"])
    assert approved["status"] == "approved"
    claimed = project.claim(request["id"])
    assert claimed["key"]["ip_allowlist"] == ["203.0.113.0/24"]


def test_an_auto_approving_template_cannot_issue_a_key_that_breaks_the_policy(project: Governed) -> None:
    template = project.template(auto_approve=True)
    project.govern(require_expiry=True)
    request = project.request(template["id"])
    assert request["status"] == "pending" and request["key_id"] is None
    assert "require_expiry" in request["note"]
    assert project.api.get(f"{project.path}/keys", as_user="ann").json["items"] == []
    # An approval with an expiry follows the rule.
    approved = project.approve(request["id"], expires_at=stamp(timedelta(days=3)))
    assert approved["status"] == "approved"


def test_a_claim_of_a_key_the_policy_now_refuses_is_refused(project: Governed) -> None:
    template = project.template()
    request = project.request(template["id"])
    project.approve(request["id"])
    project.govern(require_expiry=True)
    assert violated(project.act(request["id"], "claim", "dave")) == ["require_expiry"]
    project.govern()
    assert project.claim(request["id"])["key"]["id"]


# --- the report ---------------------------------------------------------------------------------


def test_the_report_lists_working_keys_that_break_the_new_policy(project: Governed) -> None:
    forever = project.key(name="forever")
    wild = project.key(project.role(permissions=("orders:*",)), name="wild", ttl_seconds=DAY)
    fine = project.key(name="fine", ttl_seconds=DAY, ip_allowlist=["10.0.0.0/8"])
    gone = project.key(name="gone")
    assert project.api.delete(f"{project.path}/keys/{gone['id']}", as_user="ann").status == 204
    project.govern(max_lifetime_days=7, forbid_wildcard_permissions=True)

    report = project.report()
    assert [(item["key_id"], item["rules"]) for item in report] == [
        (forever["id"], ["max_lifetime_days"]),
        (wild["id"], ["forbid_wildcard_permissions"]),
    ]
    assert report[0]["name"] == "forever" and report[0]["owner_id"] == "ann" and report[0]["status"] == "active"
    assert fine["id"] not in {item["key_id"] for item in report}


def test_the_report_pages_through_every_breach(project: Governed) -> None:
    made = [project.key(name=f"k{i}")["id"] for i in range(5)]
    project.govern(require_expiry=True)
    first = project.api.get(f"{project.path}/key-policy/report?limit=2", as_user="ann")
    assert len(first.json["items"]) == 2 and first.json["next_cursor"]
    assert [item["key_id"] for item in project.report("limit=2")] == made


def test_only_owners_and_admins_read_the_report(project: Governed) -> None:
    for member, status in (("alice", 200), ("ed", 403), ("dave", 403), ("vic", 403)):
        assert project.api.get(f"{project.path}/key-policy/report", as_user=member).status == status
