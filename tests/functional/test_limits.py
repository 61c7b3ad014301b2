"""Rate limits and credits on keys (API.md, "Limits"): what a project's servers see when they verify."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.conftest import Api, Reply
from tests.functional.test_verify import Project


class Limited(Project):
    def verify_with(self, key: str, **fields: Any) -> Reply:
        reply = self.api.post(
            "/v1/keys/verify", {"key": key, **fields}, headers={"authorization": f"Bearer {self.service_key}"}
        )
        return reply


@pytest.fixture
def project(api: Api) -> Limited:
    return Limited(api)


def test_credits_are_spent_one_per_verification_and_then_refused(project: Limited) -> None:
    _, key = project.issue(credits={"remaining": 2})
    first = project.verify_with(key)
    assert first.json["code"] == "VALID" and first.json["credits"] == {"remaining": 1}
    assert project.verify_with(key).json["credits"] == {"remaining": 0}
    refused = project.verify_with(key)
    assert refused.json["valid"] is False and refused.json["code"] == "USAGE_EXCEEDED"
    assert refused.json["credits"] == {"remaining": 0}


def test_a_rate_limit_refuses_past_its_limit_with_when_it_resets(project: Limited) -> None:
    _, key = project.issue(ratelimits=[{"name": "requests", "limit": 2, "duration_seconds": 3600}])
    answers = [project.verify_with(key).json for _ in range(3)]
    assert [a["code"] for a in answers] == ["VALID", "VALID", "RATE_LIMITED"]
    assert [a["ratelimits"][0]["remaining"] for a in answers] == [1, 0, 0]
    assert answers[2]["reset_at"] == answers[2]["ratelimits"][0]["reset_at"]
