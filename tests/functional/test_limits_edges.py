"""Limits on keys (API.md, "Limits") at their edges: a refusal's answer that says what the
credits have left, a limit named on a key without limits, a PATCH at a period boundary with a
lagging clock, a limit removed and given back within its window. Each was a defect once; the
docstring of each says where it was.
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import cache
from tests.functional.conftest import Api
from tests.functional.test_limits import HOUR, Clock, Limited, set_clock


@pytest.fixture
def project(api: Api) -> Limited:
    return Limited(api)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return set_clock(monkeypatch)


@pytest.mark.parametrize(
    ("credits", "left"),
    [
        ({"remaining": 10}, 9),
        ({"remaining": 7, "refill": {"amount": 50, "interval": "day"}}, 6),
    ],
    ids=["without-refill", "with-refill"],
)
def test_a_rate_limited_answer_shows_the_key_s_real_balance(
    project: Limited, clock: Clock, credits: dict[str, Any], left: int
) -> None:
    """API.md: answers carry `credits: {remaining}` when the key has them. A RATE_LIMITED refusal
    decided from the counts this process already saw (no write) reports the balance of an empty
    meter instead: 0 without refill, the refill's amount with one (50 here, for a key with 6).

    chalicelib/services/metering.py, `charge`: `metered = report(chosen, known, refusal_of(early))`;
    `known` (`_known`) holds only window counts, so `report` → `balance_of` falls back to
    `CreditCharge.start`."""
    clock.set(2027, 6, 10, 12)
    key, secret = project.issue(ratelimits=[{"name": "a", "limit": 1, **HOUR}], credits=credits)
    assert project.answer(secret)["credits"] == {"remaining": left}
    refused = project.answer(secret)
    assert refused["code"] == "RATE_LIMITED"
    assert project.remaining(key["id"]) == left
    assert refused["credits"] == {"remaining": left}


def test_naming_a_limit_is_422_for_a_key_without_limits_too(project: Limited) -> None:
    """API.md: a verification's `ratelimits` says which of the key's limits to apply; a name the key
    does not have is 422 `validation_failed` (as it is for a key with any limit or credits). For a
    key with no limits and no credits the same request is answered VALID, limiting nothing: a
    resource server that asks for "exports" believes it is enforced.

    chalicelib/services/verification.py, `charged`: `if record is None or not verdict.valid or not
    record.metered: return verdict` returns before `domain.limits.plan` can raise
    UnknownLimitError (no write is needed to refuse: the record is in hand)."""
    _, metered = project.issue(credits={"remaining": 5})
    asked = project.verify_with(metered, ratelimits=[{"name": "exports"}])
    assert (asked.status, asked.code) == (422, "validation_failed")  # holds today
    _, plain = project.issue()
    reply = project.verify_with(plain, ratelimits=[{"name": "exports"}])
    assert (reply.status, reply.code) == (422, "validation_failed"), reply.body


@pytest.mark.parametrize(
    "change",
    [
        {"ratelimits": [{"name": "a", "limit": 100, **HOUR}]},
        {"credits": {"remaining": 0, "refill": {"amount": 5, "interval": "day"}}},
    ],
    ids=["ratelimits-changed", "credits-set-to-0"],
)
def test_a_change_of_limits_gives_no_lagging_server_a_second_refill(
    project: Limited, clock: Clock, change: dict[str, Any]
) -> None:
    """API.md: a refill sets the balance once per period. The charge path keeps the previous
    period's balance for a server whose clock lags (`metering._is_stale`), and without a PATCH
    a verification 1 s before the boundary spends from it (test_limits.py). After any PATCH of
    `ratelimits` or `credits` in the new period, the same verification finds no balance for the
    old period and is refilled again: 5 more credits, even right after credits were set to 0.

    chalicelib/services/metering.py, `replaced_balance`: `others = tuple(name for name in state if
    name.startswith("c:") and name != attribute)` drops the previous period's balance too."""
    clock.set(2027, 3, 10, 12)
    key, secret = project.issue(credits={"remaining": 1, "refill": {"amount": 5, "interval": "day"}})
    assert project.answer(secret)["credits"] == {"remaining": 0}  # the 10th is spent
    clock.set(2027, 3, 11, 0, 0, 5)
    assert project.answer(secret, cost=0)["code"] == "VALID"  # the 11th has begun
    reply = project.patch(key["id"], change)
    assert reply.status == 200, reply.body
    clock.set(2027, 3, 10, 23, 59, 59)  # a server a few seconds behind: still the 10th, spent
    lagging = project.answer(secret)
    assert lagging["code"] == "USAGE_EXCEEDED", lagging


