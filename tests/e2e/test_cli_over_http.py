"""The `keywarden` CLI as people and scripts use it, against the local stack over real HTTP.

Each person has a terminal of their own (`Terminal`: the CLI with its own config directory,
so its own `keywarden login`), driven in-process by click's CliRunner; what the CLI cannot do
(roles, templates, verification by a project's server) goes through the API with JsonClient.
One test runs the installed `keywarden` script as a process, for its exit codes; the last uses
the management client under the CLI (`keywarden.management`) directly.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from keywarden.cli import cli
from keywarden.management import Keywarden, ProblemError, models, sign_in_locally
from keywarden.management._generated.api.api_keys import create_key, get_key, list_keys
from keywarden.management._generated.api.projects import create_project

from tests.e2e.conftest import JsonClient

PERMISSIONS = ["orders:read"]
SECRET_LINE = re.compile(r"^key: (kw_[0-9A-Za-z]+)$", re.MULTILINE)
SCRIPT = Path(sys.executable).with_name("keywarden")


@dataclass
class Terminal:
    """One person's shell: KEYWARDEN_URL set, their own XDG_CONFIG_HOME, no KEYWARDEN_TOKEN."""

    url: str
    config_home: Path

    def env(self, **extra: str | None) -> dict[str, str | None]:
        return {
            "KEYWARDEN_URL": self.url,
            "XDG_CONFIG_HOME": str(self.config_home),
            "KEYWARDEN_TOKEN": None,
            "KEYWARDEN_PROJECT": None,
            "NO_PROXY": "127.0.0.1",
            **extra,
        }

    def run(self, *args: str, input: str | None = None, **env: str | None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, env=self.env(**env), catch_exceptions=False)

    def ok(self, *args: str, input: str | None = None, **env: str | None) -> Result:
        result = self.run(*args, input=input, **env)
        assert result.exit_code == 0, (args, result.exit_code, result.output)
        return result

    def json(self, *args: str, **env: str | None) -> Any:
        """The command's --json output, parsed (it must parse)."""
        return json.loads(self.ok("--json", *args, **env).stdout)

    def fails(self, exit_code: int, *args: str, input: str | None = None, **env: str | None) -> Result:
        """Runs a command that must fail with `exit_code`: nothing on stdout, an `error:` line on stderr."""
        result = self.run(*args, input=input, **env)
        assert result.exit_code == exit_code, (args, result.exit_code, result.output)
        assert result.stdout == "", result.stdout
        assert re.search(r"^(error|Error): ", result.stderr, re.MULTILINE), result.stderr
        return result


@pytest.fixture
def terminal(stack_url: str, tmp_path: Path) -> Terminal:
    return Terminal(stack_url, tmp_path / "alice")


def another_terminal(terminal: Terminal, name: str) -> Terminal:
    return Terminal(terminal.url, terminal.config_home.with_name(name))


def new_project(terminal: Terminal, client: JsonClient, owner: str, name: str) -> tuple[str, str]:
    """Signs `owner` in, creates a project through the CLI and a role through the API: (pid, role_id)."""
    terminal.ok("login", owner)
    project = terminal.json("projects", "create", name, "--description", "made by the CLI test")
    assert (project["name"], project["created_by"]) == (name, owner)
    role = client.post(
        f"/v1/projects/{project['id']}/roles",
        {"name": "readers", "permissions": PERMISSIONS},
        token=client.token(owner),
    )
    assert role.status == 201, role.body
    return project["id"], role.body["id"]


def service_key(client: JsonClient, owner: str, pid: str) -> str:
    """The project's service key, revealed through the API with a fresh token (as its server's operator would)."""
    reply = client.post(f"/v1/projects/{pid}/secrets/service_key/reveal", token=client.token(owner))
    assert reply.status == 200, reply.body
    value: str = reply.body["value"]
    return value


def verdict(client: JsonClient, key: str, service: str, permissions: list[str] | None = None) -> str:
    body: dict[str, Any] = {"key": key} if permissions is None else {"key": key, "permissions": permissions}
    reply = client.post("/v1/keys/verify", body, token=service)
    assert reply.status == 200, reply.body
    code: str = reply.body["code"]
    return code


def printed_key(result: Result) -> str:
    """The secret that `keys create`/`reroll` printed, once, for a person."""
    match = SECRET_LINE.search(result.stdout)
    assert match, result.stdout
    assert "shown only this once" in result.stdout
    return match[1]


