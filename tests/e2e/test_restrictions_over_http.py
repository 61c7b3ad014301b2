"""Key restrictions and the project's key policy (API.md, "Key restrictions and the project's
key policy") against the local stack over real HTTP: what a project's server sees at
/v1/keys/verify and /v1/hmac/verify once a person disables a key, restricts it to networks,
or sets a policy; and permission queries as servers send them.

The disable figures are printed (`pytest -s`): from PATCH's answer to the first DISABLED.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from keywarden.signing import sign_request

from tests.e2e.conftest import JsonClient, assert_problem
from tests.e2e.test_sdk_fastapi_over_http import Project

# A change to a key is heard within the service's cache bound (KEYWARDEN_CACHE_TTL, default 5 s).
CACHE_BOUND = 5.0
MARGIN = 1.0


@pytest.fixture
def project(client: JsonClient, unique: str) -> Project:
    return Project(client, unique)


def verify(project: Project, key: str, **fields: Any) -> dict[str, Any]:
    reply = project.client.post("/v1/keys/verify", {"key": key, **fields}, token=project.service_key)
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


def patch(project: Project, key_id: str, **changes: Any) -> dict[str, Any]:
    reply = project.client.patch(f"/v1/projects/{project.pid}/keys/{key_id}", changes, token=project.token)
    assert reply.status == 200, reply.body
    key: dict[str, Any] = reply.body
    return key


def until(project: Project, key: str, wanted: str) -> float:
    """Seconds from now to the first answer `wanted`; fails past the cache bound and a margin."""
    started = time.monotonic()
    while True:
        code = verify(project, key)["code"]
        elapsed = time.monotonic() - started
        if code == wanted:
            return elapsed
        assert elapsed <= CACHE_BOUND + MARGIN, f"still {code} {elapsed:.2f} s after the change"
        time.sleep(0.02)


def credits_left(project: Project, key_id: str) -> int:
    reply = project.client.get(f"/v1/projects/{project.pid}/keys/{key_id}", token=project.token)
    assert reply.status == 200, reply.body
    remaining: int = reply.body["credits"]["remaining"]
    return remaining


# --- disable / enable -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["opaque", "jwt"])
def test_a_disabled_key_answers_disabled_within_the_cache_bound_and_verifies_once_enabled(
    project: Project, kind: str
) -> None:
    key_id, key = project.issue(kind, project.reader)
    assert verify(project, key)["code"] == "VALID"  # its record is in the service's cache now

    assert patch(project, key_id, enabled=False)["status"] == "disabled"
    stopped = until(project, key, "DISABLED")
    print(f"\n{kind} key: disable (PATCH answered) -> first DISABLED at /v1/keys/verify: {stopped * 1000:.0f} ms")
    assert stopped <= CACHE_BOUND + MARGIN
    assert [verify(project, key)["code"] for _ in range(3)] == ["DISABLED"] * 3

    assert patch(project, key_id, enabled=True)["status"] == "active"
    resumed = until(project, key, "VALID")
    print(f"{kind} key: enable (PATCH answered) -> first VALID: {resumed * 1000:.0f} ms")
    assert resumed <= CACHE_BOUND + MARGIN


def test_a_disabled_keys_credits_and_rate_limits_are_untouched(project: Project) -> None:
    limit = {"name": "r", "limit": 2, "duration_seconds": 3600}
    key_id, key = project.issue("opaque", project.reader, credits={"remaining": 10}, ratelimits=[limit])
    assert verify(project, key)["credits"] == {"remaining": 9}
    patch(project, key_id, enabled=False)
    until(project, key, "DISABLED")
    for _ in range(5):
        refused = verify(project, key)
        assert refused["code"] == "DISABLED" and "credits" not in refused
    assert credits_left(project, key_id) == 9

    patch(project, key_id, enabled=True)
    until(project, key, "VALID")  # spends one
    # Five refusals charged nothing: the limit of 2 per hour has had exactly two accepted uses.
    answer = verify(project, key)
    assert (answer["code"], answer["credits"]) == ("RATE_LIMITED", {"remaining": 8})
    assert credits_left(project, key_id) == 8


def test_a_revoked_key_cannot_be_enabled_again(project: Project) -> None:
    key_id, key = project.issue("opaque", project.reader)
    project.revoke(key_id)
    reply = project.client.patch(f"/v1/projects/{project.pid}/keys/{key_id}", {"enabled": True}, token=project.token)
    assert_problem(reply, 409, "conflict")
    assert verify(project, key)["code"] == "REVOKED"


# --- IP allowlists ----------------------------------------------------------------------------------


def test_an_ip_allowlist_decides_by_client_ip_inside_outside_and_missing(project: Project) -> None:
    _, key = project.issue("opaque", project.reader, ip_allowlist=["203.0.113.0/24", "2001:db8::/32"])
    inside = ["203.0.113.1", "203.0.113.254", "2001:db8::1", "2001:db8:ffff::7", "::ffff:203.0.113.5"]
    outside = ["203.0.114.1", "198.51.100.7", "2001:db9::1", "127.0.0.1"]
    assert {a: verify(project, key, client_ip=a)["code"] for a in inside} == dict.fromkeys(inside, "VALID")
    assert {a: verify(project, key, client_ip=a)["code"] for a in outside} == dict.fromkeys(outside, "IP_NOT_ALLOWED")
    assert verify(project, key)["code"] == "IP_NOT_ALLOWED"  # no address: not from an allowed network
    assert verify(project, key, client_ip="203.0.113.1")["ip_allowlist"] == ["203.0.113.0/24", "2001:db8::/32"]

    # The allowlist is checked before permissions: outside, a lacking permission is not even looked at.
    assert verify(project, key, client_ip="198.51.100.7", permissions=["admin"])["code"] == "IP_NOT_ALLOWED"
    assert verify(project, key, client_ip="203.0.113.1", permissions=["admin"])["code"] == "INSUFFICIENT_PERMISSIONS"

    problem = assert_problem(
        project.client.post("/v1/keys/verify", {"key": key, "client_ip": "203.0.113.1/24"}, token=project.service_key),
        422,
        "validation_failed",
    )
    assert problem["errors"][0]["field"] == "client_ip"


def test_an_allowlist_patched_in_and_out_applies_within_the_cache_bound(project: Project) -> None:
    key_id, key = project.issue("opaque", project.reader)
    assert verify(project, key)["code"] == "VALID"
    assert patch(project, key_id, ip_allowlist=["10.0.0.0/8"])["ip_allowlist"] == ["10.0.0.0/8"]
    until(project, key, "IP_NOT_ALLOWED")
    assert verify(project, key, client_ip="10.1.2.3")["code"] == "VALID"
    assert patch(project, key_id, ip_allowlist=[])["ip_allowlist"] == []
    until(project, key, "VALID")


# --- permission queries -----------------------------------------------------------------------------


def hmac_verify(project: Project, secret: dict[str, str], permissions: Any) -> Any:
    target = "/orders?limit=5"
    headers = sign_request(secret["token"], secret["secret"], "GET", f"https://orders.example{target}")
    body = {"method": "GET", "url": target, "headers": headers, "permissions": permissions}
    return project.client.post("/v1/hmac/verify", body, token=project.service_key)


QUERIES = [
    ("orders:read AND (orders:write OR admin)", "VALID"),
    ("orders:read AND admin", "INSUFFICIENT_PERMISSIONS"),
    ("admin OR (refunds:read AND orders:read)", "VALID"),
    ("(admin OR refunds:write) AND orders:read", "INSUFFICIENT_PERMISSIONS"),
    ("orders:refund", "VALID"),  # the key's orders:* covers it
]


def test_permission_queries_at_both_verify_endpoints(project: Project) -> None:
    role = project.role("clerk", ["orders:*", "refunds:read"])
    _, key = project.issue("opaque", role)
    _, secret = project.issue("hmac", role)
    for query, expected in QUERIES:
        assert verify(project, key, permissions=query)["code"] == expected, query
        reply = hmac_verify(project, secret, query)
        assert reply.status == 200, reply.body
        assert reply.body["code"] == expected, query
    # A list still means all of them.
    assert verify(project, key, permissions=["orders:read", "refunds:read"])["code"] == "VALID"
    assert verify(project, key, permissions=["orders:read", "admin"])["code"] == "INSUFFICIENT_PERMISSIONS"


@pytest.mark.parametrize("query", ["orders:read AND", "(orders:read", "orders:read OR OR admin", "", "a AND b)"])
def test_a_malformed_query_is_422_at_both_endpoints(project: Project, query: str) -> None:
    _, key = project.issue("opaque", project.reader)
    _, secret = project.issue("hmac", project.reader)
    at_keys = project.client.post("/v1/keys/verify", {"key": key, "permissions": query}, token=project.service_key)
    for reply in (at_keys, hmac_verify(project, secret, query)):
        problem = assert_problem(reply, 422, "validation_failed")
        assert problem["errors"][0]["field"] == "permissions"


# --- the project's key policy -----------------------------------------------------------------------


def test_a_policy_refuses_new_keys_naming_the_rule_and_reports_older_ones(project: Project) -> None:
    old_id, old_key = project.issue("opaque", project.reader)  # no expiry, made before the rule
    policy_path = f"/v1/projects/{project.pid}/key-policy"
    assert project.client.get(policy_path, token=project.token).body["require_expiry"] is False

    reply = project.client.put(policy_path, {"require_expiry": True, "max_lifetime_days": 30}, token=project.token)
    assert reply.status == 200, reply.body
    assert (reply.body["require_expiry"], reply.body["max_lifetime_days"], reply.body["leak_action"]) == (
        True,
        30,
        "revoke",
    )

    body = {"name": "n", "type": "opaque", "role_id": project.reader}
    refused = assert_problem(
        project.client.post(f"/v1/projects/{project.pid}/keys", body, token=project.token), 422, "policy_violation"
    )
    assert [e["field"] for e in refused["errors"]] == ["max_lifetime_days", "require_expiry"]
    too_long = assert_problem(
        project.client.post(
            f"/v1/projects/{project.pid}/keys", {**body, "ttl_seconds": 31 * 86_400}, token=project.token
        ),
        422,
        "policy_violation",
    )
    assert [e["field"] for e in too_long["errors"]] == ["max_lifetime_days"]
    new_id, _ = project.issue("opaque", project.reader, ttl_seconds=7 * 86_400)

    report = project.client.get(f"{policy_path}/report", token=project.token)
    assert report.status == 200, report.body
    (breach,) = report.body["items"]
    assert (breach["key_id"], breach["rules"]) == (old_id, ["max_lifetime_days", "require_expiry"])
    assert new_id != old_id
    assert verify(project, old_key)["code"] == "VALID", "a new policy does not touch existing keys"