def test_a_limit_removed_and_added_again_answers_alike_in_every_process(project: Limited, clock: Clock) -> None:
    """API.md's guarantees hold "in any number of processes": whichever process answers, the
    answer is the same. Removing a rate limit (`ratelimits: []`) drops its window counts from the
    meter; added back within the same window, the process that served the earlier verifications
    still refuses from the counts it remembers, while any other process (here: the same one with
    its caches emptied) accepts.

    chalicelib/services/metering.py: `_known` treats `cache.window_counts` as a floor that "only
    grows within its window", but `replaced_balance` (called by PATCH) removes the windows of
    removed limits without forgetting them in `cache.window_counts`."""
    clock.set(2027, 6, 10, 12)
    key, secret = project.issue(ratelimits=[{"name": "a", "limit": 2, **HOUR}])
    assert project.codes(secret, 2) == ["VALID", "VALID"]
    assert project.patch(key["id"], {"ratelimits": []}).status == 200
    assert project.patch(key["id"], {"ratelimits": [{"name": "a", "limit": 2, **HOUR}]}).status == 200
    warm = project.answer(secret)["code"]  # a refusal charges nothing, so asking again is fair
    cache.window_counts.clear()
    cache.stale_counters.clear()
    cold = project.answer(secret)["code"]
    assert warm == cold, (warm, cold)


def test_a_rerolled_key_and_its_successor_share_one_balance_and_one_window(project: Limited) -> None:
    """Once, a reroll copied the balance: during the grace both keys spent it, twice over."""
    old, secret = project.issue(
        credits={"remaining": 3}, ratelimits=[{"name": "burst", "limit": 4, "duration_seconds": 3600}]
    )
    rerolled = project.api.post(
        f"/v1/projects/{project.pid}/keys/{old['id']}/reroll", {"grace_seconds": 3600}, as_user=project.owner
    )
    assert rerolled.status == 200, rerolled.body
    new_id, new_secret = rerolled.json["key"]["id"], rerolled.json["secret"]["key"]
    codes = [project.verify_with(s).json["code"] for s in (secret, new_secret, secret, new_secret)]
    assert codes == ["VALID", "VALID", "VALID", "USAGE_EXCEEDED"]
    shown = project.api.get(f"/v1/projects/{project.pid}/keys/{new_id}", as_user=project.owner).json
    assert shown["credits"]["remaining"] == 0
    assert project.api.post(
        f"/v1/projects/{project.pid}/keys/{new_id}/credits", {"op": "set", "value": 2}, as_user=project.owner
    ).json == {"remaining": 2}
    answer = project.verify_with(secret).json
    assert answer["code"] == "VALID" and answer["credits"] == {"remaining": 1}
    assert answer["ratelimits"][0]["remaining"] == 0


def test_a_refill_at_a_period_boundary_under_concurrent_verifications_happens_once(
    project: Limited, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20 verifications that all began in the new period, each computing it on its own: the
    period's balance is made from the refill once, whoever writes first."""
    import threading

    from chalicelib.store import meters

    clock.set(2027, 3, 31, 23, 59, 0)
    _, secret = project.issue(credits={"remaining": 1, "refill": {"amount": 5, "interval": "month"}})
    assert project.verify_with(secret).json["credits"] == {"remaining": 0}
    clock.set(2027, 4, 1, 0, 0, 1)
    real, everyone_ready, one_writer = meters.charge, threading.Barrier(20, timeout=30), threading.Lock()

    def gated(*args: Any, **kwargs: Any) -> Any:
        # Every request has planned its charge before any writes; moto's writes run one at a
        # time (it is not isolated), so only the write's condition tells them apart.
        everyone_ready.wait()
        with one_writer:
            return real(*args, **kwargs)

    monkeypatch.setattr(meters, "charge", gated)
    replies: list[Any] = []
    threads = [threading.Thread(target=lambda: replies.append(project.verify_with(secret))) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    codes = sorted(r.json["code"] for r in replies)
    assert codes == ["USAGE_EXCEEDED"] * 15 + ["VALID"] * 5
    assert min(r.json["credits"]["remaining"] for r in replies) == 0


def test_a_patch_of_the_credit_policy_without_remaining_keeps_the_balance(project: Limited) -> None:
    key, secret = project.issue(credits={"remaining": 10})
    assert project.verify_with(secret).json["credits"] == {"remaining": 9}
    changed = project.api.patch(
        f"/v1/projects/{project.pid}/keys/{key['id']}", {"credits": {"notify_below": 3}}, as_user=project.owner
    )
    assert changed.status == 200, changed.body
    assert changed.json["credits"] == {"remaining": 9, "refill": None, "notify_below": 3}
    assert project.verify_with(secret).json["credits"] == {"remaining": 8}
    identity = project.api.post(
        f"/v1/projects/{project.pid}/identities", {"external_id": "c", "credits": {"remaining": 4}}, as_user="ann"
    ).json
    kept = project.api.patch(
        f"/v1/projects/{project.pid}/identities/{identity['id']}",
        {"credits": {"refill": {"amount": 50, "interval": "month"}}},
        as_user="ann",
    )
    assert kept.status == 200, kept.body
    assert kept.json["credits"]["remaining"] == 4
    reread = project.api.get(f"/v1/projects/{project.pid}/identities/{identity['id']}", as_user="ann").json
    assert reread["credits"]["remaining"] == 4
