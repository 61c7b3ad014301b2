"""The CLI's own logic, without a service: kept sign-ins, the .env text of a claim, exit codes,
and the errors people see. The commands themselves run against the local stack in
tests/e2e/test_cli_over_http.py.
"""

from __future__ import annotations

import stat
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from keywarden.cli import cli, credentials
from keywarden.cli import session as session_module
from keywarden.cli.errors import CliError, ExitCode, exit_code_for
from keywarden.cli.key_requests import env_text
from keywarden.management import FieldError, Keywarden, ProblemError
from keywarden.management._generated.models import DevToken

URL = "http://127.0.0.1:8000"


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("KEYWARDEN_TOKEN", raising=False)
    return tmp_path


def sign_in(sub: str, expires_in: float = 3600) -> credentials.LocalSignIn:
    return credentials.LocalSignIn(sub, ["g"], f"token-of-{sub}", time.time() + expires_in)


def test_a_sign_in_is_kept_readable_by_its_owner_only_and_per_service_url(config_home: Path) -> None:
    credentials.save(URL, sign_in("alice"))
    credentials.save("http://127.0.0.1:9000", sign_in("bob"))

    path = config_home / "keywarden" / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    alice, bob = credentials.load(URL), credentials.load("http://127.0.0.1:9000")
    assert alice is not None and (alice.sub, alice.groups, alice.access_token) == ("alice", ["g"], "token-of-alice")
    assert bob is not None and bob.sub == "bob"

    assert credentials.forget(URL) is True
    assert credentials.load(URL) is None
    assert credentials.load("http://127.0.0.1:9000") is not None, "signing out of one URL keeps the others"
    assert credentials.forget(URL) is False
    assert credentials.forget("http://127.0.0.1:9000") is True
    assert not path.exists(), "no sign-in left: no file left"


def test_a_relative_xdg_config_home_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert credentials.credentials_path() == tmp_path / ".config" / "keywarden" / "credentials.json"


def test_a_damaged_credentials_file_reads_as_signed_out(config_home: Path) -> None:
    path = config_home / "keywarden" / "credentials.json"
    path.parent.mkdir()
    path.write_text("{not json")
    assert credentials.load(URL) is None


def test_commands_without_a_sign_in_say_so_with_exit_code_3(config_home: Path) -> None:
    result = CliRunner().invoke(cli, ["--url", URL, "projects", "list"])
    assert result.exit_code == ExitCode.AUTH
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: not signed in to {URL}\nhint: run `keywarden login <user>`")


def test_an_expired_local_sign_in_asks_for_a_new_one(config_home: Path) -> None:
    credentials.save(URL, sign_in("alice", expires_in=-1))
    result = CliRunner().invoke(cli, ["--url", URL, "projects", "list"])
    assert result.exit_code == ExitCode.AUTH
    assert "sign-in to http://127.0.0.1:8000 as alice has expired" in result.stderr
    assert "token-of-alice" not in result.output


def test_an_unreachable_service_is_exit_code_1(config_home: Path) -> None:
    credentials.save("http://127.0.0.1:9", sign_in("alice"))
    result = CliRunner().invoke(cli, ["--url", "http://127.0.0.1:9", "projects", "list"])
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.startswith("error: cannot reach http://127.0.0.1:9: ")


def test_the_help_documents_the_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for line in ("0  ok", "2  usage error", "3  not signed in", "4  forbidden (403)", "5  not found (404)"):
        assert line in result.stdout
    assert "6  conflict (409)" in result.stdout and "7  invalid input (400, 422)" in result.stdout


@pytest.mark.parametrize(
    ("status", "code", "exit_code"),
    [
        (401, "unauthenticated", ExitCode.AUTH),
        (401, "step_up_required", ExitCode.AUTH),
        (403, "forbidden", ExitCode.FORBIDDEN),
        (404, "not_found", ExitCode.NOT_FOUND),
        (409, "conflict", ExitCode.CONFLICT),
        (400, "confirmation_required", ExitCode.INVALID),
        (422, "validation_failed", ExitCode.INVALID),
        (413, "payload_too_large", ExitCode.ERROR),
        (500, "internal_error", ExitCode.ERROR),
        (502, "unexpected_response", ExitCode.ERROR),
    ],
)
def test_problems_map_to_exit_codes(status: int, code: str, exit_code: ExitCode) -> None:
    assert exit_code_for(ProblemError(status, code, "t")) == exit_code


def test_a_problem_reads_as_one_error_line_and_field_errors_the_detail_does_not_give() -> None:
    problem = ProblemError(
        422,
        "validation_failed",
        "Validation failed",
        "name: is required",
        errors=(FieldError("name", "is required"), FieldError("ttl_seconds", "must be at least 1")),
    )
    error = CliError.from_problem(problem)
    assert error.exit_code == ExitCode.INVALID
    assert error.format_message() == (
        "Validation failed: name: is required (validation_failed)\n  ttl_seconds: must be at least 1"
    )