def active_key_ids(terminal: Terminal, pid: str) -> set[str]:
    return {k["id"] for k in terminal.json("keys", "list", "-p", pid, "--status", "active")["items"]}


# --- keys ---------------------------------------------------------------------------------------


def test_a_key_from_creation_to_revocation(terminal: Terminal, client: JsonClient, unique: str) -> None:
    owner = f"owner-{unique}"
    pid, role_id = new_project(terminal, client, owner, f"CLI shop {unique}")

    listed = terminal.ok("projects", "list").stdout
    assert listed.splitlines()[0].split() == ["ID", "NAME", "CREATED", "DESCRIPTION"]
    assert any(line.startswith(pid) and f"CLI shop {unique}" in line for line in listed.splitlines())
    assert pid in {p["id"] for p in terminal.json("projects", "list")["items"]}
    assert terminal.json("projects", "show", pid)["name"] == f"CLI shop {unique}"

    # Created: the secret is printed once, and it is a working key of this project.
    created = terminal.ok("keys", "create", "-p", pid, "checkout", "--role", role_id, "--meta", "team=payments")
    key = printed_key(created)
    service = service_key(client, owner, pid)
    assert verdict(client, key, service, PERMISSIONS) == "VALID"

    # Listed for people and for scripts; never with the secret.
    table = terminal.ok("keys", "list", "-p", pid).stdout
    header, *rows = table.splitlines()
    assert header.split()[:4] == ["ID", "NAME", "TYPE", "STATUS"]
    ((key_id, name, key_type, status, *_),) = [row.split() for row in rows]
    assert (name, key_type, status) == ("checkout", "opaque", "active")
    page = terminal.json("keys", "list", "-p", pid)
    assert page["next_cursor"] is None
    ((listed_key,),) = [page["items"]]
    assert (listed_key["id"], listed_key["meta"], listed_key["permissions"]) == (
        key_id,
        {"team": "payments"},
        PERMISSIONS,
    )
    assert key not in table and key not in json.dumps(page)
    assert terminal.json("keys", "show", "-p", pid, key_id, "--json")["hint"] == listed_key["hint"]

    # Rerolled without grace: the old key stops, the new one works.
    rerolled = terminal.ok("keys", "reroll", "-p", pid, key_id)
    new_key = printed_key(rerolled)
    assert new_key != key
    assert verdict(client, key, service) == "EXPIRED"
    assert verdict(client, new_key, service) == "VALID"
    new_id = terminal.json("keys", "list", "-p", pid, "--status", "active")["items"][0]["id"]
    again = terminal.fails(6, "keys", "reroll", "-p", pid, key_id)  # a key has one successor
    assert f"already rerolled to {new_id}" in again.stderr

    # Revoked: it stops verifying.
    assert terminal.ok("keys", "revoke", "-p", pid, new_id).stdout == f"Revoked {new_id}.\n"
    assert verdict(client, new_key, service) == "REVOKED"
    assert terminal.json("keys", "show", "-p", pid, new_id)["status"] == "revoked"


def test_batch_delete_revokes_only_after_the_number_is_typed_or_with_yes(
    terminal: Terminal, client: JsonClient, unique: str
) -> None:
    owner = f"owner-{unique}"
    pid, role_id = new_project(terminal, client, owner, f"CLI batch {unique}")
    keys = [terminal.json("keys", "create", "-p", pid, f"k{i}", "--role", role_id) for i in range(3)]
    ids = [k["key"]["id"] for k in keys]
    assert all(k["secret"]["key"].startswith("kw_") for k in keys)

    wrong = terminal.fails(1, "keys", "batch-delete", "-p", pid, *ids, input="2\n")
    assert "Type the number of keys to confirm" in wrong.stderr
    assert "not confirmed: nothing was revoked" in wrong.stderr
    terminal.fails(1, "keys", "batch-delete", "-p", pid, *ids, input="")  # no answer at all
    assert active_key_ids(terminal, pid) == set(ids)

    typed = terminal.ok("keys", "batch-delete", "-p", pid, ids[0], input="1\n")
    assert f"Revoked 1 key: {ids[0]}" in typed.stdout
    assert active_key_ids(terminal, pid) == set(ids[1:])

    result = terminal.json(
        "keys", "batch-delete", "-p", pid, ids[1], ids[2], "key_01nosuchkey0000000000000000", "--yes"
    )
    assert (sorted(result["deleted"]), result["not_found"]) == (sorted(ids[1:]), ["key_01nosuchkey0000000000000000"])
    assert active_key_ids(terminal, pid) == set()
    service = service_key(client, owner, pid)
    assert {verdict(client, k["secret"]["key"], service) for k in keys} == {"REVOKED"}


