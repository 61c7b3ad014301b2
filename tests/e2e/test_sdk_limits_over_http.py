"""The SDK's `Verifier` and keys with limits (issue 22): each use is charged by the service,
never answered from a kept answer or offline, whatever the key's kind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from keywarden import Verifier

from tests.e2e.conftest import JsonClient
from tests.e2e.test_sdk_fastapi_over_http import Project
from tests.e2e.test_sdk_verifier_over_http import Switchable


@pytest.fixture
def project(client: JsonClient, unique: str) -> Project:
    return Project(client, unique)


@pytest.fixture
def network() -> Switchable:
    return Switchable()


@pytest.fixture
def verifier(stack_url: str, project: Project, network: Switchable) -> Iterator[Verifier]:
    with Verifier(stack_url, project.service_key, transport=network) as running:
        yield running


@pytest.mark.parametrize("kind", ["opaque", "jwt"])
def test_every_use_of_a_key_with_credits_is_charged_by_the_service(
    kind: str, project: Project, verifier: Verifier, network: Switchable
) -> None:
    _, key = project.issue(kind, project.reader, credits={"remaining": 3})
    answers = [verifier.verify(key, ["orders:read"]) for _ in range(4)]
    assert [a.code for a in answers] == ["VALID", "VALID", "VALID", "USAGE_EXCEEDED"]
    assert [a.credits_remaining for a in answers] == [2, 1, 0, 0]
    assert not any(a.offline for a in answers)
    assert network.calls["/v1/keys/verify"] == 4


def test_a_key_without_limits_is_still_answered_from_the_kept_answer(
    project: Project, verifier: Verifier, network: Switchable
) -> None:
    _, key = project.issue("opaque", project.reader)
    answers = [verifier.verify(key) for _ in range(3)]
    assert [a.valid for a in answers] == [True, True, True] and answers[-1].offline
    assert network.calls["/v1/keys/verify"] == 1


def test_cost_and_named_limits_reach_the_service(project: Project, verifier: Verifier) -> None:
    _, key = project.issue(
        "opaque",
        project.reader,
        ratelimits=[{"name": "search", "limit": 10, "duration_seconds": 3600, "auto_apply": False}],
        credits={"remaining": 100},
    )
    answer = verifier.verify(key, cost=5, ratelimits={"search": 4})
    assert answer.valid and answer.credits_remaining == 95
    assert [(r.name, r.remaining) for r in answer.ratelimits] == [("search", 6)]
    refused = verifier.verify(key, ratelimits={"search": 7})
    assert refused.code == "RATE_LIMITED" and refused.reset_at is not None
