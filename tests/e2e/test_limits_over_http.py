"""The guarantees of rate limits and credits (issue 22), shown against the local stack over
real HTTP with concurrent verifications: never more accepted than a limit allows, never a
credit below zero, and exactly the starting credits spent when every request is accepted."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from typing import Any

from tests.e2e.conftest import JsonClient, Reply
from tests.e2e.test_concurrency_over_http import Setup, burst


class Limits(Setup):
    def __init__(self, client: JsonClient, unique: str) -> None:
        super().__init__(client, unique)
        self.secret_key = self.service_key()

    def issue(self, **limits: Any) -> tuple[str, str]:
        created = self.post("keys", {"name": "metered", "type": "opaque", "role_id": self.role_id, **limits})
        assert created.status == 201, created.body
        return created.body["key"]["id"], created.body["secret"]["key"]

    def check(self, key: str, **fields: Any) -> Reply:
        reply = self.client.post(
            "/v1/keys/verify", {"key": key, **fields}, headers={"Authorization": f"Bearer {self.secret_key}"}
        )
        assert reply.status == 200, reply.body
        return reply

    def remaining(self, key_id: str) -> int:
        key = self.client.get(f"/v1/projects/{self.pid}/keys/{key_id}", token=self.token)
        assert key.status == 200, key.body
        remaining: int = key.body["credits"]["remaining"]
        return remaining


def codes(replies: list[Reply]) -> Counter[str]:
    return Counter(r.body["code"] for r in replies)


def test_100_credits_and_300_concurrent_verifications_accept_exactly_100(client: JsonClient, unique: str) -> None:
    setup = Limits(client, unique)
    key_id, key = setup.issue(credits={"remaining": 100})
    replies = burst([lambda: setup.check(key) for _ in range(300)], workers=30)
    assert codes(replies) == {"VALID": 100, "USAGE_EXCEEDED": 200}
    assert all(r.body["credits"]["remaining"] >= 0 for r in replies)
    assert setup.remaining(key_id) == 0


def test_a_cost_of_3_from_100_credits_accepts_33_and_leaves_1(client: JsonClient, unique: str) -> None:
    setup = Limits(client, unique)
    key_id, key = setup.issue(credits={"remaining": 100})
    replies = burst([lambda: setup.check(key, cost=3) for _ in range(300)], workers=30)
    assert codes(replies) == {"VALID": 33, "USAGE_EXCEEDED": 267}
    assert setup.remaining(key_id) == 1


def test_a_limit_of_50_takes_exactly_50_of_200_concurrent_and_the_next_window_accepts_again(
    client: JsonClient, unique: str
) -> None:
    setup = Limits(client, unique)
    _, key = setup.issue(ratelimits=[{"name": "burst", "limit": 50, "duration_seconds": 20}])
    # Start just after a window opens, so that the whole burst falls inside one window.
    time.sleep(20 - time.time() % 20 + 0.05)
    replies = burst([lambda: setup.check(key) for _ in range(200)], workers=30)
    assert codes(replies) == {"VALID": 50, "RATE_LIMITED": 150}
    resets = {r.body["reset_at"] for r in replies if r.body["code"] == "RATE_LIMITED"}
    assert len(resets) == 1
    time.sleep(20 - time.time() % 20 + 0.05)
    assert setup.check(key).body["code"] == "VALID"


def test_a_refused_request_charges_no_other_limit(client: JsonClient, unique: str) -> None:
    setup = Limits(client, unique)
    _, key = setup.issue(
        ratelimits=[
            {"name": "wide", "limit": 100, "duration_seconds": 3600},
            {"name": "narrow", "limit": 3, "duration_seconds": 3600},
        ],
        credits={"remaining": 1000},
    )
    replies = burst([lambda: setup.check(key) for _ in range(20)], workers=10)
    assert codes(replies) == {"VALID": 3, "RATE_LIMITED": 17}
    after = setup.check(key, ratelimits=[{"name": "wide"}])
    # Only the 3 accepted were charged to `wide` (and to credits), plus this one.
    wide = next(r for r in after.body["ratelimits"] if r["name"] == "wide")
    assert (after.body["code"], wide["remaining"], after.body["credits"]["remaining"]) == ("VALID", 96, 996)


def test_a_request_refused_for_permissions_spends_no_credit_and_no_limit(client: JsonClient, unique: str) -> None:
    setup = Limits(client, unique)
    key_id, key = setup.issue(
        ratelimits=[{"name": "burst", "limit": 5, "duration_seconds": 3600}], credits={"remaining": 10}
    )
    refused = burst([lambda: setup.check(key, permissions=["orders:write"]) for _ in range(20)], workers=10)
    assert codes(refused) == {"INSUFFICIENT_PERMISSIONS": 20}
    assert setup.remaining(key_id) == 10
    accepted = setup.check(key)
    assert accepted.body["ratelimits"][0]["remaining"] == 4


def test_revoked_and_expired_keys_never_spend(client: JsonClient, unique: str) -> None:
    setup = Limits(client, unique)
    revoked_id, revoked = setup.issue(credits={"remaining": 10})
    assert client.delete(f"/v1/projects/{setup.pid}/keys/{revoked_id}", token=setup.token).status == 204
    expiring_id, expiring = setup.issue(credits={"remaining": 10}, ttl_seconds=1)
    expires_at = client.get(f"/v1/projects/{setup.pid}/keys/{expiring_id}", token=setup.token).body["expires_at"]
    # Whole seconds, rounded up: up to 2 s from now.
    time.sleep(max(0.0, datetime.fromisoformat(expires_at).timestamp() - time.time()) + 0.2)
    replies = burst(
        [lambda: setup.check(revoked) for _ in range(10)] + [lambda: setup.check(expiring) for _ in range(10)]
    )
    assert codes(replies) == {"REVOKED": 10, "EXPIRED": 10}
    assert setup.remaining(revoked_id) == 10 and setup.remaining(expiring_id) == 10


def test_an_identitys_limit_holds_across_its_three_keys(client: JsonClient, unique: str) -> None:
    setup = Limits(client, unique)
    created = setup.post(
        "identities",
        {"external_id": f"cus-{unique}", "ratelimits": [{"name": "shared", "limit": 30, "duration_seconds": 3600}]},
    )
    assert created.status == 201, created.body
    secrets = [setup.issue(identity_id=created.body["id"])[1] for _ in range(3)]
    replies = burst([lambda key=key: setup.check(key) for _ in range(50) for key in secrets], workers=30)
    assert codes(replies) == {"VALID": 30, "RATE_LIMITED": 120}
    by_key = Counter(r.body["key_id"] for r in replies if r.body["code"] == "VALID")
    assert len(by_key) == 3, by_key  # every key took part, and together they took 30