def test_an_hmac_key_prints_its_token_and_secret_once(terminal: Terminal, client: JsonClient, unique: str) -> None:
    pid, role_id = new_project(terminal, client, f"owner-{unique}", f"CLI hmac {unique}")
    out = terminal.ok("keys", "create", "-p", pid, "signer", "--role", role_id, "--type", "hmac").stdout
    token = re.search(r"^token:\s+(kwh_\S+)$", out, re.MULTILINE)
    secret = re.search(r"^secret: (\S+)$", out, re.MULTILINE)
    assert token and secret and len(secret[1]) == 44, out  # base64 of 32 bytes
    listed = terminal.ok("keys", "list", "-p", pid, "--type", "hmac").stdout
    assert token[1] not in listed and secret[1] not in listed


# --- app secrets and step-up ----------------------------------------------------------------------


def test_secrets_reveal_and_rotate_with_step_up(terminal: Terminal, client: JsonClient, unique: str) -> None:
    owner = f"owner-{unique}"
    pid, _ = new_project(terminal, client, owner, f"CLI secrets {unique}")
    actual = service_key(client, owner, pid)

    names = terminal.ok("secrets", "list", "-p", pid).stdout
    hints = {line.split()[0]: line.split()[1] for line in names.splitlines()[1:]}
    assert set(hints) == {"secure_key", "service_key"} and hints["service_key"] == actual[-4:]
    assert actual not in names

    # A fresh sign-in reveals at once.
    assert terminal.ok("secrets", "reveal", "-p", pid, "service_key").stdout == actual + "\n"

    # An hour-old sign-in: the CLI asks; "no" is exit code 3 and shows nothing secret.
    terminal.ok("login", owner, "--auth-age", "3600")
    declined = terminal.fails(3, "secrets", "reveal", "-p", pid, "service_key", input="n\n")
    assert "This needs a recent sign-in. Sign in again" in declined.stderr
    assert "(step_up_required)" in declined.stderr and actual not in declined.output
    # "yes" signs in again and repeats the request once.
    accepted = terminal.ok("secrets", "reveal", "-p", pid, "service_key", input="y\n")
    assert accepted.stdout == actual + "\n"
    assert f"Signed in again as {owner}." in accepted.stderr
    assert terminal.ok("secrets", "reveal", "-p", pid, "service_key").stderr == "", "the new sign-in is kept"

    # --fresh-login does not ask; --json prints the API's answer.
    terminal.ok("login", owner, "--auth-age", "3600")
    revealed = terminal.json("secrets", "reveal", "-p", pid, "secure_key", "--fresh-login")
    assert set(revealed) == {"name", "value"} and revealed["name"] == "secure_key"

    # Deployed (a token from the environment): the CLI cannot sign in for you.
    stale = client.post("/v1/dev/token", {"sub": owner, "auth_age_seconds": 3600}).body["access_token"]
    deployed = terminal.fails(3, "secrets", "reveal", "-p", pid, "service_key", KEYWARDEN_TOKEN=stale)
    assert "sign in again and set KEYWARDEN_TOKEN to a fresh token" in deployed.stderr
    assert actual not in deployed.output
    fresh = client.token(owner)
    assert terminal.ok("secrets", "reveal", "-p", pid, "service_key", KEYWARDEN_TOKEN=fresh).stdout == actual + "\n"

    # Rotation asks for confirmation, then prints the new value; the old one keeps its grace.
    terminal.fails(1, "secrets", "rotate", "-p", pid, "service_key", input="n\n")
    assert service_key(client, owner, pid) == actual
    rotated = terminal.ok("secrets", "rotate", "-p", pid, "service_key", "--grace", "60", "--yes")
    new_value = rotated.stdout.strip()
    assert new_value.startswith("kws_") and new_value != actual
    assert "the old value works until" in rotated.stderr
    assert service_key(client, owner, pid) == new_value


# --- key requests ---------------------------------------------------------------------------------


