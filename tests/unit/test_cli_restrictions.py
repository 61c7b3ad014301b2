"""The CLI's commands for key restrictions, the key policy and leak reports, without a service:
what each sends (the service played by httpx.MockTransport, as in test_cli.py) and what people
see. They run against the local stack in tests/e2e/test_cli_restrictions_over_http.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from keywarden.cli import cli, credentials
from keywarden.cli import session as session_module
from keywarden.cli.errors import CliError, ExitCode
from keywarden.management import FieldError, ProblemError
from keywarden.management._generated.client import Client

from tests.unit.test_cli import URL, fake_service, sign_in

KEY: dict[str, Any] = {
    "id": "key_1",
    "project_id": "prj_1",
    "type": "opaque",
    "name": "checkout",
    "description": "",
    "owner_id": "alice",
    "identity_id": None,
    "role_id": "rol_1",
    "permissions": ["orders:read"],
    "status": "active",
    "enabled": True,
    "hint": "kw_…abcd",
    "created_at": "2026-11-22T10:00:00Z",
    "created_by": "alice",
    "expires_at": None,
    "revoked_at": None,
    "exposed_at": None,
    "exposed_action": None,
    "last_used_at": None,
    "template_id": None,
    "request_id": None,
    "meta": {},
    "ip_allowlist": [],
    "ratelimits": [],
    "credits": None,
}
POLICY: dict[str, Any] = {
    "max_lifetime_days": None,
    "require_expiry": False,
    "allowed_types": None,
    "forbid_wildcard_permissions": False,
    "require_ip_allowlist": False,
    "leak_action": "revoke",
}
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def signed_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("KEYWARDEN_TOKEN", raising=False)
    monkeypatch.delenv("KEYWARDEN_PROJECT", raising=False)
    credentials.save(URL, sign_in("alice"))


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--url", URL, *args], input=input)


def sent(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


def answer(status: int, body: Any) -> Handler:
    return lambda request: httpx.Response(status, json=body)


def problem(status: int, code: str, title: str, errors: list[tuple[str, str]]) -> Handler:
    detail = "; ".join(f"{f}: {m}" for f, m in errors)
    body = {
        "type": f"urn:keywarden:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "errors": [{"field": f, "message": m} for f, m in errors],
    }
    return lambda request: httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


# --- keys: allowlists, disable, enable, update -----------------------------------------------------


def test_create_sends_each_ip_allowlist_entry_and_nothing_without_one(
    signed_in: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = {"key": {**KEY, "ip_allowlist": ["203.0.113.0/24", "2001:db8::/32"]}, "secret": {"key": "kw_x"}}
    seen = fake_service(monkeypatch, answer(201, issued))
    args = ["keys", "create", "-p", "prj_1", "checkout", "--role", "rol_1"]

    assert run(*args, "--ip-allowlist", "203.0.113.0/24", "--ip-allowlist", "2001:db8::/32").exit_code == 0
    assert run(*args).exit_code == 0

    with_list, without = (sent(r) for r in seen)
    assert with_list["ip_allowlist"] == ["203.0.113.0/24", "2001:db8::/32"]
    assert "ip_allowlist" not in without


@pytest.mark.parametrize(("command", "enabled", "said"), [("disable", False, "Disabled"), ("enable", True, "Enabled")])
def test_disable_and_enable_patch_enabled_only(
    signed_in: None, monkeypatch: pytest.MonkeyPatch, command: str, enabled: bool, said: str
) -> None:
    seen = fake_service(monkeypatch, answer(200, {**KEY, "enabled": enabled}))

    result = run("keys", command, "-p", "prj_1", "key_1")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{said} key_1: ")
    (request,) = seen
    assert (request.method, request.url.path) == ("PATCH", "/v1/projects/prj_1/keys/key_1")
    assert sent(request) == {"enabled": enabled}
    as_json = run("keys", command, "-p", "prj_1", "key_1", "--json")
    assert json.loads(as_json.stdout)["enabled"] is enabled


@pytest.mark.parametrize(
    ("options", "body"),
    [
        (
            ["--ip-allowlist", "10.0.0.0/8", "--ip-allowlist", "192.0.2.7"],
            {"ip_allowlist": ["10.0.0.0/8", "192.0.2.7"]},
        ),
        (["--no-ip-allowlist"], {"ip_allowlist": []}),
        (["--no-expiry"], {"expires_at": None}),
        (["--expires-at", "2030-01-02T03:04:05Z"], {"expires_at": "2030-01-02T03:04:05+00:00"}),
        (["--name", "renamed", "--description", "d"], {"name": "renamed", "description": "d"}),
    ],
)
def test_update_sends_only_what_is_given(
    signed_in: None, monkeypatch: pytest.MonkeyPatch, options: list[str], body: dict[str, Any]
) -> None:
    seen = fake_service(monkeypatch, answer(200, {**KEY, "ip_allowlist": ["10.0.0.0/8"]}))

    result = run("keys", "update", "-p", "prj_1", "key_1", *options)

    assert result.exit_code == 0, result.output
    assert sent(seen[0]) == body
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert (lines["enabled"], lines["ip_allowlist"]) == ("yes", "10.0.0.0/8")


@pytest.mark.parametrize(
    "options",
    [
        ["--ip-allowlist", "10.0.0.0/8", "--no-ip-allowlist"],
        ["--expires-at", "2030-01-02T03:04:05Z", "--no-expiry"],
        [],
    ],
)
def test_update_refuses_contradictions_and_nothing_before_sending(
    signed_in: None, monkeypatch: pytest.MonkeyPatch, options: list[str]
) -> None:
    seen = fake_service(monkeypatch, answer(200, KEY))
    result = run("keys", "update", "-p", "prj_1", "key_1", *options)
    assert result.exit_code == ExitCode.USAGE
    assert ("not both" in result.stderr) or ("nothing to change" in result.stderr)
    assert seen == []


def test_list_takes_the_disabled_status(signed_in: None, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = fake_service(monkeypatch, answer(200, {"items": [{**KEY, "status": "disabled"}], "next_cursor": None}))
    result = run("keys", "list", "-p", "prj_1", "--status", "disabled")
    assert result.exit_code == 0, result.output
    assert seen[0].url.params["status"] == "disabled"
    assert result.stdout.splitlines()[1].split()[:4] == ["key_1", "checkout", "opaque", "disabled"]


# --- policy -----------------------------------------------------------------------------------------


def test_policy_set_sends_the_whole_policy_and_defaults_for_flags_not_given(
    signed_in: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = fake_service(monkeypatch, lambda request: httpx.Response(200, json={**POLICY, **sent(request)}))
    every_rule = [
        "--max-lifetime-days",
        "90",
        "--require-expiry",
        "--allowed-type",
        "opaque",
        "--allowed-type",
        "hmac",
        "--forbid-wildcard-permissions",
        "--require-ip-allowlist",
        "--leak-action",
        "disable",
    ]

    strict = run("policy", "set", "-p", "prj_1", *every_rule)
    relaxed = run("policy", "set", "-p", "prj_1")

    assert strict.exit_code == relaxed.exit_code == 0, (strict.output, relaxed.output)
    assert [(r.method, r.url.path) for r in seen] == [("PUT", "/v1/projects/prj_1/key-policy")] * 2
    assert sent(seen[0]) == {
        "max_lifetime_days": 90,
        "require_expiry": True,
        "allowed_types": ["opaque", "hmac"],
        "forbid_wildcard_permissions": True,
        "require_ip_allowlist": True,
        "leak_action": "disable",
    }
    assert sent(seen[1]) == POLICY, "PUT replaces the policy: every rule not given is sent as off"
    shown = dict(line.split(None, 1) for line in strict.stdout.splitlines())
    assert (shown["allowed_types"], shown["leak_action"]) == ("opaque,hmac", "disable")
    assert "policy report -p prj_1" in strict.stderr


def test_policy_set_help_says_that_flags_not_given_are_defaults() -> None:
    text = " ".join(CliRunner().invoke(cli, ["policy", "set", "--help"]).stdout.split())
    assert "The whole policy is replaced: a rule whose flag is not given is off" in text
    assert "[default: revoke]" in text


def test_policy_show_says_any_type_when_no_type_is_listed(signed_in: None, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = fake_service(monkeypatch, answer(200, POLICY))
    shown = run("policy", "show", "-p", "prj_1")
    assert shown.exit_code == 0, shown.output
    assert (seen[0].method, seen[0].url.path) == ("GET", "/v1/projects/prj_1/key-policy")
    fields = dict(line.split(None, 1) for line in shown.stdout.splitlines())
    assert fields == {
        "max_lifetime_days": "-",
        "require_expiry": "no",
        "allowed_types": "any",
        "forbid_wildcard_permissions": "no",
        "require_ip_allowlist": "no",
        "leak_action": "revoke",
    }
    assert json.loads(run("policy", "show", "-p", "prj_1", "--json").stdout) == POLICY


def test_policy_report_follows_cursors_through_empty_pages(signed_in: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def breach(key_id: str, name: str, rules: list[str]) -> dict[str, Any]:
        return {
            "key_id": key_id,
            "rules": rules,
            "status": "active",
            "name": name,
            "type": "opaque",
            "owner_id": "alice",
            "identity_id": None,
            "created_at": "2026-11-22T10:00:00Z",
            "expires_at": None,
        }

    pages = {
        None: {"items": [breach("key_1", "old one", ["require_expiry", "require_ip_allowlist"])], "next_cursor": "c2"},
        "c2": {"items": [], "next_cursor": "c3"},  # a page may hold nothing and still go on
        "c3": {"items": [breach("key_2", "other", ["require_expiry"])], "next_cursor": None},
    }
    seen = fake_service(monkeypatch, lambda request: httpx.Response(200, json=pages[request.url.params.get("cursor")]))

    result = run("policy", "report", "-p", "prj_1")

    assert result.exit_code == 0, result.output
    assert [r.url.params.get("cursor") for r in seen] == [None, "c2", "c3"]
    assert all(r.url.path == "/v1/projects/prj_1/key-policy/report" for r in seen)
    assert [line.split() for line in result.stdout.splitlines()] == [
        ["KEY", "ID", "NAME", "RULES"],
        ["key_1", "old", "one", "require_expiry,require_ip_allowlist"],
        ["key_2", "other", "require_expiry"],
    ]


def test_a_policy_violation_prints_each_rule_on_its_own_line(signed_in: None, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = [("require_expiry", "keys must have an expiry"), ("require_ip_allowlist", "keys must have an IP allowlist")]
    fake_service(monkeypatch, problem(422, "policy_violation", "The project's key policy refuses this key", rules))

    result = run("keys", "create", "-p", "prj_1", "checkout", "--role", "rol_1")

    assert result.exit_code == ExitCode.INVALID
    assert result.stdout == ""
    assert result.stderr == (
        "error: The project's key policy refuses this key (policy_violation)\n"
        "  require_expiry: keys must have an expiry\n"
        "  require_ip_allowlist: keys must have an IP allowlist\n"
    )


def test_a_single_broken_rule_stays_on_the_error_line() -> None:
    error = CliError.from_problem(
        ProblemError(
            422,
            "policy_violation",
            "The project's key policy refuses this key",
            "require_expiry: keys must have an expiry",
            errors=(FieldError("require_expiry", "keys must have an expiry"),),
        )
    )
    assert error.format_message() == (
        "The project's key policy refuses this key: require_expiry: keys must have an expiry (policy_violation)"
    )


# --- leaks --------------------------------------------------------------------------------------------


@pytest.fixture
def open_endpoint(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    """The service's open endpoints, as `fake_service` plays the authenticated ones."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"received": len(sent(request)["keys"])})

    def client(**kwargs: Any) -> Client:
        return Client(**kwargs, httpx_args={"transport": httpx.MockTransport(handler)})

    monkeypatch.setattr(session_module, "Client", client)
    return seen


