"""Usage accounting as a customer meets it (issue 9): over real HTTP, on 127.0.0.1 only.

A project's server verifies keys; the owner reads how often, by outcome, per key and for
the whole project, and finds keys nobody uses. Counts reach the usage API when the rollup
runs: on demand (`POST /v1/dev/jobs/usage-rollup`, which first writes the stack's buffered
counts) or on its own, every KEYWARDEN_ROLLUP_INTERVAL_SECONDS in the local stack.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.e2e.conftest import JsonClient, LocalStack
from tests.e2e.test_keys_over_http import Project, set_up_project, well_formed_key

ROLLUP_INTERVAL = 1.0


def rollup(client: JsonClient) -> dict[str, object]:
    reply = client.post("/v1/dev/jobs/usage-rollup")
    assert reply.status == 200, reply.body
    assert reply.body["job"] == "usage-rollup"
    result: dict[str, object] = reply.body["result"]
    return result


def usage(project: Project, granularity: str = "hour", key_id: str | None = None) -> dict[str, object]:
    query = f"?granularity={granularity}" + (f"&key_id={key_id}" if key_id else "")
    reply = project.client.get(project.path(f"/usage{query}"), token=project.token)
    assert reply.status == 200, reply.body
    assert reply.content_type == "application/json"
    body: dict[str, object] = reply.body
    return body


def by_code(body: dict[str, object]) -> dict[str, int]:
    """The series' counts by code, summed over its periods (an hour may turn during the test)."""
    total: dict[str, int] = {}
    series = body["series"]
    assert isinstance(series, list)
    for point in series:
        for code, count in point["by_code"].items():
            total[code] = total.get(code, 0) + count
    return total


def verify_mixed(project: Project, secret: str) -> dict[str, int]:
    """Verifies with every outcome a project's server commonly meets; returns the codes it got."""
    plan = [
        (secret, None, "VALID"),
        (secret, ["orders:read"], "VALID"),
        (secret, None, "VALID"),
        (secret, ["orders:write"], "INSUFFICIENT_PERMISSIONS"),
        (secret, ["orders:read", "orders:delete"], "INSUFFICIENT_PERMISSIONS"),
        (well_formed_key(), None, "NOT_FOUND"),
        ("not a key at all", None, "MALFORMED"),
    ]
    got: dict[str, int] = {}
    for key, permissions, expected in plan:
        verdict = project.verdict(key, permissions)
        assert verdict["code"] == expected, verdict
        got[expected] = got.get(expected, 0) + 1
    return got


def key_ids(project: Project, query: str) -> set[str]:
    reply = project.client.get(project.path(f"/keys{query}"), token=project.token)
    assert reply.status == 200, reply.body
    return {item["id"] for item in reply.body["items"]}


def test_every_verification_is_counted_exactly_once_rolled_up(client: JsonClient, unique: str) -> None:
    project = set_up_project(client, f"usage-{unique}")
    key, secret = project.create_key("checkout")
    idle, _ = project.create_key("idle")
    rounds = 3
    got: dict[str, int] = {}
    for _ in range(rounds):
        for code, count in verify_mixed(project, secret).items():
            got[code] = got.get(code, 0) + count
    n = sum(got.values())
    valid = got["VALID"]

    rollup(client)
    for granularity in ("hour", "day", "month"):
        whole = usage(project, granularity)
        assert whole["totals"] == {"valid": valid, "invalid": n - valid}, whole
        assert by_code(whole) == got
        one = usage(project, granularity, key["id"])
        assert one["key_id"] == key["id"]
        assert one["totals"] == {"valid": valid, "invalid": got["INSUFFICIENT_PERMISSIONS"]}, one
        assert by_code(one) == {"VALID": valid, "INSUFFICIENT_PERMISSIONS": got["INSUFFICIENT_PERMISSIONS"]}
        assert usage(project, granularity, idle["id"])["totals"] == {"valid": 0, "invalid": 0}

    # Rolling up again (nothing new) changes nothing: no count is doubled.
    rollup(client)
    assert usage(project, "day")["totals"] == {"valid": valid, "invalid": n - valid}
    assert usage(project, "hour", key["id"])["totals"] == {"valid": valid, "invalid": got["INSUFFICIENT_PERMISSIONS"]}

    # More verifications add to the same period's totals.
    assert project.verdict(secret)["code"] == "VALID"
    rollup(client)
    assert usage(project, "day")["totals"] == {"valid": valid + 1, "invalid": n - valid}