def test_a_member_requests_a_key_the_admin_approves_and_the_claim_writes_a_private_env_file(
    terminal: Terminal, client: JsonClient, unique: str, tmp_path: Path
) -> None:
    owner, developer = f"owner-{unique}", f"dev-{unique}"
    pid, role_id = new_project(terminal, client, owner, f"CLI requests {unique}")
    owner_token = client.token(owner)
    assert client.put(f"/v1/projects/{pid}/members/{developer}", {"role": "developer"}, token=owner_token).status == 200
    fields = [{"name": "PROJECT_ID", "value": "{{project.id}}"}, {"name": "GREETING", "value": "it's here"}]
    template = client.post(
        f"/v1/projects/{pid}/key-templates",
        {"name": "orders reader", "role_id": role_id, "type": "opaque", "info_fields": fields},
        token=owner_token,
    )
    assert template.status == 201, template.body
    template_id = template.body["id"]

    dev = another_terminal(terminal, "dev")
    dev.ok("login", developer)
    request = dev.json("requests", "create", "-p", pid, template_id, "--justification", "for CI")
    assert (request["status"], request["requester_id"], request["justification"]) == ("pending", developer, "for CI")
    dev.fails(4, "requests", "approve", "-p", pid, request["id"])  # developers do not decide

    pending = terminal.ok("requests", "list", "-p", pid, "--status", "pending").stdout
    assert any(line.startswith(request["id"]) and developer in line for line in pending.splitlines())
    approved = terminal.json("requests", "approve", "-p", pid, request["id"], "--note", "ok")
    assert (approved["status"], approved["decided_by"], approved["note"]) == ("approved", owner, "ok")

    # An existing file is refused before the claim is spent.
    env_file = tmp_path / "app.env"
    env_file.write_text("KEEP=1\n")
    refused = dev.fails(2, "requests", "claim", "-p", pid, request["id"], "--env-file", str(env_file))
    assert "--force" in refused.stderr
    assert env_file.read_text() == "KEEP=1\n"

    env_file.unlink()
    claimed = dev.ok("requests", "claim", "-p", pid, request["id"], "--env-file", str(env_file))
    assert f"Claimed key {approved['key_id']}; wrote 3 variables to {env_file} (mode 0600)." in claimed.stdout
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    text = env_file.read_text()
    lines = text.splitlines()
    assert lines[:2] == [f"PROJECT_ID={pid}", 'GREETING="it\'s here"']
    assert lines[2].startswith("KEYWARDEN_API_KEY=kw_") and len(lines) == 3
    key = lines[2].removeprefix("KEYWARDEN_API_KEY=")
    assert key not in claimed.output
    assert verdict(client, key, service_key(client, owner, pid), PERMISSIONS) == "VALID"

    again = dev.fails(6, "requests", "claim", "-p", pid, request["id"])  # once
    assert key not in again.output

    # Denied, with a reason the requester reads; a denied request cannot be claimed.
    second = dev.json("requests", "create", "-p", pid, template_id)
    denied = terminal.json("requests", "deny", "-p", pid, second["id"], "--reason", "use the shared key")
    assert (denied["status"], denied["reason"]) == ("denied", "use the shared key")
    dev.fails(6, "requests", "claim", "-p", pid, second["id"])
    mine = dev.json("requests", "list", "-p", pid)["items"]
    assert {(r["id"], r["status"]) for r in mine} == {(request["id"], "claimed"), (second["id"], "denied")}


def test_a_claim_without_a_file_prints_the_env_text(terminal: Terminal, client: JsonClient, unique: str) -> None:
    owner = f"owner-{unique}"
    pid, role_id = new_project(terminal, client, owner, f"CLI claim {unique}")
    template = client.post(
        f"/v1/projects/{pid}/key-templates",
        {"name": "auto", "role_id": role_id, "type": "hmac", "auto_approve": True, "info_fields": []},
        token=client.token(owner),
    )
    assert template.status == 201, template.body
    request = terminal.json("requests", "create", "-p", pid, template.body["id"])
    assert request["status"] == "approved"
    out = terminal.ok("requests", "claim", "-p", pid, request["id"], "--key-var", "ORDERS_KEY").stdout
    assert re.fullmatch(r"ORDERS_KEY=kwh_[0-9A-Za-z]+\nORDERS_KEY_SECRET=[A-Za-z0-9+/]{43}=\n", out), out


# --- usage ----------------------------------------------------------------------------------------


