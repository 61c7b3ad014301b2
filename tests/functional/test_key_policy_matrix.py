"""Each rule of the project's key policy refuses at each place a key is made: create, reroll,
approval, claim, and an auto-approving template (whose request then stays pending)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.conftest import Api
from tests.functional.test_key_policy import Governed, violated

DAY = 86400

# Each rule, the policy that sets it, and a key (type, permissions, lifetime) that breaks it alone.
RULES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "max_lifetime_days": ({"max_lifetime_days": 1}, {"type": "opaque", "permissions": ("a:read",), "ttl": 2 * DAY}),
    "require_expiry": ({"require_expiry": True}, {"type": "opaque", "permissions": ("a:read",), "ttl": None}),
    "allowed_types": ({"allowed_types": ["hmac"]}, {"type": "opaque", "permissions": ("a:read",), "ttl": DAY}),
    "forbid_wildcard_permissions": (
        {"forbid_wildcard_permissions": True},
        {"type": "opaque", "permissions": ("a:*",), "ttl": DAY},
    ),
    "require_ip_allowlist": (
        {"require_ip_allowlist": True},
        {"type": "opaque", "permissions": ("a:read",), "ttl": DAY},
    ),
}


@pytest.fixture
def project(api: Api) -> Governed:
    return Governed(api)


def template_of(project: Governed, shape: dict[str, Any], **fields: Any) -> dict[str, Any]:
    extra = {"ttl_seconds": shape["ttl"]} if shape["ttl"] is not None else {}
    return project.template(project.role(permissions=shape["permissions"]), type=shape["type"], **extra, **fields)


def pending(project: Governed, request_id: str) -> bool:
    reply = project.api.get(f"{project.path}/key-requests/{request_id}", as_user="ann")
    return bool(reply.json["status"] == "pending")


@pytest.mark.parametrize("rule", list(RULES))
def test_at_creation(project: Governed, rule: str) -> None:
    policy, shape = RULES[rule]
    project.govern(**policy)
    extra = {"ttl_seconds": shape["ttl"]} if shape["ttl"] is not None else {}
    role_id = project.role(permissions=shape["permissions"])
    assert violated(project.create_key(role_id, type=shape["type"], **extra)) == [rule]


@pytest.mark.parametrize("rule", list(RULES))
def test_at_reroll(project: Governed, rule: str) -> None:
    policy, shape = RULES[rule]
    extra = {"ttl_seconds": shape["ttl"]} if shape["ttl"] is not None else {}
    key = project.key(project.role(permissions=shape["permissions"]), type=shape["type"], **extra)
    project.govern(**policy)
    assert violated(project.api.post(f"{project.path}/keys/{key['id']}/reroll", {}, as_user="ann")) == [rule]


@pytest.mark.parametrize("rule", list(RULES))
def test_at_approval_the_request_stays_pending(project: Governed, rule: str) -> None:
    policy, shape = RULES[rule]
    request = project.request(template_of(project, shape)["id"])
    project.govern(**policy)
    assert violated(project.act(request["id"], "approve", "ann")) == [rule]
    assert pending(project, request["id"])


@pytest.mark.parametrize("rule", list(RULES))
def test_at_claim(project: Governed, rule: str) -> None:
    policy, shape = RULES[rule]
    request = project.request(template_of(project, shape)["id"])
    project.approve(request["id"])
    project.govern(**policy)
    assert violated(project.act(request["id"], "claim", "dave")) == [rule]


@pytest.mark.parametrize("rule", list(RULES))
def test_an_auto_approving_template_leaves_the_request_pending_naming_the_rule(project: Governed, rule: str) -> None:
    policy, shape = RULES[rule]
    template = template_of(project, shape, auto_approve=True)
    project.govern(**policy)
    request = project.request(template["id"])
    assert request["status"] == "pending" and request["key_id"] is None
    assert rule in request["note"]
    assert project.api.get(f"{project.path}/keys", as_user="ann").json["items"] == []
