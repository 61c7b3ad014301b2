"""Races of usage accounting, reproduced deterministically: each guard of the counters and
totals (store/usage_counters.py, store/usage_totals.py) has a test here that fails without it.

- `_write_one`'s `seq` condition: a flush that reaches DynamoDB after a newer one of the
  same writer takes no count back, and the writer's later flushes still land;
- `put`'s `total <=` condition: a rollup that read older counters cannot lower a total a
  concurrent one wrote;
- `mark_covered`'s `seq ==` condition: a counter written after the rollup read it stays in
  the rollup's index and is rolled up next round;
- `set_last_used`'s `last_used_at <` condition: a key's last use never moves back (and
  test_usage.py's late count of an older hour);
- `set_last_used`'s `id.exists()`: no key item appears for a counter naming no key.

Two mutations cannot be killed, as they change no outcome: `total <= ` to `<` (an equal sum
of the same counters is the same total, already stored) and `last_used_at <` to `<=`
(the same stamp again).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.jobs import usage_rollup
from chalicelib.services import usage_recorder
from chalicelib.store import usage_counters
from chalicelib.store.key_models import ApiKeyModel
from chalicelib.store.usage_models import UsageCounterModel
from tests.functional.conftest import Api
from tests.functional.test_usage import GRANULARITIES, epoch, last_used, observed, raw_counters, rollup
from tests.functional.test_verify import Project


def use(project: Project, secret: str, times: int) -> None:
    for _ in range(times):
        assert project.code(secret) == "VALID"


def counted_everywhere(api: Api, project: Project, key_id: str, others: int = 0) -> set[int]:
    """The valid verifications the key's series shows, and the project's less `others` (those of
    its other keys), in every granularity: one number when they all agree."""
    seen = set()
    for granularity in GRANULARITIES:
        for one, less in ((None, others), (key_id, 0)):
            found = observed(api, project.pid, granularity, one)
            assert set(found) <= {"VALID"}, found
            seen.add(found["VALID"] - less)
    return seen


# --- usage_counters._write_one: seq -----------------------------------------------------


def issue(project: Project, count: int) -> list[tuple[str, str]]:
    """`count` keys of the project: (key id, secret)."""
    role_id = project.role(["orders:read"])
    issued = [project.issue(role_id=role_id) for _ in range(count)]
    return [(key["id"], secret) for key, secret in issued]


# A flush of one counter, and of several (each its own conditional put): both are guarded.
FLUSH_SIZES = pytest.mark.parametrize("keys", [1, 3], ids=["one-counter", "several-counters"])


@FLUSH_SIZES
def test_a_flush_that_lands_after_a_newer_one_takes_no_count_back(
    api: Api, monkeypatch: pytest.MonkeyPatch, keys: int
) -> None:
    project = Project(api)
    issued = issue(project, keys)
    for _, secret in issued:
        use(project, secret, 2)
    # The first flush is slow: it reaches DynamoDB only after the next flush's.
    in_flight: list[tuple[list[usage_counters.CounterRow], int]] = []
    real = usage_counters.write
    monkeypatch.setattr(usage_counters, "write", lambda rows, seq: in_flight.append((list(rows), seq)))
    assert usage_recorder.flush() == keys
    monkeypatch.setattr(usage_counters, "write", real)
    (first, first_secret), others = issued[0], issued[1:]
    use(project, first_secret, 3)
    assert usage_recorder.flush() == 1  # the first key's counter only, cumulative: 5
    [(rows, seq)] = in_flight
    assert [row.counts for row in rows] == [{"VALID": 2}] * keys
    usage_counters.write(rows, seq)  # the old flush lands now: it may add the others' counters
    stored = {item.key_id: item.counts for item in raw_counters(project.pid)}
    assert stored == {first: {"VALID": 5}} | {key_id: {"VALID": 2} for key_id, _ in others}
    rollup(api)
    assert counted_everywhere(api, project, first, others=2 * len(others)) == {5}
    for key_id, _ in others:
        assert observed(api, project.pid, "day", key_id) == Counter({"VALID": 2})

    # The writer's later flushes still land over what it wrote.
    for _, secret in issued:
        use(project, secret, 1)
    rollup(api)
    assert counted_everywhere(api, project, first, others=3 * len(others)) == {6}


@FLUSH_SIZES
def test_a_repeated_copy_of_a_flush_leaves_the_rollup_nothing_to_do(
    api: Api, monkeypatch: pytest.MonkeyPatch, keys: int
) -> None:
    """The same flush written again (a delayed duplicate) changes nothing: its counters stay covered."""
    project = Project(api)
    issued = issue(project, keys)
    for _, secret in issued:
        use(project, secret, 2)
    sent: list[tuple[list[usage_counters.CounterRow], int]] = []
    real = usage_counters.write

    def recording(rows: list[usage_counters.CounterRow], seq: int) -> None:
        sent.append((list(rows), seq))
        real(rows, seq)

    monkeypatch.setattr(usage_counters, "write", recording)
    rollup(api)
    monkeypatch.setattr(usage_counters, "write", real)
    [(rows, seq)] = sent
    usage_counters.write(rows, seq)
    counters = raw_counters(project.pid)
    assert [counter.counts for counter in counters] == [{"VALID": 2}] * keys
    assert all(counter.dirty is None and counter.expires_at is not None for counter in counters)
    assert usage_rollup.rollup()["partitions"] == 0
    assert counted_everywhere(api, project, issued[0][0], others=2 * (keys - 1)) == {2}


# --- usage_totals.put: total <= -------------------------------------------------------------


def test_a_rollup_that_read_older_counters_cannot_lower_a_total(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    project = Project(api)
    key, secret = project.issue()
    use(project, secret, 2)
    rollup(api)
    use(project, secret, 3)
    usage_recorder.flush()
    real = usage_counters.partition
    raced: list[str] = []

    def read_then_lose_the_race(pk: str) -> Iterator[UsageCounterModel]:
        items = list(real(pk))
        if not raced:
            # Rollup A has read 5 counts; meanwhile 4 more come and rollup B writes all 9.
            raced.append(pk)
            use(project, secret, 4)
            summary = usage_rollup.rollup()
            assert summary["covered"] == 1, summary
        return iter(items)

    monkeypatch.setattr(usage_counters, "partition", read_then_lose_the_race)
    stale = usage_rollup.rollup()
    monkeypatch.setattr(usage_counters, "partition", real)
    assert raced and stale["covered"] == 0, stale
    assert counted_everywhere(api, project, key["id"]) == {9}
    rollup(api)
    assert counted_everywhere(api, project, key["id"]) == {9}


# --- usage_counters.mark_covered: seq == --------------------------------------------------


def test_a_counter_written_after_the_rollup_read_it_is_rolled_up_next_round(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Project(api)
    key, secret = project.issue()
    use(project, secret, 2)
    usage_recorder.flush()
    real = usage_counters.mark_covered

    def written_meanwhile(items: Any) -> int:
        # The rollup read 2 counts; the writer counts and flushes once more before it marks.
        use(project, secret, 1)
        assert usage_recorder.flush() == 1
        return real(items)

    monkeypatch.setattr(usage_counters, "mark_covered", written_meanwhile)
    assert usage_rollup.rollup()["covered"] == 0
    monkeypatch.setattr(usage_counters, "mark_covered", real)
    assert counted_everywhere(api, project, key["id"]) == {2}
    [counter] = raw_counters(project.pid)
    assert counter.dirty is not None
    rollup(api)
    assert counted_everywhere(api, project, key["id"]) == {3}


def test_a_covered_counter_leaves_the_rollups_index_and_starts_its_retention(api: Api) -> None:
    project = Project(api)
    key, secret = project.issue()
    use(project, secret, 2)
    assert rollup(api)["covered"] == 1
    [counter] = raw_counters(project.pid)
    assert counter.dirty is None and counter.expires_at is not None
    hour_end = epoch(counter.hour) + 3600
    assert counter.expires_at.timestamp() == hour_end + 35 * 86400
    summary = rollup(api)
    assert (summary["partitions"], summary["covered"]) == (0, 0), summary
    assert counted_everywhere(api, project, key["id"]) == {2}


# --- usage_totals.set_last_used: last_used_at <, id.exists() --------------------------------


def test_a_rollup_that_read_an_older_use_does_not_move_last_used_back(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Project(api)
    key, _ = project.issue()
    writer = usage_recorder.Writer("a-verifying-process")
    now = time.time()
    writer.add(project.pid, key["id"], "VALID", now - 600)
    writer.flush()
    rollup(api)
    assert last_used(api, project.pid, key["id"]) == stamp_of(now - 600)

    writer.add(project.pid, key["id"], "VALID", now - 300)
    writer.flush()
    real = usage_counters.partition
    raced: list[str] = []

    def read_then_lose_the_race(pk: str) -> Iterator[UsageCounterModel]:
        items = list(real(pk))
        if not raced:
            # Rollup A has read the use of 300 s ago; rollup B then sees a later one.
            raced.append(pk)
            writer.add(project.pid, key["id"], "VALID", now - 60)
            writer.flush()
            usage_rollup.rollup()
            assert last_used(api, project.pid, key["id"]) == stamp_of(now - 60)
        return iter(items)

    monkeypatch.setattr(usage_counters, "partition", read_then_lose_the_race)
    usage_rollup.rollup()
    monkeypatch.setattr(usage_counters, "partition", real)
    assert raced
    assert last_used(api, project.pid, key["id"]) == stamp_of(now - 60)


def test_a_count_naming_no_key_item_makes_no_phantom_key(api: Api) -> None:
    project = Project(api)
    key, secret = project.issue()
    use(project, secret, 1)
    # A counter that names a key the project has no item for (a key id never issued).
    writer = usage_recorder.Writer("a-verifying-process")
    writer.add(project.pid, "key_0000000000000000000000000", "VALID", time.time())
    writer.flush()
    rollup(api)
    with pytest.raises(ApiKeyModel.DoesNotExist):
        ApiKeyModel.get(project.pid, "key_0000000000000000000000000", consistent_read=True)
    listed = api.get(f"/v1/projects/{project.pid}/keys", as_user="ann")
    assert listed.status == 200, listed.body
    assert [k["id"] for k in listed.json["items"]] == [key["id"]]
    assert observed(api, project.pid, "day") == Counter({"VALID": 2})


def stamp_of(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(at)))
