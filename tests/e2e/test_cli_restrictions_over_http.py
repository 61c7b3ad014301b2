"""The CLI's key restrictions, key policy and leak reports against the local stack over real
HTTP: what a person types, and what the project's servers then see at /v1/keys/verify.

Terminals and helpers are those of tests/e2e/test_cli_over_http.py.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import JsonClient
from tests.e2e.test_cli_over_http import Terminal, another_terminal, new_project, printed_key, service_key

# A key disabled or re-enabled answers so within the service's cache bound (KEYWARDEN_CACHE_TTL).
CACHE_BOUND = 5.0
MARGIN = 2.0


@pytest.fixture
def terminal(stack_url: str, tmp_path: Path) -> Terminal:
    return Terminal(stack_url, tmp_path / "alice")


def code_of(client: JsonClient, key: str, service: str, **fields: Any) -> str:
    reply = client.post("/v1/keys/verify", {"key": key, **fields}, token=service)
    assert reply.status == 200, reply.body
    code: str = reply.body["code"]
    return code


def wait_for(client: JsonClient, key: str, service: str, wanted: str) -> float:
    """Seconds until the key answers `wanted`; fails past the cache bound and a margin."""
    started = time.monotonic()
    while (code := code_of(client, key, service)) != wanted:
        elapsed = time.monotonic() - started
        assert elapsed <= CACHE_BOUND + MARGIN, f"still {code} after {elapsed:.2f} s"
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_key_disabled_and_enabled_again_from_a_terminal(terminal: Terminal, client: JsonClient, unique: str) -> None:
    owner = f"owner-{unique}"
    pid, role_id = new_project(terminal, client, owner, f"CLI disable {unique}")
    key = printed_key(terminal.ok("keys", "create", "-p", pid, "checkout", "--role", role_id))
    key_id = terminal.json("keys", "list", "-p", pid)["items"][0]["id"]
    service = service_key(client, owner, pid)
    assert code_of(client, key, service) == "VALID"  # its record is now in the service's cache

    said = terminal.ok("keys", "disable", "-p", pid, key_id).stdout
    assert said.startswith(f"Disabled {key_id}: ")
    wait_for(client, key, service, "DISABLED")
    (listed,) = terminal.json("keys", "list", "-p", pid, "--status", "disabled")["items"]
    assert (listed["id"], listed["status"], listed["enabled"]) == (key_id, "disabled", False)
    assert terminal.json("keys", "list", "-p", pid, "--status", "active")["items"] == []
    shown = dict(line.split(None, 1) for line in terminal.ok("keys", "show", "-p", pid, key_id).stdout.splitlines())
    assert (shown["status"], shown["enabled"]) == ("disabled", "no")

    enabled = terminal.json("keys", "enable", "-p", pid, key_id)
    assert (enabled["status"], enabled["enabled"]) == ("active", True)
    wait_for(client, key, service, "VALID")

    missing = terminal.fails(5, "keys", "disable", "-p", pid, "key_01nosuchkey0000000000000000")
    assert "(not_found)" in missing.stderr


def test_an_ip_allowlist_set_changed_and_removed_from_a_terminal(
    terminal: Terminal, client: JsonClient, unique: str
) -> None:
    owner = f"owner-{unique}"
    pid, role_id = new_project(terminal, client, owner, f"CLI allowlist {unique}")
    created = terminal.json(
        "keys", "create", "-p", pid, "office", "--role", role_id, "--ip-allowlist", "203.0.113.0/24",
        "--ip-allowlist", "2001:db8::/32",
    )  # fmt: skip
    key, key_id = created["secret"]["key"], created["key"]["id"]
    assert created["key"]["ip_allowlist"] == ["203.0.113.0/24", "2001:db8::/32"]
    service = service_key(client, owner, pid)
    assert code_of(client, key, service, client_ip="203.0.113.9") == "VALID"
    assert code_of(client, key, service, client_ip="2001:db8::1") == "VALID"
    assert code_of(client, key, service, client_ip="198.51.100.9") == "IP_NOT_ALLOWED"
    assert code_of(client, key, service) == "IP_NOT_ALLOWED"  # no address: not from an allowed network

    moved = terminal.ok("keys", "update", "-p", pid, key_id, "--ip-allowlist", "198.51.100.0/24").stdout
    assert "ip_allowlist" in moved and "198.51.100.0/24" in moved
    assert code_of(client, key, service, client_ip="198.51.100.9") == "VALID"
    assert code_of(client, key, service, client_ip="203.0.113.9") == "IP_NOT_ALLOWED"

    assert terminal.json("keys", "update", "-p", pid, key_id, "--no-ip-allowlist")["ip_allowlist"] == []
    assert code_of(client, key, service) == "VALID"

    bad = terminal.fails(7, "keys", "update", "-p", pid, key_id, "--ip-allowlist", "10.0.0.0/8", "--ip-allowlist", "x")
    assert "ip_allowlist[1]" in bad.stderr and "(validation_failed)" in bad.stderr
    assert terminal.json("keys", "show", "-p", pid, key_id)["ip_allowlist"] == []


def test_a_key_policy_set_enforced_reported_and_replaced_from_a_terminal(
    terminal: Terminal, client: JsonClient, unique: str
) -> None:
    owner = f"owner-{unique}"
    pid, role_id = new_project(terminal, client, owner, f"CLI policy {unique}")
    old = terminal.json("keys", "create", "-p", pid, "from before", "--role", role_id)["key"]["id"]
    every_rule = [
        "--max-lifetime-days", "30", "--require-expiry", "--allowed-type", "opaque", "--allowed-type", "hmac",
        "--forbid-wildcard-permissions", "--require-ip-allowlist", "--leak-action", "disable",
    ]  # fmt: skip
    terminal.ok("policy", "set", "-p", pid, *every_rule)
    assert terminal.json("policy", "show", "-p", pid) == {
        "max_lifetime_days": 30,
        "require_expiry": True,
        "allowed_types": ["opaque", "hmac"],
        "forbid_wildcard_permissions": True,
        "require_ip_allowlist": True,
        "leak_action": "disable",
    }

    refused = terminal.fails(7, "keys", "create", "-p", pid, "new", "--role", role_id)
    assert refused.stderr.splitlines() == [
        "error: The project's key policy refuses this key (policy_violation)",
        "  max_lifetime_days: keys must expire within 30 days; this one never expires",
        "  require_expiry: keys must have an expiry",
        "  require_ip_allowlist: keys must have an IP allowlist",
    ]
    jwt = terminal.fails(
        7, "keys", "create", "-p", pid, "j", "--role", role_id, "--type", "jwt", "--ttl", "3600",
        "--ip-allowlist", "10.0.0.0/8",
    )  # fmt: skip
    assert "allowed_types: keys of type jwt are not allowed (allowed: opaque, hmac)" in jwt.stderr
    compliant = ["--ttl", "3600", "--ip-allowlist", "10.0.0.0/8"]
    new = terminal.json("keys", "create", "-p", pid, "compliant", "--role", role_id, *compliant)["key"]["id"]
    # A change the policy looks at is judged too: the compliant key may not lose its allowlist.
    dropped = terminal.fails(7, "keys", "update", "-p", pid, new, "--no-ip-allowlist")
    assert "require_ip_allowlist: keys must have an IP allowlist (policy_violation)" in dropped.stderr

    report = terminal.ok("policy", "report", "-p", pid).stdout.splitlines()
    assert report[0].split() == ["KEY", "ID", "NAME", "RULES"]
    (row,) = report[1:]
    assert row.split() == [old, "from", "before", "max_lifetime_days,require_expiry,require_ip_allowlist"]
    assert [b["key_id"] for b in terminal.json("policy", "report", "-p", pid)["items"]] == [old]

    # `policy set` with no flag replaces the policy with the defaults: every rule off.
    relaxed = terminal.ok("policy", "set", "-p", pid)
    assert "policy report" in relaxed.stderr
    shown = dict(line.split(None, 1) for line in terminal.ok("policy", "show", "-p", pid).stdout.splitlines())
    assert shown == {
        "max_lifetime_days": "-",
        "require_expiry": "no",
        "allowed_types": "any",
        "forbid_wildcard_permissions": "no",
        "require_ip_allowlist": "no",
        "leak_action": "revoke",
    }
    assert terminal.json("policy", "report", "-p", pid)["items"] == []
    terminal.ok("keys", "create", "-p", pid, "anything", "--role", role_id, "--type", "jwt")


def test_a_developer_may_read_the_policy_but_not_set_it(terminal: Terminal, client: JsonClient, unique: str) -> None:
    owner, developer = f"owner-{unique}", f"dev-{unique}"
    pid, _ = new_project(terminal, client, owner, f"CLI policy rights {unique}")
    path = f"/v1/projects/{pid}/members/{developer}"
    assert client.put(path, {"role": "developer"}, token=client.token(owner)).status == 200
    dev = another_terminal(terminal, "dev")
    dev.ok("login", developer)
    assert dev.json("policy", "show", "-p", pid)["leak_action"] == "revoke"
    dev.fails(4, "policy", "set", "-p", pid, "--require-expiry")
    dev.fails(4, "policy", "report", "-p", pid)


def test_a_leak_reported_from_a_signed_out_terminal_takes_the_projects_action(
    terminal: Terminal, client: JsonClient, unique: str, tmp_path: Path
) -> None:
    owner = f"owner-{unique}"
    pid, role_id = new_project(terminal, client, owner, f"CLI leaks {unique}")
    terminal.ok("policy", "set", "-p", pid, "--leak-action", "disable")
    leaked = terminal.json("keys", "create", "-p", pid, "pasted", "--role", role_id)
    key, key_id = leaked["secret"]["key"], leaked["key"]["id"]
    service = service_key(client, owner, pid)
    assert code_of(client, key, service) == "VALID"

    finder = another_terminal(terminal, "finder")  # never signed in
    listing = tmp_path / "found.txt"
    listing.write_text(f"{key}\nkw_notakeyofanyone\n")
    result = finder.ok("leaks", "report", "--file", str(listing), "--source-url", "https://paste.example/p/1")
    assert result.stdout == "received 2\n"
    wait_for(client, key, service, "DISABLED")
    shown = terminal.json("keys", "show", "-p", pid, key_id)
    assert (shown["status"], shown["enabled"]) == ("disabled", False)
    assert shown["exposed_at"] is not None

    assert finder.json("leaks", "report", key) == {"received": 1}  # the same answer, and acted on once
    assert terminal.json("keys", "show", "-p", pid, key_id)["exposed_at"] == shown["exposed_at"]