def test_last_used_at_and_the_unused_days_filter(client: JsonClient, unique: str) -> None:
    project = set_up_project(client, f"usage-{unique}")
    used, secret = project.create_key("used")
    idle, _ = project.create_key("idle")
    refused, refused_secret = project.create_key("refused")
    assert used["last_used_at"] is None
    before = datetime.now(UTC).replace(microsecond=0)
    assert project.verdict(secret)["code"] == "VALID"
    # Only a valid verification makes a key used.
    assert project.verdict(refused_secret, ["orders:write"])["code"] == "INSUFFICIENT_PERMISSIONS"

    rollup(client)
    shown = client.get(project.path(f"/keys/{used['id']}"), token=project.token)
    assert shown.status == 200, shown.body
    stamp = shown.body["last_used_at"]
    assert isinstance(stamp, str), shown.body
    at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert before <= at <= datetime.now(UTC), (stamp, before)
    for other in (idle, refused):
        reply = client.get(project.path(f"/keys/{other['id']}"), token=project.token)
        assert reply.body["last_used_at"] is None, reply.body

    unused = key_ids(project, "?unused_days=1")
    assert idle["id"] in unused and refused["id"] in unused
    assert used["id"] not in unused
    assert {used["id"], idle["id"], refused["id"]} <= key_ids(project, "")


# --- the local stack's own schedule ------------------------------------------------------


@pytest.fixture
def quick_rollup_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalStack]:
    """A stack of this test's own whose scheduler rolls usage up every second."""
    monkeypatch.setenv("KEYWARDEN_ROLLUP_INTERVAL_SECONDS", str(ROLLUP_INTERVAL))
    stack = LocalStack()  # its environment is a copy of this process's
    try:
        stack.wait_ready()
        yield stack
        code, _ = stack.stop(signal.SIGTERM)
        assert code == 0, stack.output()
    finally:
        stack.kill()


def test_the_local_scheduler_rolls_usage_up_on_its_own(quick_rollup_stack: LocalStack, unique: str) -> None:
    assert quick_rollup_stack.base_url is not None
    client = JsonClient(quick_rollup_stack.base_url)
    project = set_up_project(client, f"usage-{unique}")
    key, secret = project.create_key()
    got = verify_mixed(project, secret)
    n, valid = sum(got.values()), got["VALID"]

    # Nobody asks for a rollup: the scheduler's next round writes the buffer and rolls it up.
    started = time.monotonic()
    deadline = started + ROLLUP_INTERVAL + 4.0
    totals = usage(project)["totals"]
    while totals != {"valid": valid, "invalid": n - valid} and time.monotonic() < deadline:
        time.sleep(0.1)
        totals = usage(project)["totals"]
    took = time.monotonic() - started
    assert totals == {"valid": valid, "invalid": n - valid}, f"after {took:.1f} s: {totals}"
    assert usage(project, "hour", key["id"])["totals"] == {"valid": valid, "invalid": got["INSUFFICIENT_PERMISSIONS"]}
    # The round writes `last_used_at` after the totals: wait for the end of the round that wrote them.
    shown = client.get(project.path(f"/keys/{key['id']}"), token=project.token)
    while shown.body["last_used_at"] is None and time.monotonic() < deadline + 2.0:
        time.sleep(0.1)
        shown = client.get(project.path(f"/keys/{key['id']}"), token=project.token)
    assert shown.body["last_used_at"] is not None, shown.body