def test_the_env_text_is_the_services_dotenv_and_then_the_key() -> None:
    claimed = {
        "dotenv": "PROJECT_ID=prj_1\nGREETING='it is here'\n",
        "secrets": {"PROJECT_ID": "prj_1", "GREETING": "it is here"},
        "secret": {"key": "kw_abc123"},
    }
    assert env_text(claimed, "KEYWARDEN_API_KEY") == (
        "PROJECT_ID=prj_1\nGREETING='it is here'\nKEYWARDEN_API_KEY=kw_abc123\n"
    )
    hmac_claim = {"dotenv": "", "secrets": {}, "secret": {"token": "kwh_t", "secret": "c2VjcmV0+/=="}}
    assert env_text(hmac_claim, "ORDERS_KEY") == "ORDERS_KEY=kwh_t\nORDERS_KEY_SECRET=c2VjcmV0+/==\n"


def test_a_template_field_named_like_the_key_variable_is_a_clash() -> None:
    claimed = {"dotenv": "KEYWARDEN_API_KEY=x\n", "secrets": {"KEYWARDEN_API_KEY": "x"}, "secret": {"key": "kw_1"}}
    with pytest.raises(ValueError, match="KEYWARDEN_API_KEY"):
        env_text(claimed, "KEYWARDEN_API_KEY")


# --- requests the CLI sends (the service played by httpx.MockTransport) ---------------------------


def fake_service(
    monkeypatch: pytest.MonkeyPatch, handler: Callable[[httpx.Request], httpx.Response]
) -> list[httpx.Request]:
    """Routes the CLI's requests to `handler`; returns the requests as they were sent."""
    seen: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    def keywarden(base_url: str, token: str) -> Keywarden:
        return Keywarden(base_url, token, httpx_args={"transport": httpx.MockTransport(recording)})

    monkeypatch.setattr(session_module, "Keywarden", keywarden)
    return seen


def test_each_invocation_sends_its_own_idempotency_key(config_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = {"id": "prj_1", "name": "shop", "description": "", "created_at": "2026-11-22T10:00:00Z"}
    seen = fake_service(monkeypatch, lambda request: httpx.Response(201, json={**project, "created_by": "alice"}))
    credentials.save(URL, sign_in("alice"))

    for _ in range(2):
        result = CliRunner().invoke(cli, ["--url", URL, "projects", "create", "shop"])
        assert result.exit_code == 0, result.output

    keys = [request.headers["idempotency-key"] for request in seen]
    assert len(set(keys)) == 2
    assert all(str(uuid.UUID(key)) == key for key in keys)
    assert all(request.headers["authorization"] == "Bearer token-of-alice" for request in seen)


def test_a_step_up_retry_is_the_same_request_with_the_fresh_token(
    config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    step_up = {
        "type": "urn:keywarden:problem:step_up_required",
        "title": "A fresh login is required",
        "status": 401,
        "detail": "this action needs a login made within the last 300 seconds",
        "code": "step_up_required",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == "Bearer token-of-alice":
            return httpx.Response(401, json=step_up, headers={"content-type": "application/problem+json"})
        return httpx.Response(
            200, json={"name": "secure_key", "value": "new-value-1234567890", "previous_valid_until": None}
        )

    seen = fake_service(monkeypatch, handler)
    signed_in: list[tuple[str, str, list[str]]] = []

    def fresh_token(base_url: str, sub: str, groups: list[str], auth_age_seconds: int = 0) -> DevToken:
        signed_in.append((base_url, sub, list(groups)))
        return DevToken(access_token="fresh-token", token_type="Bearer", expires_in=3600)

    monkeypatch.setattr(session_module, "sign_in_locally", fresh_token)
    credentials.save(URL, sign_in("alice"))

    args = ["--url", URL, "secrets", "rotate", "-p", "prj_1", "secure_key", "--yes", "--fresh-login"]
    result = CliRunner().invoke(cli, args)

    assert result.exit_code == 0, result.output
    assert result.stdout == "new-value-1234567890\n"
    assert signed_in == [(URL, "alice", ["g"])]
    first, retry = seen
    assert (first.headers["authorization"], retry.headers["authorization"]) == (
        "Bearer token-of-alice",
        "Bearer fresh-token",
    )
    assert first.headers["idempotency-key"] == retry.headers["idempotency-key"]
    assert first.content == retry.content
    kept = credentials.load(URL)
    assert kept is not None and kept.access_token == "fresh-token"
