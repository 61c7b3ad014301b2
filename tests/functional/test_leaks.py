"""Leaked keys (API.md, "Leaked keys"): reports from GitHub's secret scanning and from any
scanner neutralize the live keys they name, once, and tell nothing about the others."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.config import reset_settings
from chalicelib.domain.opaque_keys import generate
from chalicelib.services import leaks as leak_cases
from chalicelib.store import keys as key_store
from chalicelib.store import leaks as leak_store
from chalicelib.store.base import TransactionCancelledError
from chalicelib.store.leaks import expose
from tests.functional.conftest import Api, Reply, aws_calls
from tests.functional.test_limits import Limited, received
from tests.functional.test_webhooks import Receiver, serving
from tests.github_keys_server import GithubKeysServer

REPORT = "/v1/leaks/report"
GITHUB = "/v1/leaks/github"


@pytest.fixture
def project(api: Api, monkeypatch: pytest.MonkeyPatch) -> Limited:
    monkeypatch.setenv("KEYWARDEN_LEAK_REPORT_FLOOR_MS", "0")
    reset_settings()
    return Limited(api)


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GithubKeysServer]:
    with GithubKeysServer() as server:
        monkeypatch.setenv("KEYWARDEN_GITHUB_KEYS_URL", server.url)
        reset_settings()
        yield server


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving() as running:
        yield running


def report(api: Api, keys: list[str], **fields: Any) -> Reply:
    return api.post(REPORT, {"keys": keys, **fields})


def set_leak_action(project: Limited, action: str) -> None:
    reply = project.api.put(f"/v1/projects/{project.pid}/key-policy", {"leak_action": action}, as_user="ann")
    assert reply.status == 200, reply.body


def alert(
    server: GithubKeysServer, key_id: str, tokens: list[str], url: str = "https://github.com/o/r/blob/x"
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        [{"token": t, "type": "keywarden_api_key", "url": url, "source": "commit"} for t in tokens]
    ).encode()
    return body, {
        "github-public-key-identifier": key_id,
        "github-public-key-signature": server.sign(body, key_id),
    }


def send(api: Api, body: bytes, headers: dict[str, str]) -> Reply:
    return api.request("POST", GITHUB, body=body, headers=headers)


# --- the open report endpoint ---------------------------------------------------------------------


def test_a_reported_key_is_revoked_at_once_and_its_exposure_announced(project: Limited, receiver: Receiver) -> None:
    hook = project.api.post(
        f"/v1/projects/{project.pid}/webhooks",
        {"url": receiver.url(), "events": ["key.exposed", "key.revoked"]},
        as_user="ann",
    )
    key, secret = project.issue()
    reply = report(project.api, [secret, "kw_not-a-key", "hello"], source_url="https://paste.example/x")
    assert (reply.status, reply.json) == (202, {"received": 3})
    assert project.answer(secret)["code"] == "REVOKED"

    view = project.view(key["id"])
    assert view["status"] == "revoked" and view["exposed_at"] is not None and view["exposed_action"] == "revoke"
    (exposed,) = [e for e in project.audit() if e["action"] == "key.exposed"]
    assert exposed["actor"] == "system:leak-report" and exposed["target"]["id"] == key["id"]
    assert exposed["details"]["source"] == "report" and exposed["details"]["action_taken"] == "revoke"
    grouped = received(receiver, hook.json["secret"])
    (event,) = grouped["key.exposed"]
    assert event["key"]["id"] == key["id"] and event["key"]["exposed_at"] == view["exposed_at"]
    assert (event["source"], event["url"], event["action_taken"]) == ("report", "https://paste.example/x", "revoke")
    assert len(grouped["key.revoked"]) == 1
    assert secret not in json.dumps(grouped) and secret not in json.dumps(project.audit())


def test_the_projects_leak_action_disable_disables_and_notify_only_tells(project: Limited) -> None:
    set_leak_action(project, "disable")
    key, secret = project.issue()
    assert report(project.api, [secret]).status == 202
    assert project.answer(secret)["code"] == "DISABLED"
    assert project.view(key["id"])["status"] == "disabled"

    set_leak_action(project, "notify")
    other, other_secret = project.issue()
    assert report(project.api, [other_secret]).status == 202
    assert project.answer(other_secret)["code"] == "VALID"
    assert project.view(other["id"])["exposed_action"] == "notify"
    actions = [e["action"] for e in project.audit() if e["target"]["id"] == other["id"]]
    assert actions.count("key.exposed") == 1 and "key.disabled" not in actions


def test_a_key_is_acted_on_once_however_often_it_is_reported(project: Limited) -> None:
    set_leak_action(project, "disable")
    key, secret = project.issue()
    assert report(project.api, [secret]).status == 202
    # Its owners looked and decided the leak was harmless: enabled again, it stays enabled.
    assert project.patch(key["id"], {"enabled": True}).status == 200
    for _ in range(3):
        assert report(project.api, [secret, secret]).status == 202
    assert project.answer(secret)["code"] == "VALID"
    assert [e["action"] for e in project.audit()].count("key.exposed") == 1


@pytest.mark.parametrize("second", ["revoke", "disable", "notify"])
def test_two_reports_that_both_read_the_key_unexposed_act_once(project: Limited, second: str) -> None:
    key, secret = project.issue()
    stale = key_store.get_key(project.pid, key["id"])
    expose(stale, "notify", time.time(), "report", None)
    with pytest.raises(TransactionCancelledError):
        expose(stale, second, time.time(), "report", None)
    after = key_store.get_key(project.pid, key["id"])
    assert (after.revoked_at, after.disabled_at, after.exposed_action) == (None, None, "notify")
    assert project.answer(secret)["code"] == "VALID"


def test_a_report_that_read_the_key_before_its_revocation_does_nothing(project: Limited) -> None:
    key, _ = project.issue()
    stale = key_store.get_key(project.pid, key["id"])
    project.revoke(key["id"])
    for action in ("disable", "notify"):
        with pytest.raises(TransactionCancelledError):
            expose(stale, action, time.time(), "report", None)
    assert key_store.get_key(project.pid, key["id"]).exposed_at is None


def test_a_report_of_100_keys_acts_on_exactly_the_3_live_ones(project: Limited) -> None:
    live = [project.issue()[1] for _ in range(3)]
    revoked_key, revoked = project.issue()
    project.revoke(revoked_key["id"])
    expired = project.issue(ttl_seconds=1)[1]
    time.sleep(2.05)  # its expiry is rounded up to a whole second
    unknown = [generate() for _ in range(95)]
    reply = report(project.api, [*unknown[:40], *live, revoked, expired, *unknown[40:]])
    assert (reply.status, reply.json) == (202, {"received": 100})
    assert [project.answer(s)["code"] for s in live] == ["REVOKED"] * 3
    exposed = [e for e in project.audit() if e["action"] == "key.exposed"]
    assert len(exposed) == 3


def test_the_answer_and_its_time_tell_nothing_of_which_keys_are_live(
    project: Limited, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEYWARDEN_LEAK_REPORT_FLOOR_MS", "400")
    reset_settings()
    live = [project.issue()[1] for _ in range(3)]

    def timed(keys: list[str]) -> tuple[Reply, float]:
        started = time.monotonic()
        reply = report(project.api, keys)
        return reply, time.monotonic() - started

    with_live, t_live = timed([*live, *(generate() for _ in range(97))])
    without, t_none = timed([generate() for _ in range(100)])
    assert (with_live.status, with_live.body) == (without.status, without.body)
    assert t_live >= 0.4 and t_none >= 0.4
    assert abs(t_live - t_none) < 0.15, (t_live, t_none)


def test_a_leak_action_that_loses_a_race_is_taken_on_the_key_as_it_is_now(
    project: Limited, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_leak_action(project, "disable")
    key, secret = project.issue()
    real = leak_store.expose
    calls: list[str] = []

    def losing_once(stale: Any, action: str, *args: Any) -> None:
        calls.append(action)
        if len(calls) == 1:
            # A person disables the key between the report's read and its write.
            assert project.patch(key["id"], {"enabled": False}).status == 200
        real(stale, action, *args)

    monkeypatch.setattr(leak_store, "expose", losing_once)
    assert report(project.api, [secret]).status == 202
    assert len(calls) == 2
    view = project.view(key["id"])
    assert (view["status"], view["exposed_action"]) == ("disabled", "disable")
    assert [e["action"] for e in project.audit()].count("key.exposed") == 1


def test_a_transient_conflict_does_not_leave_a_leaked_key_working(
    project: Limited, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, secret = project.issue()
    real = leak_store.expose
    calls: list[str] = []

    def conflicting_once(stale: Any, action: str, *args: Any) -> None:
        calls.append(action)
        if len(calls) == 1:
            raise TransactionCancelledError(set(), ["None", "TransactionConflict"])
        real(stale, action, *args)

    monkeypatch.setattr(leak_store, "expose", conflicting_once)
    assert report(project.api, [secret]).status == 202
    assert project.answer(secret)["code"] == "REVOKED"


def test_a_key_in_the_reports_own_words_reaches_no_audit_event_or_webhook(project: Limited) -> None:
    reported, secret = project.issue()
    _, bystander = project.issue()
    jwt = project.api.post(
        f"/v1/projects/{project.pid}/keys", {"name": "j", "type": "jwt", "role_id": project.role(["a"])}, as_user="ann"
    ).json["secret"]["key"]
    url = f"https://paste.example/raw?api_key={bystander}&t={jwt}"
    assert report(project.api, [secret], source_url=url, reporter=f"scanner {bystander}").status == 202
    (exposed,) = [e for e in project.audit() if e["action"] == "key.exposed"]
    assert exposed["target"]["id"] == reported["id"]
    text = json.dumps(exposed)
    assert bystander not in text and jwt not in text
    assert exposed["details"]["url"] == "https://paste.example/raw?api_key=kw_...&t=[a JWT key]"


def test_tokens_whose_checksum_fails_are_dropped_without_a_read(project: Limited) -> None:
    _, secret = project.issue()
    mistyped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    with aws_calls("dynamodb") as calls:
        reply = report(project.api, [mistyped, "kw_" + "0" * 34, "kwh_short", "eyJ.not.a.jwt"])
    assert reply.status == 202
    assert [c for c in calls if c != "UpdateItem"] == []  # only the report's count
    assert project.answer(secret)["code"] == "VALID"


def test_a_report_of_100_well_formed_keys_is_one_batched_read(project: Limited) -> None:
    with aws_calls("dynamodb") as calls:
        assert report(project.api, [generate() for _ in range(100)]).status == 202
    assert calls.count("BatchGetItem") == 1 and "GetItem" not in calls


def test_reports_are_rate_limited_per_source_address(project: Limited, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYWARDEN_LEAK_REPORTS_PER_MINUTE", "2")
    reset_settings()
    _, secret = project.issue()
    assert [report(project.api, [generate()]).status for _ in range(2)] == [202, 202]
    refused = report(project.api, [secret])
    assert refused.status == 429 and refused.code == "rate_limited"
    assert refused.headers["retry-after"] == "60"
    assert project.answer(secret)["code"] == "VALID"


@pytest.mark.parametrize(
    "body",
    [{}, {"keys": []}, {"keys": ["x"] * 101}, {"keys": "kw_x"}, {"keys": [1]}, {"keys": ["x" * 20481]}],
)
def test_a_malformed_report_is_422(project: Limited, body: dict[str, Any]) -> None:
    reply = project.api.post(REPORT, body)
    assert reply.status == 422, reply.body


def test_jwt_keys_are_reported_too_but_a_forged_jwt_and_an_hmac_token_name_nothing(project: Limited) -> None:
    hmac_key, token, hmac_secret = project.issue_hmac()
    jwt_key = project.api.post(
        f"/v1/projects/{project.pid}/keys", {"name": "j", "type": "jwt", "role_id": project.role(["a"])}, as_user="ann"
    ).json
    jwt = jwt_key["secret"]["key"]
    header, claims, _signature = jwt.split(".")
    forged_signature = base64.urlsafe_b64encode(bytes(64)).rstrip(b"=").decode()
    assert report(project.api, [f"{header}.{claims}.{forged_signature}"]).status == 202
    assert project.answer(jwt)["code"] == "VALID"

    assert report(project.api, [token, jwt]).status == 202
    assert project.answer(jwt)["code"] == "REVOKED"
    # An HMAC key's token travels in every signed request: whoever saw one must not be able to
    # revoke the key by reporting it. (Its secret, which never travels, has no pattern.)
    assert project.view(hmac_key["id"])["status"] == "active"
    assert report(project.api, [hmac_secret]).status == 202
    assert project.view(hmac_key["id"])["status"] == "active"


# --- GitHub's secret scanning partner endpoint ----------------------------------------------------


def test_a_signed_github_alert_revokes_our_keys_and_labels_every_token(
    project: Limited, github: GithubKeysServer
) -> None:
    key_id = github.add_key()
    key, secret = project.issue()
    stranger = generate()
    body, headers = alert(github, key_id, [secret, stranger, "ghp_notours"])
    reply = send(project.api, body, headers)
    assert reply.status == 200, reply.body
    assert reply.json == [
        {
            "token_hash": hashlib.sha256(secret.encode()).hexdigest(),
            "token_type": "keywarden_api_key",
            "label": "true_positive",
        },
        {
            "token_hash": hashlib.sha256(stranger.encode()).hexdigest(),
            "token_type": "keywarden_api_key",
            "label": "false_positive",
        },
        {
            "token_hash": hashlib.sha256(b"ghp_notours").hexdigest(),
            "token_type": "keywarden_api_key",
            "label": "false_positive",
        },
    ]
    assert project.answer(secret)["code"] == "REVOKED"
    (exposed,) = [e for e in project.audit() if e["action"] == "key.exposed"]
    assert exposed["details"]["source"] == "github" and exposed["details"]["url"] == "https://github.com/o/r/blob/x"
    # GitHub's retry of the same alert: still labelled, nothing more done.
    again = send(project.api, body, headers)
    assert again.status == 200 and again.json[0]["label"] == "true_positive"
    assert [e["action"] for e in project.audit()].count("key.exposed") == 1
    assert project.view(key["id"])["status"] == "revoked"


def test_a_forged_or_misattributed_github_alert_is_401_and_does_nothing(
    project: Limited, github: GithubKeysServer
) -> None:
    key_id = github.add_key()
    other_key_id = github.add_key()
    _, secret = project.issue()
    body, headers = alert(github, key_id, [secret])
    # Signed by another of the published keys, but named as this one.
    misattributed = headers | {"github-public-key-signature": github.sign(body, other_key_id)}
    # A genuine alert's body with another alert's signature.
    _, other_headers = alert(github, key_id, [generate()])
    replayed = headers | {"github-public-key-signature": other_headers["github-public-key-signature"]}
    # One byte of the body changed after signing.
    tampered = body.replace(b"commit", b"commis")
    for bad_body, bad_headers in (
        (body, misattributed),
        (body, replayed),
        (tampered, headers),
        (body, {"github-public-key-identifier": key_id}),
        (body, {}),
        (body, headers | {"github-public-key-signature": "not base64!"}),
    ):
        reply = send(project.api, bad_body, bad_headers)
        assert reply.status == 401 and reply.code == "unauthenticated", reply.body
        assert "www-authenticate" not in reply.headers
    assert project.answer(secret)["code"] == "VALID"


def test_an_unknown_key_id_is_fetched_once_and_then_refused(project: Limited, github: GithubKeysServer) -> None:
    github.add_key()
    unknown = github.add_key()
    body, headers = alert(github, unknown, [generate()])
    github.remove_key(unknown)
    assert send(project.api, body, headers).status == 401
    fetched = github.requests
    for _ in range(5):
        assert send(project.api, body, headers).status == 401
    assert github.requests == fetched <= 2


def test_github_keys_out_of_reach_are_a_refusal_not_an_error(project: Limited, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYWARDEN_GITHUB_KEYS_URL", "http://127.0.0.1:9/nothing-here")
    reset_settings()
    signature = base64.b64encode(b"\x30\x06\x02\x01\x01\x02\x01\x01").decode()
    reply = send(
        project.api, b"[]", {"github-public-key-identifier": "a" * 64, "github-public-key-signature": signature}
    )
    assert reply.status == 401, reply.body


def test_a_github_alert_over_the_size_limit_is_413(project: Limited, github: GithubKeysServer) -> None:
    key_id = github.add_key()
    body, headers = alert(github, key_id, ["x" * 1000] * 300)
    assert len(body) > 256 * 1024
    assert send(project.api, body, headers).status == 413


def test_a_signed_alert_that_is_not_githubs_shape_is_400_or_422(project: Limited, github: GithubKeysServer) -> None:
    key_id = github.add_key()
    for body, status in ((b"[not json", 400), (b'{"token": "x"}', 422), (b'[{"type": "t"}]', 422)):
        headers = {"github-public-key-identifier": key_id, "github-public-key-signature": github.sign(body, key_id)}
        assert send(project.api, body, headers).status == status


# --- what scanners read -------------------------------------------------------------------------


def test_the_well_known_document_says_where_to_report_and_matches_this_deployments_keys(
    project: Limited, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEYWARDEN_KEY_PREFIX", "acme")
    reset_settings()
    key, secret = project.issue()
    assert secret.startswith("acme_") and key["hint"].startswith("acme_")
    assert project.answer(secret)["code"] == "VALID"
    _, token, _ = project.issue_hmac()

    reply = project.api.get("/.well-known/keywarden-leaks.json", headers={"host": "keys.example.com"})
    assert reply.status == 200, reply.body
    document = reply.json
    assert document["report_url"].endswith("://keys.example.com/v1/leaks/report")
    assert document["github_url"].endswith("://keys.example.com/v1/leaks/github")
    assert "max-age" in reply.headers["cache-control"]
    patterns = [re.compile(p) for p in document["key_patterns"]]
    line = f"export API_KEY={secret} # and {token}"
    assert [m.group(0) for p in patterns for m in p.finditer(line)] == [secret]
    # Keys made before the prefix changed keep working, so scanners are told their pattern too.
    assert any(p.fullmatch(generate()) for p in patterns)
    # Reported, the deployment's own key is acted on.
    assert report(project.api, [secret]).status == 202
    assert project.answer(secret)["code"] == "REVOKED"


def test_a_new_prefix_keeps_old_keys_working_and_refuses_other_prefixes_offline(
    project: Limited, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, before = project.issue()
    monkeypatch.setenv("KEYWARDEN_KEY_PREFIX", "acme")
    reset_settings()
    _, after = project.issue()
    assert before.startswith("kw_") and after.startswith("acme_")
    assert [project.answer(k)["code"] for k in (before, after)] == ["VALID", "VALID"]
    # A well-formed key of another deployment (or a mistyped prefix) is refused before any read.
    with aws_calls("dynamodb") as calls:
        assert project.answer("acmf_" + after[5:])["code"] == "MALFORMED"
        assert project.answer(generate("other"))["code"] == "MALFORMED"
    assert [c for c in calls if c == "GetItem"] == []


def test_a_bad_key_prefix_setting_is_refused() -> None:
    from chalicelib.config import ConfigError, load_settings

    for bad in ("KW", "kwh", "kws", "k", "a" * 17, "1kw", "kw_"):
        with pytest.raises(ConfigError):
            load_settings({"KEYWARDEN_KEY_PREFIX": bad})
    assert load_settings({"KEYWARDEN_KEY_PREFIX": "acme2"}).key_prefix == "acme2"
    assert leak_cases.MAX_KEYS == 100
