"""Leaked keys (API.md, "Leaked keys") against the local stack over real HTTP: a report neutralizes
a live key within the cache bound of its answer, tells nothing about the keys it names, the
leaks document describes the stack's own keys, and GitHub's signed alerts revoke keys on a
stack of their own that fetches GitHub's keys from a local stand-in.

The issue's guarantee, printed (`pytest -s`) for quoting: from a report's answer to the first
REVOKED at /v1/keys/verify, measured here, is at most the cache bound (5 s).
"""

from __future__ import annotations

import hashlib
import json
import re
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.domain.opaque_keys import generate
from tests.e2e.conftest import STOP_TIMEOUT, JsonClient, LocalStack, assert_problem
from tests.e2e.test_sdk_fastapi_over_http import Project
from tests.github_keys_server import GithubKeysServer

CACHE_BOUND = 5.0
REPORT = "/v1/leaks/report"
GITHUB = "/v1/leaks/github"
FLOOR = 0.25  # KEYWARDEN_LEAK_REPORT_FLOOR_MS's default: every report's answer takes at least this


@pytest.fixture
def project(client: JsonClient, unique: str) -> Project:
    return Project(client, unique)


def code_of(project: Project, key: str) -> str:
    reply = project.client.post("/v1/keys/verify", {"key": key}, token=project.service_key)
    assert reply.status == 200, reply.body
    code: str = reply.body["code"]
    return code


def unknown_keys(count: int) -> list[str]:
    """Keys of this deployment's shape, checksums right (so the service looks them up), issued to no one."""
    return [generate() for _ in range(count)]


def timed_report(client: JsonClient, keys: list[str], **fields: Any) -> tuple[Any, float, float]:
    """The report's reply, how long it took, and when (monotonic) its answer arrived."""
    started = time.monotonic()
    reply = client.post(REPORT, {"keys": keys, **fields})  # no Authorization: the endpoint is open
    answered = time.monotonic()
    return reply, answered - started, answered


# --- the open report endpoint ------------------------------------------------------------------------


def test_a_reported_live_key_refuses_within_the_cache_bound_of_the_reports_answer(project: Project) -> None:
    key_id, key = project.issue("opaque", project.reader)
    assert code_of(project, key) == "VALID"  # the stack's cache now holds the key's record
    named = [*unknown_keys(99), key]

    reply, took, answered = timed_report(project.client, named, source_url="https://paste.example/p/1")

    assert (reply.status, reply.body) == (202, {"received": 100})
    while (code := code_of(project, key)) != "REVOKED":
        assert time.monotonic() - answered <= CACHE_BOUND + 1, f"still {code}"
        time.sleep(0.01)
    elapsed = time.monotonic() - answered
    print(f"\nleak report (100 keys, 1 live): answered in {took * 1000:.0f} ms, REVOKED {elapsed * 1000:.0f} ms after")
    assert elapsed <= CACHE_BOUND
    assert took >= FLOOR

    shown = project.client.get(f"/v1/projects/{project.pid}/keys/{key_id}", token=project.token).body
    assert shown["status"] == "revoked" and shown["exposed_at"] is not None
    audit = project.client.get(f"/v1/projects/{project.pid}/audit-events", token=project.token)
    assert audit.status == 200, audit.body
    exposed = [e for e in audit.body["items"] if e["action"] == "key.exposed"]
    assert [(e["actor"], e["target"]["id"]) for e in exposed] == [("system:leak-report", key_id)], exposed


def test_a_report_of_dead_keys_answers_as_a_report_of_a_live_one(project: Project) -> None:
    revoked_id, revoked = project.issue("opaque", project.reader)
    project.revoke(revoked_id)
    _, expired = project.issue("opaque", project.reader, ttl_seconds=1)
    time.sleep(2.1)  # expiries are whole seconds, rounded up
    dead = [revoked, expired, "kw_not-even-a-key", *unknown_keys(97)]
    _, live = project.issue("opaque", project.reader)

    dead_reply, dead_took, _ = timed_report(project.client, dead)
    live_reply, live_took, _ = timed_report(project.client, [*unknown_keys(99), live])

    for reply in (dead_reply, live_reply):
        assert (reply.status, reply.body, reply.content_type) == (202, {"received": 100}, "application/json")
    assert set(dead_reply.headers) - {"date", "x-request-id"} == set(live_reply.headers) - {"date", "x-request-id"}
    assert min(dead_took, live_took) >= FLOOR
    assert code_of(project, revoked) == "REVOKED" and code_of(project, expired) == "EXPIRED"
    assert code_of(project, live) == "REVOKED"


def test_a_report_is_bounded_and_validated_like_any_body(client: JsonClient) -> None:
    assert_problem(client.post(REPORT, {"keys": unknown_keys(101)}), 422, "validation_failed")
    assert_problem(client.post(REPORT, {"keys": []}), 422, "validation_failed")
    assert_problem(client.post(REPORT, {}), 422, "validation_failed")


