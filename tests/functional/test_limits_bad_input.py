"""Rate limits and credits given wrong (API.md, "Limits"): every field refused with the contract's
problem (422 `validation_failed`, naming the field), never a 5xx, and nothing changed by a refusal."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.conftest import Api, Reply
from tests.functional.test_hmac_keys import sign
from tests.functional.test_limits import Limited, set_clock

GOOD_LIMIT = {"name": "requests", "limit": 10, "duration_seconds": 60}
GOOD_CREDITS = {"remaining": 10}


def limit(**changes: Any) -> dict[str, Any]:
    return GOOD_LIMIT | changes


def credits(**changes: Any) -> dict[str, Any]:
    return GOOD_CREDITS | changes


def monthly(**changes: Any) -> dict[str, Any]:
    return {"amount": 5, "interval": "month"} | changes


# (the body's limits, the field of the first error)
BAD_LIMITS: list[tuple[dict[str, Any], str]] = [
    ({"ratelimits": [limit(limit=0)]}, "ratelimits[0].limit"),
    ({"ratelimits": [limit(limit=-1)]}, "ratelimits[0].limit"),
    ({"ratelimits": [limit(limit=1_000_000_001)]}, "ratelimits[0].limit"),
    ({"ratelimits": [limit(limit=10**30)]}, "ratelimits[0].limit"),
    ({"ratelimits": [limit(limit=1.5)]}, "ratelimits[0].limit"),
    ({"ratelimits": [limit(limit="10")]}, "ratelimits[0].limit"),
    ({"ratelimits": [limit(limit=True)]}, "ratelimits[0].limit"),
    ({"ratelimits": [limit(limit=None)]}, "ratelimits[0].limit"),
    ({"ratelimits": [limit(duration_seconds=0)]}, "ratelimits[0].duration_seconds"),
    ({"ratelimits": [limit(duration_seconds=-60)]}, "ratelimits[0].duration_seconds"),
    ({"ratelimits": [limit(duration_seconds=2_678_401)]}, "ratelimits[0].duration_seconds"),
    ({"ratelimits": [limit(name="Requests")]}, "ratelimits[0].name"),
    ({"ratelimits": [limit(name="per minute")]}, "ratelimits[0].name"),
    ({"ratelimits": [limit(name="a" * 65)]}, "ratelimits[0].name"),
    ({"ratelimits": [limit(name="")]}, "ratelimits[0].name"),
    ({"ratelimits": [limit(name="a\n")]}, "ratelimits[0].name"),
    ({"ratelimits": [limit(name="café")]}, "ratelimits[0].name"),
    ({"ratelimits": [limit(name="a/b")]}, "ratelimits[0].name"),
    ({"ratelimits": [limit(name=5)]}, "ratelimits[0].name"),
    ({"ratelimits": [limit(auto_apply="yes")]}, "ratelimits[0].auto_apply"),
    ({"ratelimits": [limit(window=60)]}, "ratelimits[0].window"),
    ({"ratelimits": [{"name": "a", "limit": 1}]}, "ratelimits[0].duration_seconds"),
    ({"ratelimits": [{"limit": 1, "duration_seconds": 60}]}, "ratelimits[0].name"),
    ({"ratelimits": [limit(name=f"l{i}") for i in range(11)]}, "ratelimits"),
    ({"ratelimits": [limit(), limit(limit=5)]}, "ratelimits[1].name"),
    ({"ratelimits": [limit(name="a"), limit(name="b"), limit(name="a")]}, "ratelimits[2].name"),
    ({"ratelimits": GOOD_LIMIT}, "ratelimits"),
    ({"ratelimits": "requests"}, "ratelimits"),
    ({"ratelimits": [limit(), "requests"]}, "ratelimits[1]"),
    ({"credits": credits(remaining=-1)}, "credits.remaining"),
    ({"credits": credits(remaining=1_000_000_000_001)}, "credits.remaining"),
    ({"credits": credits(remaining=10**40)}, "credits.remaining"),
    ({"credits": credits(remaining="10")}, "credits.remaining"),
    ({"credits": credits(remaining=2.5)}, "credits.remaining"),
    ({"credits": {}}, "credits.remaining"),
    ({"credits": credits(remaining=None)}, "credits.remaining"),
    ({"credits": credits(notify_below=-1)}, "credits.notify_below"),
    ({"credits": credits(notify_below="3")}, "credits.notify_below"),
    ({"credits": credits(refill={"amount": 5, "interval": "week"})}, "credits.refill.interval"),
    ({"credits": credits(refill={"amount": 5, "interval": "Month"})}, "credits.refill.interval"),
    ({"credits": credits(refill={"amount": 5})}, "credits.refill.interval"),
    ({"credits": credits(refill={"interval": "day"})}, "credits.refill.amount"),
    ({"credits": credits(refill={"amount": -5, "interval": "day"})}, "credits.refill.amount"),
    ({"credits": credits(refill={"amount": 1_000_000_000_001, "interval": "day"})}, "credits.refill.amount"),
    ({"credits": credits(refill=monthly(day_of_month=0))}, "credits.refill.day_of_month"),
    ({"credits": credits(refill=monthly(day_of_month=32))}, "credits.refill.day_of_month"),
    ({"credits": credits(refill=monthly(day_of_month="15"))}, "credits.refill.day_of_month"),
    ({"credits": credits(refill={"amount": 5, "interval": "day", "day_of_month": 1})}, "credits.refill.day_of_month"),
    ({"credits": credits(refill=monthly(hour=3))}, "credits.refill.hour"),
    ({"credits": credits(refill="monthly")}, "credits.refill"),
    ({"credits": credits(limit=5)}, "credits.limit"),
    ({"credits": 10}, "credits"),
    ({"credits": [GOOD_CREDITS]}, "credits"),
]


def ids(cases: list[tuple[dict[str, Any], str]]) -> list[str]:
    return [f"{index}-{field}" for index, (_, field) in enumerate(cases)]


def assert_refused(reply: Reply, field: str, code: str = "validation_failed") -> None:
    assert reply.status == 422, (reply.status, reply.body)
    assert reply.headers["content-type"].startswith("application/problem+json"), reply.headers
    problem = reply.json
    assert (problem["code"], problem["status"], problem["type"]) == (code, 422, f"urn:keywarden:problem:{code}")
    fields = [e["field"] for e in problem.get("errors", [])]
    assert field in fields, (field, problem)
    assert "Traceback" not in reply.body.decode()


@pytest.fixture
def project(api: Api, monkeypatch: pytest.MonkeyPatch) -> Limited:
    # One rate-limit window throughout, whatever the wall clock says.
    set_clock(monkeypatch).set(2027, 6, 10, 12)
    return Limited(api)


def key_count(project: Limited) -> int:
    reply = project.api.get(f"/v1/projects/{project.pid}/keys?limit=100", as_user="ann")
    assert reply.status == 200, reply.body
    return len(reply.json["items"])


def test_bad_limits_on_creation_are_422_and_issue_no_key(project: Limited) -> None:
    role_id = project.role(["orders:read"])
    before = key_count(project)
    failures = []
    for body, field in BAD_LIMITS:
        reply = project.api.post(
            f"/v1/projects/{project.pid}/keys",
            {"name": "k", "type": "opaque", "role_id": role_id, **body},
            as_user="ann",
        )
        try:
            assert_refused(reply, field)
        except AssertionError as error:
            failures.append(f"{body}: {error}")
    assert not failures, "\n".join(failures)
    assert key_count(project) == before


def test_bad_limits_on_patch_are_422_and_change_nothing(project: Limited) -> None:
    key, secret = project.issue(ratelimits=[limit(limit=3)], credits={"remaining": 7})
    failures = []
    # A PATCH may leave `remaining` out (the balance is kept): `{}` is a change, not bad input.
    for body, field in [(b, f) for b, f in BAD_LIMITS if b != {"credits": {}}]:
        try:
            assert_refused(project.patch(key["id"], body), field)
        except AssertionError as error:
            failures.append(f"{body}: {error}")
    assert not failures, "\n".join(failures)
    view = project.view(key["id"])
    assert view["ratelimits"] == [limit(limit=3) | {"auto_apply": True}]
    assert view["credits"] == {"remaining": 7, "refill": None, "notify_below": None}
    answer = project.answer(secret)
    assert (answer["ratelimits"][0]["remaining"], answer["credits"]) == (2, {"remaining": 6})


def test_a_patch_with_one_bad_part_changes_no_part(project: Limited) -> None:
    key, _ = project.issue(ratelimits=[limit(limit=3)], credits={"remaining": 7})
    reply = project.patch(
        key["id"], {"name": "renamed", "ratelimits": [limit(name="other")], "credits": credits(remaining=-1)}
    )
    assert_refused(reply, "credits.remaining")
    # Two checks the schema cannot make, both reported at once.
    both = project.patch(
        key["id"],
        {
            "ratelimits": [limit(), limit()],
            "credits": credits(refill={"amount": 1, "interval": "day", "day_of_month": 2}),
        },
    )
    assert_refused(both, "ratelimits[1].name")
    assert_refused(both, "credits.refill.day_of_month")
    view = project.view(key["id"])
    assert view["name"] == "k"
    assert [r["name"] for r in view["ratelimits"]] == ["requests"]
    assert view["credits"]["remaining"] == 7


def test_ratelimits_null_on_patch_is_refused_not_taken_as_removal(project: Limited) -> None:
    key, _ = project.issue(ratelimits=[limit()])
    assert_refused(project.patch(key["id"], {"ratelimits": None}), "ratelimits")
    assert [r["name"] for r in project.view(key["id"])["ratelimits"]] == ["requests"]


def test_the_limits_at_their_bounds_are_accepted(project: Limited) -> None:
    bounds: dict[str, Any] = {
        "ratelimits": [
            limit(name="a" * 64, limit=1_000_000_000, duration_seconds=2_678_400),
            limit(name="0_.-z", limit=1, duration_seconds=1, auto_apply=False),
            *(limit(name=f"l{i}") for i in range(8)),
        ],
        "credits": {
            "remaining": 1_000_000_000_000,
            "notify_below": 0,
            "refill": {"amount": 1_000_000_000_000, "interval": "month", "day_of_month": 31},
        },
    }
    key, secret = project.issue(**bounds)
    assert len(key["ratelimits"]) == 10
    assert key["credits"]["remaining"] == 1_000_000_000_000
    assert project.answer(secret, cost=10_000)["credits"] == {"remaining": 1_000_000_000_000 - 10_000}
    low = project.patch(key["id"], {"credits": {"remaining": 0, "refill": {"amount": 0, "interval": "day"}}})
    assert low.status == 200, low.body


# (the verification's extra fields, the field of the first error)
BAD_VERIFY: list[tuple[dict[str, Any], str]] = [
    ({"cost": -1}, "cost"),
    ({"cost": 10_001}, "cost"),
    ({"cost": 10**30}, "cost"),
    ({"cost": "1"}, "cost"),
    ({"cost": 1.5}, "cost"),
    ({"cost": True}, "cost"),
    ({"cost": None}, "cost"),
    ({"cost": [1]}, "cost"),
    ({"ratelimits": [{"name": "requests", "cost": -1}]}, "ratelimits[0].cost"),
    ({"ratelimits": [{"name": "requests", "cost": 10_001}]}, "ratelimits[0].cost"),
    ({"ratelimits": [{"name": "requests", "cost": "2"}]}, "ratelimits[0].cost"),
    ({"ratelimits": [{"name": "requests", "limit": 100}]}, "ratelimits[0].limit"),
    ({"ratelimits": [{"name": "requests", "weight": 1}]}, "ratelimits[0].weight"),
    ({"ratelimits": [{"cost": 1}]}, "ratelimits[0].name"),
    ({"ratelimits": [{"name": "Requests"}]}, "ratelimits[0].name"),
    ({"ratelimits": [{"name": "per minute"}]}, "ratelimits[0].name"),
    ({"ratelimits": [{"name": "a" * 65}]}, "ratelimits[0].name"),
    ({"ratelimits": [{"name": ""}]}, "ratelimits[0].name"),
    ({"ratelimits": [{"name": 7}]}, "ratelimits[0].name"),
    ({"ratelimits": ["requests"]}, "ratelimits[0]"),
    ({"ratelimits": {"name": "requests"}}, "ratelimits"),
    ({"ratelimits": [{"name": "requests"}] * 21}, "ratelimits"),
]


def test_bad_cost_and_ratelimits_on_verify_are_422_and_spend_nothing(project: Limited) -> None:
    key, secret = project.issue(ratelimits=[limit(limit=3)], credits={"remaining": 7})
    failures = []
    for extra, field in BAD_VERIFY:
        try:
            assert_refused(project.verify_with(secret, **extra), field)
        except AssertionError as error:
            failures.append(f"{extra}: {error}")
    assert not failures, "\n".join(failures)
    assert project.remaining(key["id"]) == 7
    assert project.answer(secret)["ratelimits"][0]["remaining"] == 2


def test_bad_cost_and_ratelimits_on_hmac_verify_are_422_and_spend_nothing(project: Limited) -> None:
    key, token, secret = project.issue_hmac(ratelimits=[limit(limit=3)], credits={"remaining": 7})
    failures = []
    for extra, field in BAD_VERIFY:
        try:
            assert_refused(project.check(sign(token, secret).as_json() | extra), field)
        except AssertionError as error:
            failures.append(f"{extra}: {error}")
    assert not failures, "\n".join(failures)
    assert project.remaining(key["id"]) == 7


BAD_CHANGES: list[tuple[dict[str, Any], str]] = [
    ({"op": "multiply", "value": 2}, "op"),
    ({"op": "SET", "value": 2}, "op"),
    ({"op": None, "value": 2}, "op"),
    ({"value": 2}, "op"),
    ({"op": "set", "value": -1}, "value"),
    ({"op": "increment", "value": -5}, "value"),
    ({"op": "decrement", "value": -5}, "value"),
    ({"op": "set", "value": 1_000_000_000_001}, "value"),
    ({"op": "set", "value": 10**40}, "value"),
    ({"op": "set", "value": "5"}, "value"),
    ({"op": "set", "value": 1.5}, "value"),
    ({"op": "set", "value": None}, "value"),
    ({"op": "set"}, "value"),
    ({"op": "set", "value": 5, "reason": "gift"}, "reason"),
]


def test_bad_credit_changes_are_422_and_change_nothing(project: Limited) -> None:
    key, _ = project.issue(credits={"remaining": 7})
    failures = []
    for body, field in BAD_CHANGES:
        reply = project.api.post(project.key_path(key["id"], "/credits"), body, as_user="ann")
        try:
            assert_refused(reply, field)
        except AssertionError as error:
            failures.append(f"{body}: {error}")
    assert not failures, "\n".join(failures)
    for raw in (b"[]", b'"set"', b"null"):
        reply = project.api.request("POST", project.key_path(key["id"], "/credits"), body=raw, as_user="ann")
        assert reply.status == 422 and reply.code == "validation_failed", (raw, reply.body)
    not_json = project.api.request("POST", project.key_path(key["id"], "/credits"), body=b"{op", as_user="ann")
    assert (not_json.status, not_json.code) == (400, "malformed_request")
    assert project.remaining(key["id"]) == 7
    assert not [e for e in project.audit() if e["action"] == "key.credits_changed"]