def test_usage_is_a_table_of_periods_with_totals(terminal: Terminal, client: JsonClient, unique: str) -> None:
    owner = f"owner-{unique}"
    pid, role_id = new_project(terminal, client, owner, f"CLI usage {unique}")
    key = terminal.json("keys", "create", "-p", pid, "counted", "--role", role_id)["secret"]["key"]
    service = service_key(client, owner, pid)
    assert [verdict(client, key, service) for _ in range(2)] == ["VALID", "VALID"]
    assert verdict(client, key, service, ["orders:write"]) == "INSUFFICIENT_PERMISSIONS"
    assert client.post("/v1/dev/jobs/usage-rollup").status == 200

    table = terminal.ok("usage", "-p", pid, "--granularity", "hour").stdout.splitlines()
    assert table[0].split() == ["PERIOD", "VALID", "INVALID", "BY", "CODE"]
    assert table[-1].split() == ["TOTAL", "2", "1", "-"]
    counted = [line for line in table[1:-1] if line.split()[1:3] != ["0", "0"]]
    assert counted and all("INSUFFICIENT_PERMISSIONS=1" in line or "VALID=" in line for line in counted)

    body = terminal.json("usage", "-p", pid, "--granularity", "day")
    assert body["granularity"] == "day" and body["totals"] == {"valid": 2, "invalid": 1}


# --- exit codes -------------------------------------------------------------------------------------


def test_exit_codes_scripts_can_trust(terminal: Terminal, client: JsonClient, unique: str) -> None:
    owner, viewer = f"owner-{unique}", f"viewer-{unique}"
    pid, role_id = new_project(terminal, client, owner, f"CLI codes {unique}")
    assert (
        client.put(f"/v1/projects/{pid}/members/{viewer}", {"role": "viewer"}, token=client.token(owner)).status == 200
    )
    someone = another_terminal(terminal, "viewer")

    not_signed_in = someone.fails(3, "keys", "list", "-p", pid)
    assert "not signed in" in not_signed_in.stderr
    someone.ok("login", viewer)
    forbidden = someone.fails(4, "secrets", "reveal", "-p", pid, "service_key")
    assert forbidden.stderr.startswith("error: Forbidden: ") and "(forbidden)" in forbidden.stderr
    missing = terminal.fails(5, "projects", "show", "prj_01nosuchproject00000000000")
    assert missing.stderr == "error: Not found: project not found (not_found)\n"
    key_id = terminal.json("keys", "create", "-p", pid, "k", "--role", role_id)["key"]["id"]
    terminal.ok("keys", "reroll", "-p", pid, key_id)
    terminal.fails(6, "keys", "reroll", "-p", pid, key_id)
    invalid = terminal.fails(7, "keys", "create", "-p", pid, "k2", "--role", "rol_01nosuchrole000000000000000")
    assert "(validation_failed)" in invalid.stderr and "role_id" in invalid.stderr
    terminal.fails(2, "keys", "list")  # no --project: click's usage error, nothing sent


def test_the_installed_script_exits_with_the_documented_codes(
    terminal: Terminal, client: JsonClient, unique: str
) -> None:
    assert SCRIPT.is_file(), f"{SCRIPT} is missing: pip install -e ./clients/python"
    owner = f"owner-{unique}"
    pid, _ = new_project(terminal, client, owner, f"CLI script {unique}")
    env = {k: v for k, v in os.environ.items() if k not in ("KEYWARDEN_TOKEN", "KEYWARDEN_PROJECT")}
    env.update({k: v for k, v in terminal.env().items() if v is not None})

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 (the installed console script)
            [str(SCRIPT), *args], env={**env, **extra}, capture_output=True, text=True, timeout=60, check=False
        )

    shown = run("--json", "projects", "show", pid)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["id"] == pid
    assert run("projects", "show", "prj_01nosuchproject00000000000").returncode == 5
    signed_out = run("projects", "list", XDG_CONFIG_HOME=str(terminal.config_home.with_name("nobody")))
    assert (signed_out.returncode, signed_out.stdout) == (3, "")
    assert signed_out.stderr.startswith("error: not signed in")
    assert run("keys", "list").returncode == 2
    assert run("--url", "http://127.0.0.1:9", "projects", "list", KEYWARDEN_TOKEN="x").returncode == 1
    help_text = run("--help")
    assert help_text.returncode == 0 and "Exit codes:" in help_text.stdout


# --- the management client under the CLI, used directly -----------------------------------------------


