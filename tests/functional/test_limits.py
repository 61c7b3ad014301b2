"""Rate limits and credits on keys (API.md, "Limits"): what a project's servers see when they verify."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from chalicelib import cache
from tests.functional.conftest import Api, Reply
from tests.functional.test_hmac_keys import HmacProject, sign
from tests.functional.test_jwt_keys import JwtProject
from tests.functional.test_usage import observed, rollup
from tests.functional.test_webhooks import Receiver, dispatch, serving, verified

LIMIT_EVENTS = ["key.credits_low", "key.credits_exhausted", "key.rate_limited"]


class Limited(HmacProject):
    """A project (ann owns it; dev is a developer, vic a viewer) whose keys carry limits."""

    def __init__(self, api: Api) -> None:
        super().__init__(api, owner="ann", dev="developer", vic="viewer")

    def verify_with(self, key: str, **fields: Any) -> Reply:
        reply = self.api.post(
            "/v1/keys/verify", {"key": key, **fields}, headers={"authorization": f"Bearer {self.service_key}"}
        )
        return reply

    def answer(self, key: str, **fields: Any) -> dict[str, Any]:
        """A verification's answer, checked to be a 200 whose `valid` agrees with its code."""
        reply = self.verify_with(key, **fields)
        assert reply.status == 200, reply.body
        body: dict[str, Any] = reply.json
        assert body["valid"] is (body["code"] == "VALID"), body
        return body

    def codes(self, key: str, times: int, **fields: Any) -> list[str]:
        return [self.answer(key, **fields)["code"] for _ in range(times)]

    def key_path(self, key_id: str, rest: str = "") -> str:
        return f"/v1/projects/{self.pid}/keys/{key_id}{rest}"

    def view(self, key_id: str) -> dict[str, Any]:
        reply = self.api.get(self.key_path(key_id), as_user=self.owner)
        assert reply.status == 200, reply.body
        found: dict[str, Any] = reply.json
        return found

    def listed(self, key_id: str) -> dict[str, Any]:
        reply = self.api.get(f"/v1/projects/{self.pid}/keys?limit=100", as_user=self.owner)
        assert reply.status == 200, reply.body
        (found,) = [k for k in reply.json["items"] if k["id"] == key_id]
        return dict(found)

    def remaining(self, key_id: str) -> int:
        """The key's balance as GET shows it (and as the list shows it: the same)."""
        credits = self.view(key_id)["credits"]
        assert credits is not None
        assert self.listed(key_id)["credits"] == credits
        value: int = credits["remaining"]
        return value

    def patch(self, key_id: str, changes: dict[str, Any]) -> Reply:
        return self.api.patch(self.key_path(key_id), changes, as_user=self.owner)

    def change_credits(self, key_id: str, op: str, value: Any, as_user: str = "ann") -> Reply:
        return self.api.post(self.key_path(key_id, "/credits"), {"op": op, "value": value}, as_user=as_user)

    def revoke(self, key_id: str) -> None:
        assert self.api.delete(self.key_path(key_id), as_user=self.owner).status == 204

    def introspect(self, token: str) -> dict[str, Any]:
        reply = self.api.request(
            "POST",
            "/v1/oauth/introspect",
            body=urlencode({"token": token}),
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "authorization": f"Bearer {self.service_key}",
            },
        )
        assert reply.status == 200, reply.body
        body: dict[str, Any] = reply.json
        return body

    def audit(self) -> list[dict[str, Any]]:
        reply = self.api.get(f"/v1/projects/{self.pid}/audit-events?limit=100", as_user=self.owner)
        assert reply.status == 200, reply.body
        items: list[dict[str, Any]] = reply.json["items"]
        return items


@pytest.fixture
def project(api: Api) -> Limited:
    return Limited(api)