def test_the_leaks_document_matches_the_keys_the_stack_issues(project: Project, stack_url: str) -> None:
    reply = project.client.get("/.well-known/keywarden-leaks.json")
    assert reply.status == 200, reply.body
    document = reply.body
    assert (document["report_url"], document["github_url"]) == (f"{stack_url}{REPORT}", f"{stack_url}{GITHUB}")
    assert "max-age" in reply.headers.get("cache-control", "")
    patterns = [re.compile(p) for p in document["key_patterns"]]

    _, opaque = project.issue("opaque", project.reader)
    _, jwt_key = project.issue("jwt", project.reader)
    _, hmac = project.issue("hmac", project.reader)
    for key in (opaque, jwt_key):
        in_text = f"config = {{'api_key': '{key}'}}  # committed by mistake"
        found = [m.group(0) for p in patterns for m in p.finditer(in_text)]
        assert found == [key], (key, found)
    # An HMAC key's token travels in every signed request (no secret: not reported); its secret has no shape.
    assert not any(p.search(hmac["token"]) or p.search(hmac["secret"]) for p in patterns)
    assert not any(p.search("kw_" + "a" * 20) for p in patterns)


# --- GitHub's secret scanning, on a stack that fetches GitHub's keys from a local server -------------


@pytest.fixture(scope="module")
def github() -> Iterator[GithubKeysServer]:
    """GitHub's keys, one published before the stack starts: the stack refetches the document
    for an unknown key id at most once a minute, so a key added later may not be seen."""
    with GithubKeysServer() as server:
        server.add_key()
        yield server


@pytest.fixture
def signer(github: GithubKeysServer) -> str:
    return next(iter(github.keys))


@pytest.fixture(scope="module")
def github_stack(github: GithubKeysServer) -> Iterator[JsonClient]:
    """A stack of its own whose KEYWARDEN_GITHUB_KEYS_URL is the local stand-in for GitHub."""
    stack = LocalStack(env={"KEYWARDEN_GITHUB_KEYS_URL": github.url})
    try:
        yield JsonClient(stack.wait_ready())
        code, _ = stack.stop(signal.SIGTERM, STOP_TIMEOUT)
        assert code == 0, stack.output()
    finally:
        stack.kill()


def alert(github: GithubKeysServer, signer: str, tokens: list[str]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        [
            {"token": t, "type": "keywarden_api_key", "url": "https://github.com/o/r/blob/x", "source": "commit"}
            for t in tokens
        ]
    ).encode()
    return body, {"Github-Public-Key-Identifier": signer, "Github-Public-Key-Signature": github.sign(body, signer)}


def send(client: JsonClient, body: bytes, headers: dict[str, str]) -> Any:
    return client.request("POST", GITHUB, data=body, headers=headers)


def test_a_signed_github_alert_revokes_the_key_and_labels_each_token(
    github_stack: JsonClient, github: GithubKeysServer, signer: str, unique: str
) -> None:
    project = Project(github_stack, unique)
    _, key = project.issue("opaque", project.reader)
    assert code_of(project, key) == "VALID"
    stranger = unknown_keys(1)[0]

    body, headers = alert(github, signer, [key, stranger])
    reply = send(github_stack, body, headers)

    assert reply.status == 200, reply.body
    assert reply.body == [
        {
            "token_hash": hashlib.sha256(key.encode()).hexdigest(),
            "token_type": "keywarden_api_key",
            "label": "true_positive",
        },
        {
            "token_hash": hashlib.sha256(stranger.encode()).hexdigest(),
            "token_type": "keywarden_api_key",
            "label": "false_positive",
        },
    ]
    assert code_of(project, key) == "REVOKED"
    # GitHub retries: the same alert again labels the key a true positive and acts no more.
    again = send(github_stack, body, headers)
    assert again.status == 200 and again.body[0]["label"] == "true_positive"


def test_a_forged_github_alert_is_401_and_changes_nothing(
    github_stack: JsonClient, github: GithubKeysServer, signer: str, unique: str
) -> None:
    project = Project(github_stack, unique)
    _, key = project.issue("opaque", project.reader)
    body, headers = alert(github, signer, [key])

    tampered = body.replace(b"commit", b"commjt")  # the signature no longer covers the body
    assert_problem(send(github_stack, tampered, headers), 401, "unauthenticated")
    unpublished = GithubKeysServer()  # a key GitHub never published, with an id that is
    try:
        stolen_id = unpublished.add_key(key_id=signer)
        forged = {**headers, "Github-Public-Key-Signature": unpublished.sign(body, stolen_id)}
    finally:
        unpublished.stop()
    assert_problem(send(github_stack, body, forged), 401, "unauthenticated")
    unknown = {**headers, "Github-Public-Key-Identifier": "0" * 64}
    assert_problem(send(github_stack, body, unknown), 401, "unauthenticated")
    assert_problem(send(github_stack, body, {}), 401, "unauthenticated")

    assert code_of(project, key) == "VALID"