def test_the_management_client_creates_pages_and_raises_problems(client: JsonClient, unique: str) -> None:
    owner = f"owner-{unique}"
    token = sign_in_locally(client.base_url, owner).access_token
    with Keywarden(client.base_url, token) as kw:
        project = kw.call(create_project.sync_detailed, body=models.ProjectCreate(name=f"SDK {unique}"))
        role = client.post(f"/v1/projects/{project.id}/roles", {"name": "r", "permissions": PERMISSIONS}, token=token)
        assert role.status == 201, role.body
        made = []
        for i in range(5):
            body = models.KeyCreate(name=f"k{i}", type_=models.KeyCreateType.OPAQUE, role_id=role.body["id"])
            issued = kw.call(create_key.sync_detailed, project.id, body=body, idempotency_key=str(uuid.uuid4()))
            assert isinstance(issued.secret, models.KeyIssuedSecretType0)
            made.append(issued.key.id)

        paged = [key.id for key in kw.paginate(list_keys.sync_detailed, pid=project.id, limit=2)]
        assert sorted(paged) == sorted(made) and len(paged) == 5  # three pages of at most two

        with pytest.raises(ProblemError) as raised:
            kw.call(get_key.sync_detailed, project.id, "key_01nosuchkey0000000000000000")
        assert (raised.value.status, raised.value.code) == (404, "not_found")


def test_a_key_with_a_rate_limit_and_credits_and_its_balance_changed(
    terminal: Terminal, client: JsonClient, unique: str
) -> None:
    owner = f"owner-{unique}"
    pid, role_id = new_project(terminal, client, owner, f"CLI limits {unique}")
    created = terminal.ok(
        "keys", "create", "-p", pid, "metered", "--role", role_id, "--ratelimit", "burst=2/3600", "--credits", "5"
    )
    key = printed_key(created)
    key_id = terminal.json("keys", "list", "-p", pid)["items"][0]["id"]
    shown = terminal.json("keys", "show", "-p", pid, key_id)
    assert shown["ratelimits"] == [{"name": "burst", "limit": 2, "duration_seconds": 3600, "auto_apply": True}]
    assert shown["credits"]["remaining"] == 5
    service = service_key(client, owner, pid)
    assert [verdict(client, key, service) for _ in range(3)] == ["VALID", "VALID", "RATE_LIMITED"]

    assert terminal.ok("keys", "credits", "set", "-p", pid, key_id, "10").stdout == f"{key_id} has 10 credits.\n"
    assert terminal.json("keys", "credits", "add", "-p", pid, key_id, "-4") == {"remaining": 6}
    assert terminal.json("keys", "credits", "add", "-p", pid, key_id, "-40") == {"remaining": 0}
    bad = terminal.fails(2, "keys", "create", "-p", pid, "bad", "--role", role_id, "--ratelimit", "burst=2")
    assert "NAME=LIMIT/SECONDS" in bad.stderr


def test_an_identity_its_keys_and_its_credits_from_a_terminal(
    terminal: Terminal, client: JsonClient, unique: str
) -> None:
    owner = f"owner-{unique}"
    pid, role_id = new_project(terminal, client, owner, f"CLI customers {unique}")
    created = terminal.json(
        "identities",
        "create",
        "-p",
        pid,
        "cus_7",
        "--meta",
        "plan=pro",
        "--ratelimit",
        "requests=2/3600",
        "--credits",
        "5",
    )
    identity_id = created["id"]
    assert (created["external_id"], created["meta"], created["credits"]["remaining"]) == ("cus_7", {"plan": "pro"}, 5)
    table = terminal.ok("identities", "list", "-p", pid).stdout
    assert table.splitlines()[0].split()[:3] == ["ID", "EXTERNAL", "ID"] and "cus_7" in table
    assert terminal.json("identities", "list", "-p", pid, "--external-id", "cus_7")["items"][0]["id"] == identity_id

    key = printed_key(
        terminal.ok("keys", "create", "-p", pid, "customer", "--role", role_id, "--identity", identity_id)
    )
    service = service_key(client, owner, pid)
    assert [verdict(client, key, service) for _ in range(3)] == ["VALID", "VALID", "RATE_LIMITED"]
    (listed,) = terminal.json("keys", "list", "-p", pid, "--identity", identity_id)["items"]
    assert listed["owner_id"] is None and listed["identity_id"] == identity_id
    assert terminal.json("identities", "show", "-p", pid, identity_id)["credits"]["remaining"] == 3
    assert terminal.ok("identities", "credits", "add", "-p", pid, identity_id, "-1").stdout == (
        f"{identity_id} has 2 credits.\n"
    )
    assert terminal.json("identities", "credits", "set", "-p", pid, identity_id, "9") == {"remaining": 9}

    assert terminal.ok("identities", "delete", "-p", pid, identity_id).stdout.startswith(f"Deleted {identity_id}")
    assert verdict(client, key, service) == "REVOKED"
    both = terminal.fails(2, "keys", "create", "-p", pid, "x", "--role", role_id, "--owner", "a", "--identity", "b")
    assert "not both" in both.stderr