def test_leaks_report_needs_no_sign_in_and_sends_no_credentials(
    signed_in: None, open_endpoint: list[httpx.Request]
) -> None:
    result = run("leaks", "report", "kw_a", "kw_b", "--source-url", "https://paste.example/x", "--reporter", "me")

    assert result.exit_code == 0, result.output
    assert result.stdout == "received 2\n"
    (request,) = open_endpoint
    assert (request.method, request.url.path) == ("POST", "/v1/leaks/report")
    assert "authorization" not in request.headers
    assert sent(request) == {"keys": ["kw_a", "kw_b"], "source_url": "https://paste.example/x", "reporter": "me"}


def test_leaks_report_works_signed_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_endpoint: list[httpx.Request]
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "nobody"))
    monkeypatch.delenv("KEYWARDEN_TOKEN", raising=False)
    result = run("--json", "leaks", "report", "kw_a")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"received": 1}


def test_leaks_report_reads_a_file_and_sends_at_most_100_keys_a_report(
    signed_in: None, open_endpoint: list[httpx.Request]
) -> None:
    lines = "".join(f"kw_{i}\n" for i in range(150)) + "\n  \nkw_0\n"  # blank lines and a repeat

    result = run("leaks", "report", "--file", "-", "kw_extra", input=lines)

    assert result.exit_code == 0, result.output
    assert result.stdout == "received 151\n"
    assert [len(sent(r)["keys"]) for r in open_endpoint] == [100, 51]
    assert sent(open_endpoint[0])["keys"][0] == "kw_extra"


def test_leaks_report_without_keys_is_a_usage_error(signed_in: None, open_endpoint: list[httpx.Request]) -> None:
    result = run("leaks", "report")
    assert result.exit_code == ExitCode.USAGE
    assert open_endpoint == []