class Clock:
    """The service's clock where limits read it (verification, key views, key changes), set by the test."""

    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at

    def set(self, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> float:
        self.at = datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()
        return self.at


def set_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A clock the test sets, read by verification, key views and key changes (now until set)."""
    moved = Clock(time.time())
    # Each module that imported `now` reads it under its own name.
    for module in ("chalicelib.services.verification", "chalicelib.api.keys", "chalicelib.services.keys"):
        monkeypatch.setattr(f"{module}.now", moved)
    return moved


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return set_clock(monkeypatch)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving() as running:
        yield running


def rfc3339(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


HOUR = {"duration_seconds": 3600}


# --- the key as members see it ------------------------------------------------------------------


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


def test_a_key_created_with_limits_shows_them(project: Limited) -> None:
    ratelimits = [
        {"name": "requests", "limit": 100, "duration_seconds": 60},
        {"name": "bulk.export", "limit": 5, "duration_seconds": 86_400, "auto_apply": False},
    ]
    refill = {"amount": 1000, "interval": "month", "day_of_month": 15}
    created = project.api.post(
        f"/v1/projects/{project.pid}/keys",
        {
            "name": "metered",
            "type": "opaque",
            "role_id": project.role(["orders:read"]),
            "ratelimits": ratelimits,
            "credits": {"remaining": 250, "refill": refill, "notify_below": 10},
        },
        as_user="ann",
    )
    assert created.status == 201, created.body
    key = created.json["key"]
    expected_limits = [ratelimits[0] | {"auto_apply": True}, ratelimits[1]]
    assert key["ratelimits"] == expected_limits
    assert key["credits"] == {"remaining": 250, "refill": refill, "notify_below": 10}
    assert project.view(key["id"]) == key
    assert project.listed(key["id"]) == key

    # Credits without refill or threshold show them as null; a key without limits has none.
    plain, _ = project.issue(credits={"remaining": 3})
    assert plain["credits"] == {"remaining": 3, "refill": None, "notify_below": None}
    assert plain["ratelimits"] == []
    unlimited, _ = project.issue()
    assert (unlimited["ratelimits"], unlimited["credits"]) == ([], None)
    assert project.view(unlimited["id"])["credits"] is None


def test_get_and_list_show_the_balance_after_verifications(project: Limited) -> None:
    key, secret = project.issue(credits={"remaining": 10})
    other, _ = project.issue(credits={"remaining": 7})
    assert project.codes(secret, 3) == ["VALID"] * 3
    assert project.answer(secret, cost=4)["credits"] == {"remaining": 3}
    assert project.remaining(key["id"]) == 3
    assert project.remaining(other["id"]) == 7
    assert project.answer(secret, cost=5)["code"] == "USAGE_EXCEEDED"
    assert project.remaining(key["id"]) == 3


# --- changing limits --------------------------------------------------------------------------


def test_patch_ratelimits_replaces_them_and_an_empty_list_removes_them(project: Limited, clock: Clock) -> None:
    clock.set(2027, 6, 10, 12)  # one window throughout
    key, secret = project.issue(ratelimits=[{"name": "a", "limit": 1, **HOUR}])
    assert project.codes(secret, 2) == ["VALID", "RATE_LIMITED"]

    changed = project.patch(key["id"], {"ratelimits": [{"name": "b", "limit": 3, **HOUR}]})
    assert changed.status == 200, changed.body
    assert changed.json["ratelimits"] == [{"name": "b", "limit": 3, **HOUR, "auto_apply": True}]
    assert project.view(key["id"])["ratelimits"] == changed.json["ratelimits"]
    answers = [project.answer(secret) for _ in range(4)]
    assert [a["code"] for a in answers] == ["VALID", "VALID", "VALID", "RATE_LIMITED"]
    assert [[(r["name"], r["remaining"]) for r in a["ratelimits"]] for a in answers] == [
        [("b", 2)],
        [("b", 1)],
        [("b", 0)],
        [("b", 0)],
    ]
    # "a" is gone: naming it is naming a limit the key does not have.
    assert project.verify_with(secret, ratelimits=[{"name": "a"}]).status == 422

    removed = project.patch(key["id"], {"ratelimits": []})
    assert removed.status == 200, removed.body
    assert removed.json["ratelimits"] == [] and project.view(key["id"])["ratelimits"] == []
    for answer in [project.answer(secret) for _ in range(5)]:
        assert answer["code"] == "VALID" and "ratelimits" not in answer and "credits" not in answer


def test_patch_credits_sets_the_balance_and_null_makes_the_key_unlimited(project: Limited) -> None:
    key, secret = project.issue(credits={"remaining": 5, "notify_below": 2})
    assert project.codes(secret, 2) == ["VALID", "VALID"]
    assert project.remaining(key["id"]) == 3

    reset = project.patch(key["id"], {"credits": {"remaining": 10}})
    assert reset.status == 200, reset.body
    assert reset.json["credits"] == {"remaining": 10, "refill": None, "notify_below": None}
    assert project.answer(secret)["credits"] == {"remaining": 9}
    assert project.remaining(key["id"]) == 9

    # Down to zero, then unlimited: no credits in the answer, never USAGE_EXCEEDED.
    assert project.patch(key["id"], {"credits": {"remaining": 0}}).status == 200
    assert project.answer(secret)["code"] == "USAGE_EXCEEDED"
    unlimited = project.patch(key["id"], {"credits": None})
    assert unlimited.status == 200, unlimited.body
    assert unlimited.json["credits"] is None and project.view(key["id"])["credits"] is None
    for answer in [project.answer(secret, cost=10_000) for _ in range(20)]:
        assert answer["code"] == "VALID" and "credits" not in answer

    # Credits again: the balance given, not what was there before.
    again = project.patch(key["id"], {"credits": {"remaining": 2}})
    assert again.status == 200 and again.json["credits"]["remaining"] == 2
    assert project.codes(secret, 3) == ["VALID", "VALID", "USAGE_EXCEEDED"]


def test_patch_of_one_limit_keeps_the_other(project: Limited, clock: Clock) -> None:
    clock.set(2027, 6, 10, 12)  # one window throughout
    key, secret = project.issue(ratelimits=[{"name": "a", "limit": 3, **HOUR}], credits={"remaining": 5})
    assert project.codes(secret, 2) == ["VALID", "VALID"]
    # New rate limits leave the balance as it is...
    assert project.patch(key["id"], {"ratelimits": [{"name": "a", "limit": 10, **HOUR}]}).status == 200
    assert project.remaining(key["id"]) == 3
    # ...and the count of a limit that stays: 2 of 10 spent in this window, this is the third.
    answer = project.answer(secret)
    assert [(r["name"], r["limit"], r["remaining"]) for r in answer["ratelimits"]] == [("a", 10, 7)]
    assert answer["credits"] == {"remaining": 2}
    assert project.remaining(key["id"]) == 2
    # New credits leave the rate limits as they are.
    assert project.patch(key["id"], {"credits": {"remaining": 50}}).status == 200
    view = project.view(key["id"])
    assert view["ratelimits"] == [{"name": "a", "limit": 10, **HOUR, "auto_apply": True}]
    after = project.answer(secret)
    assert after["credits"] == {"remaining": 49}
    assert [(r["name"], r["remaining"]) for r in after["ratelimits"]] == [("a", 6)]


def test_the_limits_of_a_revoked_key_cannot_be_changed(project: Limited) -> None:
    key, secret = project.issue(ratelimits=[{"name": "a", "limit": 3, **HOUR}], credits={"remaining": 5})
    project.revoke(key["id"])
    attempts: list[dict[str, Any]] = [
        {"ratelimits": []},
        {"ratelimits": [{"name": "b", "limit": 1, **HOUR}]},
        {"credits": {"remaining": 100}},
        {"credits": None},
    ]
    for changes in attempts:
        reply = project.patch(key["id"], changes)
        assert (reply.status, reply.code) == (409, "conflict"), (changes, reply.body)
    view = project.view(key["id"])
    assert view["ratelimits"] == [{"name": "a", "limit": 3, **HOUR, "auto_apply": True}]
    assert view["credits"]["remaining"] == 5
    assert project.answer(secret)["code"] == "REVOKED"


# --- POST .../keys/{key_id}/credits -------------------------------------------------------------


def test_credits_are_set_incremented_and_decremented(project: Limited) -> None:
    key, secret = project.issue(credits={"remaining": 5})

    def change(op: str, value: int) -> int:
        reply = project.change_credits(key["id"], op, value)
        assert reply.status == 200, reply.body
        assert set(reply.json) == {"remaining"}
        remaining: int = reply.json["remaining"]
        return remaining

    assert change("set", 10) == 10
    assert project.answer(secret)["credits"] == {"remaining": 9}
    assert change("increment", 6) == 15
    assert change("decrement", 4) == 11
    assert project.remaining(key["id"]) == 11
    assert change("decrement", 1000) == 0  # never below zero
    assert project.remaining(key["id"]) == 0
    assert project.answer(secret)["code"] == "USAGE_EXCEEDED"
    assert change("increment", 2) == 2
    assert project.codes(secret, 3) == ["VALID", "VALID", "USAGE_EXCEEDED"]
    assert change("set", 0) == 0
    assert change("decrement", 0) == 0
    assert project.answer(secret, cost=0)["code"] == "VALID"

    changes = [e for e in project.audit() if e["action"] == "key.credits_changed"]
    # Newest first: every change, by whom, of which key, with what.
    assert [e["details"] for e in changes] == [
        {"op": "decrement", "value": 0},
        {"op": "set", "value": 0},
        {"op": "increment", "value": 2},
        {"op": "decrement", "value": 1000},
        {"op": "decrement", "value": 4},
        {"op": "increment", "value": 6},
        {"op": "set", "value": 10},
    ]
    assert all(e["actor"] == "ann" and key["id"] in str(e["target"]) for e in changes)


def test_a_credit_change_repeated_with_its_idempotency_key_applies_once(project: Limited) -> None:
    key, _ = project.issue(credits={"remaining": 5})
    path = project.key_path(key["id"], "/credits")
    headers = {"idempotency-key": "top-up-1"}
    first = project.api.post(path, {"op": "increment", "value": 3}, as_user="ann", headers=headers)
    again = project.api.post(path, {"op": "increment", "value": 3}, as_user="ann", headers=headers)
    assert (first.status, first.json, again.status, again.json) == (200, {"remaining": 8}, 200, {"remaining": 8})
    other = project.api.post(path, {"op": "increment", "value": 4}, as_user="ann", headers=headers)
    assert (other.status, other.code) == (422, "idempotency_key_reused")
    assert project.remaining(key["id"]) == 8
    assert len([e for e in project.audit() if e["action"] == "key.credits_changed"]) == 1


def test_credits_of_an_unlimited_or_revoked_key_cannot_be_changed(project: Limited) -> None:
    unlimited, _ = project.issue()
    for op in ("set", "increment", "decrement"):
        reply = project.change_credits(unlimited["id"], op, 5)
        assert (reply.status, reply.code) == (409, "conflict"), reply.body
    assert project.view(unlimited["id"])["credits"] is None

    revoked, _ = project.issue(credits={"remaining": 5})
    project.revoke(revoked["id"])
    for op in ("set", "increment", "decrement"):
        reply = project.change_credits(revoked["id"], op, 1)
        assert (reply.status, reply.code) == (409, "conflict"), reply.body
    assert project.view(revoked["id"])["credits"]["remaining"] == 5
    assert not [e for e in project.audit() if e["action"] == "key.credits_changed"]


def test_only_those_who_manage_keys_change_credits(project: Limited) -> None:
    key, _ = project.issue(credits={"remaining": 5})
    for user in ("dev", "vic"):
        reply = project.change_credits(key["id"], "set", 100, as_user=user)
        assert (reply.status, reply.code) == (403, "forbidden"), (user, reply.body)
    outsider = project.change_credits(key["id"], "set", 100, as_user="mallory")
    assert (outsider.status, outsider.code) == (404, "not_found")
    missing = project.change_credits("key_00000000000000000000000000", "set", 1)
    assert (missing.status, missing.code) == (404, "not_found")
    assert project.remaining(key["id"]) == 5
    assert not [e for e in project.audit() if e["action"] == "key.credits_changed"]


# --- what a verification asks for ----------------------------------------------------------------


def test_a_cost_of_zero_spends_nothing_and_still_answers(project: Limited) -> None:
    key, secret = project.issue(credits={"remaining": 1})
    for _ in range(3):
        answer = project.answer(secret, cost=0)
        assert (answer["code"], answer["credits"]) == ("VALID", {"remaining": 1})
    assert project.answer(secret)["credits"] == {"remaining": 0}
    # Even from an empty balance: 0 is not less than 0.
    empty = project.answer(secret, cost=0)
    assert (empty["code"], empty["credits"]) == ("VALID", {"remaining": 0})
    assert project.remaining(key["id"]) == 0


def test_a_cost_above_the_balance_is_refused_and_spends_nothing(project: Limited, clock: Clock) -> None:
    clock.set(2027, 6, 10, 12, 0, 0)
    key, secret = project.issue(credits={"remaining": 5}, ratelimits=[{"name": "a", "limit": 2, **HOUR}])
    for _ in range(3):
        refused = project.answer(secret, cost=6)
        assert (refused["code"], refused["credits"]) == ("USAGE_EXCEEDED", {"remaining": 5})
        assert "reset_at" not in refused
    assert project.remaining(key["id"]) == 5
    # Nor were the rate limit's counts charged for the refusals: 2 of 2 left before this one.
    assert project.answer(secret, cost=5)["ratelimits"][0]["remaining"] == 1
    assert project.answer(secret, cost=1)["code"] == "USAGE_EXCEEDED"
    assert project.remaining(key["id"]) == 0


def test_a_verification_charges_the_limits_it_names_and_only_those(project: Limited, clock: Clock) -> None:
    clock.set(2027, 6, 10, 12, 0, 0)
    _, secret = project.issue(
        ratelimits=[
            {"name": "a", "limit": 2, **HOUR},
            {"name": "b", "limit": 1, **HOUR, "auto_apply": False},
            {"name": "c", "limit": 4, **HOUR},
        ]
    )

    def left(answer: dict[str, Any]) -> dict[str, int]:
        return {r["name"]: r["remaining"] for r in answer["ratelimits"]}

    # By default every auto_apply limit, not "b".
    assert left(project.answer(secret)) == {"a": 1, "c": 3}
    # Named: only those, at their cost.
    named = project.answer(secret, ratelimits=[{"name": "b"}])
    assert (named["code"], left(named)) == ("VALID", {"b": 0})
    assert left(project.answer(secret, ratelimits=[{"name": "c", "cost": 2}])) == {"c": 1}
    assert left(project.answer(secret)) == {"a": 0, "c": 0}
    refused = project.answer(secret, ratelimits=[{"name": "b"}])
    assert (refused["code"], left(refused)) == ("RATE_LIMITED", {"b": 0})
    assert refused["reset_at"] == rfc3339(clock.at + 3600)
    # A cost of zero passes even a spent limit; an empty list applies none.
    assert project.answer(secret, ratelimits=[{"name": "a", "cost": 0}])["code"] == "VALID"
    free = project.answer(secret, ratelimits=[])
    assert free["code"] == "VALID" and "ratelimits" not in free


def test_rate_limits_refuse_together_and_charge_none_when_one_refuses(project: Limited, clock: Clock) -> None:
    clock.set(2027, 6, 10, 12, 0, 0)
    _, secret = project.issue(
        ratelimits=[{"name": "small", "limit": 1, **HOUR}, {"name": "big", "limit": 10, **HOUR}],
        credits={"remaining": 10},
    )
    assert project.answer(secret)["code"] == "VALID"
    for _ in range(3):
        refused = project.answer(secret)
        assert refused["code"] == "RATE_LIMITED"
        assert {r["name"]: r["remaining"] for r in refused["ratelimits"]} == {"small": 0, "big": 9}
    # Nothing was spent for the refusals: "big" has 9 left (this is its second), the credits 9.
    big = project.answer(secret, ratelimits=[{"name": "big"}])
    assert (big["code"], big["ratelimits"][0]["remaining"], big["credits"]) == ("VALID", 8, {"remaining": 8})


def test_a_rate_limit_is_checked_before_credits(project: Limited, clock: Clock) -> None:
    clock.set(2027, 6, 10, 12)  # one window throughout
    _, secret = project.issue(ratelimits=[{"name": "a", "limit": 1, **HOUR}], credits={"remaining": 1})
    assert project.answer(secret)["code"] == "VALID"
    assert project.answer(secret)["code"] == "RATE_LIMITED"


def test_an_unknown_limit_name_is_422_and_charges_nothing(project: Limited, clock: Clock) -> None:
    clock.set(2027, 6, 10, 12)  # one window throughout
    key, secret = project.issue(ratelimits=[{"name": "a", "limit": 2, **HOUR}], credits={"remaining": 3})
    for ratelimits in (
        [{"name": "nope"}],
        [{"name": "a"}, {"name": "nope"}],
        [{"name": "a", "cost": 1}, {"name": "z"}],
    ):
        reply = project.verify_with(secret, ratelimits=ratelimits)
        assert (reply.status, reply.code) == (422, "validation_failed"), reply.body
        assert reply.headers["content-type"].startswith("application/problem+json")
        assert "nope" in reply.body.decode() or "z" in reply.body.decode()
    assert project.remaining(key["id"]) == 3
    assert [r["remaining"] for r in project.answer(secret)["ratelimits"]] == [1]


# --- refills -------------------------------------------------------------------------------------


def test_a_monthly_refill_sets_the_balance_once_per_period(project: Limited, clock: Clock) -> None:
    # Refilled on the 31st: in February, on the 28th (2027 is not a leap year).
    clock.set(2027, 1, 31, 10)
    refill = {"amount": 3, "interval": "month", "day_of_month": 31}
    key, secret = project.issue(credits={"remaining": 5, "refill": refill})
    assert project.answer(secret)["credits"] == {"remaining": 4}

    clock.set(2027, 2, 27, 23, 59, 59)  # still January's period
    assert project.remaining(key["id"]) == 4

    clock.set(2027, 2, 28, 0, 0, 0)  # February's period: set to 3, not 4 + 3
    assert project.remaining(key["id"]) == 3  # a refill due is counted as done
    answers = [project.answer(secret) for _ in range(4)]
    assert [a["code"] for a in answers] == ["VALID", "VALID", "VALID", "USAGE_EXCEEDED"]
    assert [a["credits"]["remaining"] for a in answers] == [2, 1, 0, 0]

    # A server whose clock lags a second spends January's balance (4 left), no second refill.
    clock.set(2027, 2, 27, 23, 59, 59)
    assert project.answer(secret)["credits"] == {"remaining": 3}
    clock.set(2027, 2, 28, 0, 0, 1)
    assert project.answer(secret)["code"] == "USAGE_EXCEEDED"
    assert project.remaining(key["id"]) == 0

    # March's period starts on the 31st, not the 28th.
    clock.set(2027, 3, 30, 23, 59, 59)
    assert project.answer(secret)["code"] == "USAGE_EXCEEDED"
    clock.set(2027, 3, 31, 0, 0, 0)
    assert project.codes(secret, 4) == ["VALID", "VALID", "VALID", "USAGE_EXCEEDED"]


def test_a_daily_refill_sets_the_balance_at_midnight_utc(project: Limited, clock: Clock) -> None:
    clock.set(2027, 3, 10, 12)
    key, secret = project.issue(credits={"remaining": 2, "refill": {"amount": 2, "interval": "day"}})
    assert project.answer(secret)["credits"] == {"remaining": 1}

    clock.set(2027, 3, 11, 0, 0, 0)
    assert project.remaining(key["id"]) == 2
    assert project.codes(secret, 3) == ["VALID", "VALID", "USAGE_EXCEEDED"]

    clock.set(2027, 3, 10, 23, 59, 59)  # the day before: its last credit, once
    assert project.answer(secret)["credits"] == {"remaining": 0}
    assert project.answer(secret)["code"] == "USAGE_EXCEEDED"

    clock.set(2027, 3, 11, 23, 59, 59)
    assert project.answer(secret)["code"] == "USAGE_EXCEEDED"
    clock.set(2027, 3, 12, 0, 0, 0)
    assert project.codes(secret, 3) == ["VALID", "VALID", "USAGE_EXCEEDED"]


def test_credits_changed_by_hand_are_the_period_s_balance(project: Limited, clock: Clock) -> None:
    clock.set(2027, 3, 10, 12)
    key, secret = project.issue(credits={"remaining": 2, "refill": {"amount": 5, "interval": "day"}})
    reply = project.change_credits(key["id"], "increment", 10)
    assert reply.status == 200 and reply.json == {"remaining": 12}
    clock.set(2027, 3, 11, 1)
    # Before the new day's first use: the refill's amount, and an increment adds to it.
    assert project.change_credits(key["id"], "increment", 1).json == {"remaining": 6}
    assert project.answer(secret, cost=6)["credits"] == {"remaining": 0}


def test_the_next_window_accepts_again(project: Limited, clock: Clock) -> None:
    clock.set(2027, 6, 10, 12, 0, 0)
    _, secret = project.issue(ratelimits=[{"name": "per-minute", "limit": 2, "duration_seconds": 60}])
    assert project.codes(secret, 2) == ["VALID", "VALID"]
    refused = project.answer(secret)
    assert refused["code"] == "RATE_LIMITED"
    assert refused["reset_at"] == "2027-06-10T12:01:00Z"
    assert refused["ratelimits"] == [
        {"name": "per-minute", "limit": 2, "remaining": 0, "reset_at": "2027-06-10T12:01:00Z"}
    ]
    clock.set(2027, 6, 10, 12, 0, 59)
    assert project.answer(secret)["code"] == "RATE_LIMITED"
    clock.set(2027, 6, 10, 12, 1, 0)
    accepted = project.answer(secret)
    assert accepted["code"] == "VALID" and "reset_at" not in accepted
    assert accepted["ratelimits"] == [
        {"name": "per-minute", "limit": 2, "remaining": 1, "reset_at": "2027-06-10T12:02:00Z"}
    ]
    assert project.codes(secret, 2) == ["VALID", "RATE_LIMITED"]


# --- every way of verifying charges, refusals never do ---------------------------------------------


def test_hmac_verification_charges_the_key(project: Limited, clock: Clock) -> None:
    clock.set(2027, 6, 10, 12, 0, 0)
    key, token, secret = project.issue_hmac(
        ratelimits=[{"name": "a", "limit": 3, **HOUR}, {"name": "b", "limit": 1, **HOUR, "auto_apply": False}],
        credits={"remaining": 4},
    )

    def check(**fields: Any) -> dict[str, Any]:
        reply = project.check(sign(token, secret).as_json() | fields)
        assert reply.status == 200, reply.body
        body: dict[str, Any] = reply.json
        return body

    first = check()
    assert (first["code"], first["credits"]) == ("VALID", {"remaining": 3})
    assert [(r["name"], r["remaining"]) for r in first["ratelimits"]] == [("a", 2)]
    assert check(cost=0)["credits"] == {"remaining": 3}
    assert check(cost=4)["code"] == "USAGE_EXCEEDED"
    named = check(ratelimits=[{"name": "b"}], cost=2)
    assert (named["code"], [r["name"] for r in named["ratelimits"]], named["credits"]) == (
        "VALID",
        ["b"],
        {"remaining": 1},
    )
    assert check(ratelimits=[{"name": "b"}])["code"] == "RATE_LIMITED"
    assert check()["code"] == "VALID"  # "a": its third of three
    assert check()["code"] == "RATE_LIMITED"
    unknown = project.check(sign(token, secret).as_json() | {"ratelimits": [{"name": "zzz"}]})
    assert (unknown.status, unknown.code) == (422, "validation_failed")
    assert project.remaining(key["id"]) == 0


def test_introspection_charges_the_key_and_an_exhausted_key_is_inactive(project: Limited, clock: Clock) -> None:
    clock.set(2027, 6, 10, 12)  # one window throughout
    key, secret = project.issue(credits={"remaining": 2})
    assert project.introspect(secret)["active"] is True
    assert project.remaining(key["id"]) == 1
    assert project.introspect(secret)["active"] is True
    assert project.introspect(secret) == {"active": False}
    assert project.remaining(key["id"]) == 0
    assert project.answer(secret)["code"] == "USAGE_EXCEEDED"

    _, limited = project.issue(ratelimits=[{"name": "a", "limit": 1, **HOUR}])
    assert project.introspect(limited)["active"] is True
    assert project.introspect(limited) == {"active": False}
    assert project.answer(limited)["code"] == "RATE_LIMITED"


def test_a_jwt_key_is_charged_like_an_opaque_key(api: Api) -> None:
    project = JwtProject(api)
    key, token = project.issue_jwt(credits={"remaining": 1}, ratelimits=[{"name": "a", "limit": 5, **HOUR}])
    first = project.verify(token).json
    assert (first["code"], first["credits"], first["ratelimits"][0]["remaining"]) == ("VALID", {"remaining": 0}, 4)
    assert project.verify(token).json["code"] == "USAGE_EXCEEDED"
    assert api.get(project.key_path(key["id"]), as_user="ann").json["credits"]["remaining"] == 0


def test_revoked_and_expired_keys_never_spend(project: Limited, clock: Clock) -> None:
    clock.set(2027, 6, 10, 12, 0, 0)
    limits: dict[str, Any] = {"ratelimits": [{"name": "a", "limit": 10, **HOUR}], "credits": {"remaining": 3}}
    revoked, revoked_secret = project.issue(**limits)
    assert project.answer(revoked_secret)["code"] == "VALID"
    project.revoke(revoked["id"])
    for _ in range(3):
        answer = project.answer(revoked_secret)
        assert answer["code"] == "REVOKED" and "credits" not in answer and "ratelimits" not in answer
    assert project.remaining(revoked["id"]) == 2

    _, expiring_secret = project.issue(ttl_seconds=600, **limits)
    assert project.answer(expiring_secret)["code"] == "VALID"
    clock.at += 3600
    for _ in range(3):
        assert project.answer(expiring_secret)["code"] == "EXPIRED"
    clock.at -= 3600
    # Back before the expiry: 1 of 3 credits and 1 of 10 in the window were spent, no more.
    answer = project.answer(expiring_secret)
    assert answer["credits"] == {"remaining": 1}
    assert answer["ratelimits"][0]["remaining"] == 8

    # Nor do refusals for permissions.
    _, limited_secret = project.issue(["orders:read"], **limits)
    for _ in range(3):
        assert project.answer(limited_secret, permissions=["orders:write"])["code"] == "INSUFFICIENT_PERMISSIONS"
    assert project.answer(limited_secret)["credits"] == {"remaining": 2}


# --- notices ----------------------------------------------------------------------------------------


def subscribe(project: Limited, receiver: Receiver) -> str:
    """A webhook for the limit events, delivering to `receiver`; returns its signing secret."""
    reply = project.api.post(
        f"/v1/projects/{project.pid}/webhooks", {"url": receiver.url(), "events": LIMIT_EVENTS}, as_user="ann"
    )
    assert reply.status == 201, reply.body
    secret: str = reply.json["secret"]
    return secret


def received(receiver: Receiver, secret: str) -> dict[str, list[dict[str, Any]]]:
    """Every message the receiver got so far, verified, by type (after a round of the dispatcher)."""
    dispatch()
    grouped: dict[str, list[dict[str, Any]]] = {}
    for hit in receiver.hits:
        message = verified(hit, secret)
        grouped.setdefault(message["type"], []).append(message["data"])
    return grouped


def test_crossing_notify_below_and_running_out_are_announced_once(project: Limited, receiver: Receiver) -> None:
    secret = subscribe(project, receiver)
    key, key_secret = project.issue(credits={"remaining": 5, "notify_below": 3})
    assert [project.answer(key_secret)["credits"]["remaining"] for _ in range(2)] == [4, 3]
    assert received(receiver, secret) == {}  # 3 is not below 3

    assert project.answer(key_secret)["credits"] == {"remaining": 2}
    grouped = received(receiver, secret)
    assert list(grouped) == ["key.credits_low"]
    (low,) = grouped["key.credits_low"]
    assert low["key_id"] == key["id"] and low["project_id"] == project.pid
    assert (low["remaining"], low["notify_below"]) == (2, 3)

    assert project.codes(key_secret, 5) == ["VALID", "VALID", "USAGE_EXCEEDED", "USAGE_EXCEEDED", "USAGE_EXCEEDED"]
    grouped = received(receiver, secret)
    assert {t: len(m) for t, m in grouped.items()} == {"key.credits_low": 1, "key.credits_exhausted": 1}
    (exhausted,) = grouped["key.credits_exhausted"]
    assert exhausted["key_id"] == key["id"] and exhausted["remaining"] == 0


def test_a_cost_that_jumps_past_the_threshold_to_zero_announces_both(project: Limited, receiver: Receiver) -> None:
    secret = subscribe(project, receiver)
    _, key_secret = project.issue(credits={"remaining": 10, "notify_below": 5})
    assert project.answer(key_secret, cost=10)["credits"] == {"remaining": 0}
    grouped = received(receiver, secret)
    assert {t: len(m) for t, m in grouped.items()} == {"key.credits_low": 1, "key.credits_exhausted": 1}


def test_rate_limited_is_announced_once_per_window(project: Limited, receiver: Receiver, clock: Clock) -> None:
    secret = subscribe(project, receiver)
    clock.set(2027, 6, 10, 12, 0, 0)
    key, key_secret = project.issue(ratelimits=[{"name": "a", "limit": 1, "duration_seconds": 60}])
    assert project.answer(key_secret)["code"] == "VALID"
    assert received(receiver, secret) == {}
    assert project.codes(key_secret, 20) == ["RATE_LIMITED"] * 20
    # Another process, which never saw this window, refuses too: still one announcement.
    cache.window_counts.clear()
    cache.notices_sent.clear()
    assert project.codes(key_secret, 3) == ["RATE_LIMITED"] * 3
    grouped = received(receiver, secret)
    assert list(grouped) == ["key.rate_limited"]
    (first,) = grouped["key.rate_limited"]
    assert first["key_id"] == key["id"] and first["ratelimit"]["name"] == "a"
    assert first["reset_at"] == "2027-06-10T12:01:00Z"

    clock.set(2027, 6, 10, 12, 1, 0)
    assert project.codes(key_secret, 6) == ["VALID"] + ["RATE_LIMITED"] * 5
    grouped = received(receiver, secret)
    assert [m["reset_at"] for m in grouped["key.rate_limited"]] == ["2027-06-10T12:01:00Z", "2027-06-10T12:02:00Z"]
    assert list(grouped) == ["key.rate_limited"]


# --- usage ------------------------------------------------------------------------------------------


def test_refusals_for_limits_are_counted_in_usage(api: Api, project: Limited, clock: Clock) -> None:
    clock.set(2027, 6, 10, 12, 0, 0)  # only the limits' clock: usage is counted on the real one
    limited, limited_secret = project.issue(ratelimits=[{"name": "a", "limit": 1, **HOUR}])
    metered, metered_secret = project.issue(credits={"remaining": 1})
    assert project.codes(limited_secret, 3) == ["VALID", "RATE_LIMITED", "RATE_LIMITED"]
    assert project.codes(metered_secret, 4) == ["VALID"] + ["USAGE_EXCEEDED"] * 3
    assert project.introspect(metered_secret) == {"active": False}
    rollup(api)
    assert observed(api, project.pid, "hour") == Counter({"VALID": 2, "RATE_LIMITED": 2, "USAGE_EXCEEDED": 4})
    assert observed(api, project.pid, "day", limited["id"]) == Counter({"VALID": 1, "RATE_LIMITED": 2})
    assert observed(api, project.pid, "month", metered["id"]) == Counter({"VALID": 1, "USAGE_EXCEEDED": 4})
