"""Usage accounting as a project's people see it: every verification counted once, in every
granularity, whatever flushes and rollups go through; the usage API; idle keys.

The functional tests run without the recorder's flushing thread (conftest's `aws` fixture):
counts reach DynamoDB when a test flushes (`usage_recorder.flush()`) or runs the rollup,
which flushes the process's buffer first.
"""

from __future__ import annotations

import base64
import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest

from chalicelib.config import reset_settings
from chalicelib.domain.clock import rfc3339
from chalicelib.jobs import usage_rollup
from chalicelib.services import usage_recorder
from chalicelib.store import usage_counters, usage_totals
from chalicelib.store.key_models import ApiKeyModel
from chalicelib.store.usage_models import UsageCounterModel, UsageTotalModel
from tests.functional.conftest import Api, Reply
from tests.functional.test_hmac_keys import HmacProject, sign, well_formed_token
from tests.functional.test_jwt_keys import JwtProject
from tests.functional.test_verify import Project, well_formed_key

GRANULARITIES = ("hour", "day", "month")
# A secret no key has: what someone who knows a token but not its secret signs with.
WRONG_SECRET = base64.b64encode(bytes(32)).decode()


class Simulated(Exception):
    """A failure the test injects (a dropped connection, a function that timed out)."""


# --- reading usage as a member does ----------------------------------------------------


def rollup(api: Api) -> dict[str, Any]:
    """The scheduled rollup, run now through the local stage's job route."""
    reply = api.post("/v1/dev/jobs/usage-rollup")
    assert reply.status == 200, reply.body
    result: dict[str, Any] = reply.json["result"]
    return result


def usage(api: Api, pid: str, as_user: str = "ann", **params: str) -> Reply:
    """GET the usage; `from_` is sent as `from`."""
    if "from_" in params:
        params["from"] = params.pop("from_")
    query = f"?{urlencode(params)}" if params else ""
    return api.get(f"/v1/projects/{pid}/usage{query}", as_user=as_user)


def observed(api: Api, pid: str, granularity: str, key_id: str | None = None, as_user: str = "ann") -> Counter[str]:
    """Every verification the default range of `granularity` shows, by code, once the series was
    checked to add up (valid and invalid of each point, and the totals)."""
    params = {"granularity": granularity} | ({"key_id": key_id} if key_id is not None else {})
    reply = usage(api, pid, as_user=as_user, **params)
    assert reply.status == 200, reply.body
    body = reply.json
    assert body["granularity"] == granularity and body["key_id"] == key_id
    seen: Counter[str] = Counter()
    for point in body["series"]:
        counts = point["by_code"]
        assert all(n > 0 for n in counts.values()), point
        assert point["valid"] == counts.get("VALID", 0), point
        assert point["invalid"] == sum(n for code, n in counts.items() if code != "VALID"), point
        seen.update(counts)
    assert body["totals"] == {"valid": seen["VALID"], "invalid": sum(seen.values()) - seen["VALID"]}, body
    return seen


class Tally:
    """What the test sent and got: verifications by code, of the project and of each of its keys."""

    def __init__(self) -> None:
        self.project: Counter[str] = Counter()
        self.keys: dict[str, Counter[str]] = {}

    def add(self, got: str, expected: str, key_id: str | None) -> None:
        """One verification answered `got` (asserted to be `expected`), naming `key_id` of the
        project or (None) no key of it."""
        assert got == expected, (got, expected, key_id)
        self.project[got] += 1
        if key_id is not None:
            self.keys.setdefault(key_id, Counter())[got] += 1

    def of(self, key_id: str) -> Counter[str]:
        return self.keys.get(key_id, Counter())

    @property
    def n(self) -> int:
        return sum(self.project.values())


def assert_counted(
    api: Api, pid: str, tally: Tally, key_ids: list[str], granularities: tuple[str, ...] = GRANULARITIES
) -> None:
    """The usage API shows exactly the tally: the project's and each key's, in every granularity."""
    for granularity in granularities:
        whole = observed(api, pid, granularity)
        assert whole == tally.project, (granularity, whole, tally.project)
        assert sum(whole.values()) == tally.n
        for key_id in key_ids:
            one = observed(api, pid, granularity, key_id)
            assert one == tally.of(key_id), (granularity, key_id, one, tally.of(key_id))


def key_of(api: Api, pid: str, key_id: str) -> dict[str, Any]:
    reply = api.get(f"/v1/projects/{pid}/keys/{key_id}", as_user="ann")
    assert reply.status == 200, reply.body
    key: dict[str, Any] = reply.json
    return key


def last_used(api: Api, pid: str, key_id: str) -> str | None:
    stamp: str | None = key_of(api, pid, key_id)["last_used_at"]
    return stamp


def period_start(granularity: str, moment: datetime) -> datetime:
    if granularity == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    if granularity == "day":
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def moment_of(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def epoch(value: str) -> float:
    return moment_of(value).timestamp()


def idle_ids(api: Api, pid: str, days: int) -> set[str]:
    reply = api.get(f"/v1/projects/{pid}/keys?unused_days={days}&limit=100", as_user="ann")
    assert reply.status == 200, reply.body
    assert reply.json.get("next_cursor") is None
    return {key["id"] for key in reply.json["items"]}


def set_last_used_at(pid: str, key_id: str, stamp: str) -> None:
    """What a key looks like once its last use is `stamp` (written straight to its item)."""
    ApiKeyModel.get(pid, key_id, consistent_read=True).update(actions=[ApiKeyModel.last_used_at.set(stamp)])


def raw_counters(pid: str) -> list[UsageCounterModel]:
    """The raw counters of the project in DynamoDB, as the verifying processes wrote them."""
    return [item for item in UsageCounterModel.scan(consistent_read=True) if item.project_id == pid]


def stored_totals(pid: str) -> int:
    return sum(1 for item in UsageTotalModel.scan(consistent_read=True) if item.series.startswith(f"{pid}#"))


# --- a project with every kind of key, and a round of mixed verifications --------------


class Mixed(JwtProject, HmacProject):
    """A project with opaque, JWT and HMAC keys, seen by its owner and its servers."""


class Keys:
    """The keys of one `Mixed` project, in every state a verification can meet."""

    def __init__(self, project: Mixed, foreign_secret: str) -> None:
        api, pid = project.api, project.pid
        self.opaque, self.opaque_secret = project.issue(["orders:read"])
        self.jwt, self.jwt_token = project.issue_jwt(["orders:read"])
        self.hmac, self.hmac_token, self.hmac_secret = project.issue_hmac(["orders:read"])
        self.revoked, self.revoked_secret = project.issue(["orders:read"])
        self.revoked_jwt, self.revoked_jwt_token = project.issue_jwt(["orders:read"])
        for key in (self.revoked, self.revoked_jwt):
            assert api.delete(f"/v1/projects/{pid}/keys/{key['id']}", as_user="ann").status == 204
        self.rerolled, self.rerolled_secret = project.issue(["orders:read"])
        reroll = api.post(f"/v1/projects/{pid}/keys/{self.rerolled['id']}/reroll", {"grace_seconds": 0}, as_user="ann")
        assert reroll.status in (200, 201), reroll.body
        self.successor: dict[str, Any] = reroll.json["key"]
        self.idle, _ = project.issue(["orders:read"])
        self.foreign_secret = foreign_secret

    @property
    def ids(self) -> list[str]:
        return [
            k["id"]
            for k in (
                self.opaque,
                self.jwt,
                self.hmac,
                self.revoked,
                self.revoked_jwt,
                self.rerolled,
                self.successor,
                self.idle,
            )
        ]


def verify_all_kinds(project: Mixed, keys: Keys, tally: Tally) -> None:
    """One round of verifications of every outcome, through both verification routes."""
    opaque, jwt, hmac = keys.opaque["id"], keys.jwt["id"], keys.hmac["id"]
    for _ in range(3):
        tally.add(project.code(keys.opaque_secret), "VALID", opaque)
    tally.add(project.code(keys.opaque_secret, ["orders:write"]), "INSUFFICIENT_PERMISSIONS", opaque)
    for _ in range(2):
        tally.add(project.code(keys.jwt_token), "VALID", jwt)
    tally.add(project.code(keys.jwt_token, ["orders:write"]), "INSUFFICIENT_PERMISSIONS", jwt)
    signed = sign(keys.hmac_token, keys.hmac_secret)
    tally.add(project.verdict(signed), "VALID", hmac)
    tally.add(project.verdict(signed), "REPLAYED", hmac)
    tally.add(
        project.verdict(sign(keys.hmac_token, keys.hmac_secret), ["orders:write"]), "INSUFFICIENT_PERMISSIONS", hmac
    )
    # A signature the key's secret did not make: anyone can name a token, so it is no use of the key.
    tally.add(project.verdict(sign(keys.hmac_token, WRONG_SECRET)), "INVALID_SIGNATURE", None)
    tally.add(project.verdict(sign(well_formed_token(), WRONG_SECRET)), "NOT_FOUND", None)
    tally.add(project.verdict(signed.with_headers(authorization=None)), "MALFORMED", None)
    tally.add(project.code(keys.revoked_secret), "REVOKED", keys.revoked["id"])
    tally.add(project.code(keys.revoked_jwt_token), "REVOKED", keys.revoked_jwt["id"])
    tally.add(project.code(keys.rerolled_secret), "EXPIRED", keys.rerolled["id"])
    tally.add(project.code("kw_not-a-key"), "MALFORMED", None)
    tally.add(project.code(""), "MALFORMED", None)
    tally.add(project.code(well_formed_key(keys.opaque_secret)), "NOT_FOUND", None)
    # Another project's key, presented with this project's service key.
    tally.add(project.code(keys.foreign_secret), "NOT_FOUND", None)


@pytest.fixture
def scene(api: Api) -> tuple[Mixed, Keys, Project]:
    """A project with keys of every kind and state, and another project (bob's) with one key."""
    other = Project(api, owner="bob", name="Other")
    _, foreign_secret = other.issue(["orders:read"])
    project = Mixed(api, owner="ann")
    return project, Keys(project, foreign_secret), other


# --- 1. the issue's "done when" ----------------------------------------------------------


@pytest.fixture
def atomic_aws_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each AWS call atomic, as DynamoDB makes each conditional write and transaction: the
    in-process moto checks a condition and writes in separate steps that threads could
    interleave (a race of the mock, not of the service). Calls of several threads still
    interleave freely with each other."""
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.RLock()
    real = BotocoreStubber.process_request

    def one_at_a_time(self: BotocoreStubber, request: Any) -> Any:
        with lock:
            return real(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", one_at_a_time)


def run_concurrently(*jobs: Callable[[], Any]) -> list[Any]:
    """Runs the jobs in threads released at the same moment; returns their results or raises the first error."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[index] = job()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    if errors:
        raise errors[0]
    return results


def test_every_verification_is_counted_once_in_every_granularity(
    api: Api, scene: tuple[Mixed, Keys, Project], atomic_aws_calls: None
) -> None:
    project, keys, other = scene
    tally = Tally()
    verify_all_kinds(project, keys, tally)
    assert {"VALID", "INSUFFICIENT_PERMISSIONS", "NOT_FOUND", "MALFORMED", "REVOKED", "EXPIRED"} <= set(tally.project)
    # The other project's own server verifies its key once: that is the other project's use.
    assert other.code(keys.foreign_secret) == "VALID"

    rollup(api)
    rollup(api)
    assert_counted(api, project.pid, tally, keys.ids)
    assert observed(api, other.pid, "day", as_user="bob") == Counter({"VALID": 1})

    # More of every outcome, then two rollups at once, in threads: their DynamoDB calls
    # interleave as the threads are scheduled (each call atomic, see `atomic_aws_calls`).
    verify_all_kinds(project, keys, tally)
    run_concurrently(usage_rollup.rollup, usage_rollup.rollup)
    assert_counted(api, project.pid, tally, keys.ids)
    rollup(api)
    assert_counted(api, project.pid, tally, keys.ids)
    assert observed(api, other.pid, "month", as_user="bob") == Counter({"VALID": 1})

    # last_used_at: the latest valid verification, and only of keys that had one.
    for key in (keys.opaque, keys.jwt, keys.hmac):
        stamp = last_used(api, project.pid, key["id"])
        assert stamp is not None and time.time() - 120 <= epoch(stamp) <= time.time() + 1, (key["type"], stamp)
    for key in (keys.revoked, keys.revoked_jwt, keys.rerolled, keys.successor, keys.idle):
        assert last_used(api, project.pid, key["id"]) is None, key["id"]


def test_concurrent_rollups_over_counts_still_arriving(
    api: Api, scene: tuple[Mixed, Keys, Project], atomic_aws_calls: None
) -> None:
    """Rollups racing with each other and with verifications and flushes: once the last rollup
    has run, nothing is lost or doubled."""
    project, keys, _ = scene
    tally = Tally()

    def verify_and_flush() -> None:
        for _ in range(3):
            verify_all_kinds(project, keys, tally)
            usage_recorder.flush()

    def rollups() -> None:
        for _ in range(4):
            usage_rollup.rollup()

    run_concurrently(verify_and_flush, rollups, rollups)
    rollup(api)
    assert_counted(api, project.pid, tally, keys.ids)


# --- 2. failures half way: flushes and rollups ---------------------------------------------


def issue_many(project: Project, count: int) -> tuple[list[dict[str, Any]], list[str]]:
    role_id = project.role(["orders:read"])
    issued = [project.issue(role_id=role_id) for _ in range(count)]
    return [key for key, _ in issued], [secret for _, secret in issued]


def use_each(project: Project, keys: list[dict[str, Any]], secrets: list[str], tally: Tally) -> None:
    """A valid use of each key, and a malformed one (the project's row of no key)."""
    for key, secret in zip(keys, secrets, strict=True):
        tally.add(project.code(secret), "VALID", key["id"])
    tally.add(project.code("kw_not-a-key"), "MALFORMED", None)


def stored_day_totals(pid: str, key_ids: list[str]) -> dict[str, Counter[str]]:
    """Each key's day totals as stored, added up over the days of the last month (a quicker read
    than the API's, for many keys)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    first, last = stamp(today - timedelta(days=31)), stamp(today)
    found: dict[str, Counter[str]] = {}
    for key_id in key_ids:
        found[key_id] = Counter()
        for total in usage_totals.between(pid, key_id, "day", first, last):
            found[key_id].update(total.counts)
    return found


def test_a_flush_that_fails_part_way_is_written_again_whole(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Some of a flush's puts fail (the connection dropped): the next flush writes everything
    again, once."""
    project = Project(api)
    keys, secrets = issue_many(project, 5)
    tally = Tally()
    use_each(project, keys, secrets, tally)
    real = usage_counters._write_one
    puts: list[str] = []

    def two_then_dropped(row: usage_counters.CounterRow, seq: int) -> None:
        puts.append(row.key_id)
        if len(puts) > 2:
            raise Simulated("the connection dropped")
        real(row, seq)

    monkeypatch.setattr(usage_counters, "_write_one", two_then_dropped)
    with pytest.raises(Simulated):
        usage_recorder.flush()
    assert len(puts) == len(keys) + 1  # every row was tried (the keys', and the malformed key's)
    assert len(raw_counters(project.pid)) == 2

    # Verifications go on meanwhile, then a flush that works; and the rollup's own flush.
    monkeypatch.setattr(usage_counters, "_write_one", real)
    use_each(project, keys[:3], secrets[:3], tally)
    assert usage_recorder.flush() == len(keys) + 1
    use_each(project, keys[-2:], secrets[-2:], tally)
    rollup(api)
    assert len(raw_counters(project.pid)) == len(keys) + 1
    ids = [key["id"] for key in keys]
    assert_counted(api, project.pid, tally, ids)
    assert stored_day_totals(project.pid, ids) == {key_id: tally.of(key_id) for key_id in ids}


def test_a_flush_whose_response_was_lost_is_not_counted_twice(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A put lands but the caller sees an error: the counts are written again, with what came
    meanwhile, and a rollup that ran in between does not count them twice."""
    project = Project(api)
    keys, secrets = issue_many(project, 5)
    tally = Tally()
    use_each(project, keys, secrets, tally)
    real = usage_counters._write_one
    puts = itertools.count(1)

    def third_response_lost(row: usage_counters.CounterRow, seq: int) -> None:
        real(row, seq)
        if next(puts) == 3:
            raise Simulated("the put landed, its response was lost")

    monkeypatch.setattr(usage_counters, "_write_one", third_response_lost)
    with pytest.raises(Simulated):
        usage_recorder.flush()
    monkeypatch.setattr(usage_counters, "_write_one", real)
    assert len(raw_counters(project.pid)) == len(keys) + 1  # all landed, unknown to the writer

    # A rollup (of another process: it has no buffer to flush) covers what landed; then
    # the writer writes its counts again, whole, with what it counted meanwhile.
    with monkeypatch.context() as elsewhere:
        elsewhere.setattr(usage_rollup, "_flush_local_buffer", lambda: 0)
        usage_rollup.rollup()
    assert_counted(api, project.pid, tally, [key["id"] for key in keys])
    use_each(project, keys[:2], secrets[:2], tally)
    rollup(api)
    rollup(api)
    assert_counted(api, project.pid, tally, [key["id"] for key in keys])


def test_counts_outlive_hours_of_failing_flushes(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB unreachable for three hours: the process keeps its counts and writes them when it can."""
    project = Project(api)
    key, secret = project.issue(["orders:read"])
    for _ in range(2):
        assert project.code(secret) == "VALID"
    real_write, real_time = usage_counters.write, time.time

    def unreachable(rows: list[usage_counters.CounterRow], seq: int) -> None:
        raise Simulated("DynamoDB is unreachable")

    monkeypatch.setattr(usage_counters, "write", unreachable)
    for hours_later in (1, 3):
        later = SimpleNamespace(time=lambda h=hours_later: real_time() + h * 3600, monotonic=time.monotonic)
        monkeypatch.setattr(usage_recorder, "time", later)
        with pytest.raises(Simulated):
            usage_recorder.flush()
    monkeypatch.setattr(usage_counters, "write", real_write)
    usage_recorder.flush()
    rollup(api)
    assert observed(api, project.pid, "day", key["id"]) == Counter({"VALID": 2})


# A round here writes 7 hour totals (6 keys and the project), then 7 days, then 7 months.
@pytest.mark.parametrize("crash_at", [0, 5, 9, 16])
def test_a_rollup_that_stops_while_writing_totals_is_finished_by_the_next(
    api: Api, scene: tuple[Mixed, Keys, Project], monkeypatch: pytest.MonkeyPatch, crash_at: int
) -> None:
    project, keys, _ = scene
    tally = Tally()
    verify_all_kinds(project, keys, tally)
    rollup(api)
    verify_all_kinds(project, keys, tally)
    usage_recorder.flush()
    real = usage_totals.put
    puts: list[str] = []

    def stops_part_way(*args: Any) -> bool:
        if len(puts) == crash_at:
            raise Simulated("the rollup's function timed out")
        puts.append(args[2])
        return real(*args)

    monkeypatch.setattr(usage_totals, "put", stops_part_way)
    with pytest.raises(Simulated):
        usage_rollup.rollup()
    monkeypatch.setattr(usage_totals, "put", real)
    rollup(api)
    assert_counted(api, project.pid, tally, keys.ids)
    rollup(api)
    assert_counted(api, project.pid, tally, keys.ids)


def test_a_rollup_that_stops_while_marking_counters_covered_changes_nothing_when_rerun(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Project(api)
    keys, secrets = issue_many(project, 6)
    tally = Tally()
    use_each(project, keys[:2], secrets[:2], tally)
    rollup(api)
    use_each(project, keys, secrets, tally)
    usage_recorder.flush()
    real = usage_counters.mark_covered

    def stops_part_way(items: Any) -> int:
        items = list(items)
        real(items[: len(items) // 2])
        raise Simulated("the rollup's function timed out")

    monkeypatch.setattr(usage_counters, "mark_covered", stops_part_way)
    with pytest.raises(Simulated):
        usage_rollup.rollup()
    monkeypatch.setattr(usage_counters, "mark_covered", real)
    assert any(item.dirty is not None for item in raw_counters(project.pid))
    assert any(item.dirty is None for item in raw_counters(project.pid))
    ids = [key["id"] for key in keys]
    assert_counted(api, project.pid, tally, ids)
    rollup(api)
    assert all(item.dirty is None for item in raw_counters(project.pid))
    assert_counted(api, project.pid, tally, ids)


# --- 3. sync mode ----------------------------------------------------------------------------


def test_in_sync_mode_a_verification_is_in_dynamodb_when_it_answers(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    project = Project(api)
    key, secret = project.issue(["orders:read"])
    # The default (buffered) mode, for contrast: answered, not yet written.
    assert project.code(secret) == "VALID"
    assert raw_counters(project.pid) == []

    monkeypatch.setenv("KEYWARDEN_USAGE_MODE", "sync")
    reset_settings()
    usage_recorder.reset_recorder()  # the buffered count above is forgotten with its process
    assert project.code(secret) == "VALID"
    written = raw_counters(project.pid)
    assert [(item.key_id, item.counts) for item in written] == [(key["id"], {"VALID": 1})]
    assert project.code(secret, ["orders:write"]) == "INSUFFICIENT_PERMISSIONS"
    assert project.code("kw_not-a-key") == "MALFORMED"
    counted = Counter[str]()
    by_key: dict[str, Counter[str]] = {}
    for item in raw_counters(project.pid):
        counted.update(item.counts)
        by_key.setdefault(item.key_id, Counter()).update(item.counts)
    assert counted == Counter({"VALID": 1, "INSUFFICIENT_PERMISSIONS": 1, "MALFORMED": 1})
    assert by_key[key["id"]] == Counter({"VALID": 1, "INSUFFICIENT_PERMISSIONS": 1})
    # Nothing waits in the process's buffer; totals and last_used_at still come from the rollup.
    assert usage_recorder.recorder().buffer.pending == 0
    assert observed(api, project.pid, "day") == Counter()
    assert last_used(api, project.pid, key["id"]) is None
    rollup(api)
    assert observed(api, project.pid, "day") == counted
    assert observed(api, project.pid, "hour", key["id"]) == by_key[key["id"]]
    assert last_used(api, project.pid, key["id"]) is not None


# --- 4. the usage API ----------------------------------------------------------------------


def test_counts_appear_only_after_the_rollup(api: Api) -> None:
    project = Project(api)
    key, secret = project.issue(["orders:read"])
    for _ in range(2):
        assert project.code(secret) == "VALID"
    assert project.code(secret, ["orders:write"]) == "INSUFFICIENT_PERMISSIONS"
    for granularity in GRANULARITIES:
        assert observed(api, project.pid, granularity) == Counter()
    usage_recorder.flush()
    # Flushed raw counters are no totals, and verifying never sets last_used_at.
    assert len(raw_counters(project.pid)) == 1
    assert stored_totals(project.pid) == 0
    assert observed(api, project.pid, "hour") == Counter()
    assert observed(api, project.pid, "hour", key["id"]) == Counter()
    assert last_used(api, project.pid, key["id"]) is None
    rollup(api)
    expected = Counter({"VALID": 2, "INSUFFICIENT_PERMISSIONS": 1})
    for granularity in GRANULARITIES:
        assert observed(api, project.pid, granularity) == expected
        assert observed(api, project.pid, granularity, key["id"]) == expected


def test_the_default_range_ends_with_the_current_period(api: Api) -> None:
    project = Project(api)
    for granularity, points in (("day", 30), ("hour", 24), ("month", 12)):
        before = datetime.now(UTC)
        reply = usage(api, project.pid) if granularity == "day" else usage(api, project.pid, granularity=granularity)
        after = datetime.now(UTC)
        assert reply.status == 200, reply.body
        body = reply.json
        assert body["granularity"] == granularity and body["key_id"] is None
        series = body["series"]
        assert len(series) == points, granularity
        current = {stamp(period_start(granularity, before)), stamp(period_start(granularity, after))}
        assert series[-1]["period_start"] in current, granularity
        assert body["from"] == series[0]["period_start"]
        assert stamp(before) <= body["to"] <= stamp(after)
        starts = [moment_of(p["period_start"]) for p in series]
        for earlier, later in itertools.pairwise(starts):
            if granularity == "hour":
                assert later - earlier == timedelta(hours=1)
            elif granularity == "day":
                assert later - earlier == timedelta(days=1)
            else:
                assert (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month) == 1 and later.day == 1
        assert all(p == {"period_start": p["period_start"], "valid": 0, "invalid": 0, "by_code": {}} for p in series)
        assert body["totals"] == {"valid": 0, "invalid": 0}


def test_the_series_is_dense_and_periods_start_in_utc(api: Api) -> None:
    project = Project(api)
    _, secret = project.issue(["orders:read"])
    assert project.code(secret) == "VALID"
    rollup(api)
    now = datetime.now(UTC)
    hour = period_start("hour", now)
    reply = usage(
        api,
        project.pid,
        granularity="hour",
        from_=stamp(hour - timedelta(hours=3)),
        to=stamp(hour + timedelta(hours=2)),
    )
    assert reply.status == 200, reply.body
    series = reply.json["series"]
    assert [p["period_start"] for p in series] == [stamp(hour + timedelta(hours=h)) for h in range(-3, 2)]
    assert [p["valid"] for p in series] == [0, 0, 0, 1, 0]
    assert [p["by_code"] for p in series] == [{}, {}, {}, {"VALID": 1}, {}]
    assert reply.json["totals"] == {"valid": 1, "invalid": 0}

    # Months across a year's end; an offset is read as the UTC moment it names.
    months = usage(api, project.pid, granularity="month", from_="2025-11-15T10:00:00Z", to="2026-02-10T00:00:00Z")
    assert months.status == 200, months.body
    assert [p["period_start"] for p in months.json["series"]] == [
        "2025-11-01T00:00:00Z",
        "2025-12-01T00:00:00Z",
        "2026-01-01T00:00:00Z",
        "2026-02-01T00:00:00Z",
    ]
    assert (months.json["from"], months.json["to"]) == ("2025-11-01T00:00:00Z", "2026-02-10T00:00:00Z")
    days = usage(api, project.pid, granularity="day", from_="2026-01-01T00:30:00+01:00", to="2026-01-02T00:00:00+01:00")
    assert days.status == 200, days.body
    assert [p["period_start"] for p in days.json["series"]] == ["2025-12-31T00:00:00Z", "2026-01-01T00:00:00Z"]
    assert days.json["to"] == "2026-01-01T23:00:00Z"


def test_the_longest_ranges_are_served(api: Api) -> None:
    project = Project(api)
    for granularity, first, last, points in (
        ("hour", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", 744),
        ("day", "2025-01-01T00:00:00Z", "2026-02-05T00:00:00Z", 400),
        ("month", "2016-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 120),
    ):
        reply = usage(api, project.pid, granularity=granularity, from_=first, to=last)
        assert reply.status == 200, reply.body
        assert len(reply.json["series"]) == points
        assert reply.json["series"][0]["period_start"] == first


BAD_QUERIES: list[dict[str, str]] = [
    {"granularity": "week"},
    {"granularity": "HOUR"},
    {"granularity": ""},
    {"from": "2026-01-01", "to": "2026-01-02T00:00:00Z"},
    {"from": "2026-01-01T00:00:00", "to": "2026-01-02T00:00:00Z"},
    {"from": "1767225600", "to": "2026-01-02T00:00:00Z"},
    {"from": "yesterday"},
    {"to": "2026-01-02 00:00:00Z"},
    {"from": "2026-13-01T00:00:00Z", "to": "2026-12-02T00:00:00Z"},
    {"from": "2026-02-30T00:00:00Z", "to": "2026-03-02T00:00:00Z"},
    {"from": "2026-01-01T24:00:00Z", "to": "2026-03-02T00:00:00Z"},
    {"from": "2026-01-01T00:00:60Z", "to": "2026-03-02T00:00:00Z"},
    {"from": "2026-01-01T00:00:00+25:00", "to": "2026-03-02T00:00:00Z"},
    # from >= to
    {"from": "2026-01-02T00:00:00Z", "to": "2026-01-02T00:00:00Z"},
    {"from": "2026-01-03T00:00:00Z", "to": "2026-01-02T00:00:00Z"},
    {"granularity": "hour", "from": "2026-01-02T10:00:00Z", "to": "2026-01-02T09:59:59Z"},
    {"from": "2999-01-01T00:00:00Z"},  # after the default `to` (now)
    # more periods than the limits: 745 hours, 401 days, 121 months
    {"granularity": "hour", "from": "2026-01-01T00:00:00Z", "to": "2026-02-01T01:00:00Z"},
    {"granularity": "hour", "from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:01Z"},
    {"granularity": "day", "from": "2025-01-01T00:00:00Z", "to": "2026-02-06T00:00:00Z"},
    {"granularity": "month", "from": "2016-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"},
    {"granularity": "day", "from": "2001-01-01T00:00:00Z"},
    {"granularity": "month", "from": "0001-01-01T00:00:00Z", "to": "9999-12-31T23:59:59Z"},
    {"key_id": ""},
]


def test_a_bad_query_is_422(api: Api) -> None:
    project = Project(api)
    wrong = {}
    for params in BAD_QUERIES:
        reply = api.get(f"/v1/projects/{project.pid}/usage?{urlencode(params)}", as_user="ann")
        if (reply.status, reply.code) != (422, "validation_failed"):
            wrong[urlencode(params)] = (reply.status, reply.body[:200])
    assert wrong == {}


EDGES: list[dict[str, str]] = [
    # The last periods a datetime can hold, and moments whose UTC time is out of range.
    {"granularity": "month", "from": "9999-12-01T00:00:00Z", "to": "9999-12-31T23:59:59Z"},
    {"granularity": "day", "from": "9999-12-31T00:00:00Z", "to": "9999-12-31T23:59:59Z"},
    {"granularity": "hour", "from": "9999-12-31T22:00:00Z", "to": "9999-12-31T23:59:59Z"},
    {"granularity": "hour", "from": "9999-12-31T23:00:00Z", "to": "9999-12-31T23:59:59Z"},
    {"granularity": "month", "to": "9999-12-31T23:59:59Z"},
    {"granularity": "day", "to": "9999-12-31T23:59:59-10:00"},
    {"granularity": "day", "from": "9999-12-31T00:00:00-10:00", "to": "9999-12-31T23:59:59Z"},
    {"granularity": "month", "to": "0001-01-01T00:00:01Z"},
    {"granularity": "day", "to": "0001-01-15T00:00:00Z"},
    {"granularity": "hour", "to": "0001-01-01T05:00:00Z"},
    {"granularity": "hour", "from": "0001-01-01T00:00:00+01:00", "to": "0001-01-01T05:00:00Z"},
    {"granularity": "month", "from": "9999-01-01T00:00:00Z", "to": "9999-12-31T23:59:59Z"},
]


def test_ranges_at_the_ends_of_time_are_answered_never_5xx(api: Api) -> None:
    project = Project(api)
    wrong = {}
    for params in EDGES:
        reply = api.get(f"/v1/projects/{project.pid}/usage?{urlencode(params)}", as_user="ann")
        if reply.status == 422 and reply.code == "validation_failed":
            continue
        fine = reply.status == 200
        if fine:
            series = reply.json["series"]
            fine = (
                bool(series) and all(p["by_code"] == {} for p in series) and series[-1]["period_start"] <= params["to"]
            )
        if not fine:
            wrong[urlencode(params)] = (reply.status, reply.body[:200])
    assert wrong == {}


def test_a_range_before_the_year_1000_is_answered_in_rfc3339(api: Api) -> None:
    project = Project(api)
    reply = usage(api, project.pid, granularity="hour", from_="0001-01-01T00:00:00Z", to="0001-01-01T03:00:00Z")
    assert reply.status == 200, reply.body
    assert [p["period_start"] for p in reply.json["series"]] == [
        "0001-01-01T00:00:00Z",
        "0001-01-01T01:00:00Z",
        "0001-01-01T02:00:00Z",
    ]
    assert (reply.json["from"], reply.json["to"]) == ("0001-01-01T00:00:00Z", "0001-01-01T03:00:00Z")


def test_who_may_read_usage_and_of_which_keys(api: Api) -> None:
    project = Project(api, vic="viewer", dave="developer")
    other = Project(api, owner="bob", name="Other")
    key, secret = project.issue(["orders:read"])
    their_key, _ = other.issue(["orders:read"])
    assert project.code(secret) == "VALID"
    rollup(api)
    for member in ("ann", "vic", "dave"):
        whole = usage(api, project.pid, as_user=member)
        assert whole.status == 200, (member, whole.body)
        assert whole.json["totals"] == {"valid": 1, "invalid": 0}
        one = usage(api, project.pid, as_user=member, key_id=key["id"])
        assert one.status == 200, (member, one.body)
        assert one.json["totals"] == {"valid": 1, "invalid": 0}
    # Not a member: the project does not exist for them, as for its other routes.
    for outsider in ("bob", "eve"):
        reply = usage(api, project.pid, as_user=outsider)
        assert (reply.status, reply.code) == (404, "not_found"), (outsider, reply.body)
    assert api.get(f"/v1/projects/{project.pid}/usage").status == 401
    # Only a key of this project: not another project's, nor the series markers, nor none.
    for key_id in (their_key["id"], "key_nonexistent", "*", "-"):
        reply = usage(api, project.pid, key_id=key_id)
        assert (reply.status, reply.code) == (404, "not_found"), (key_id, reply.body)
    assert usage(api, other.pid, as_user="bob", key_id=key["id"]).status == 404


# --- 5. idle keys --------------------------------------------------------------------------


def test_unused_days_lists_keys_without_a_recent_valid_use(api: Api) -> None:
    project = Project(api)
    used, used_secret = project.issue(["orders:read"])
    refused, refused_secret = project.issue(["orders:read"])
    never, _ = project.issue(["orders:read"])
    everyone = {used["id"], refused["id"], never["id"]}
    assert idle_ids(api, project.pid, 1) == everyone
    assert project.code(used_secret) == "VALID"
    assert project.code(refused_secret, ["orders:write"]) == "INSUFFICIENT_PERMISSIONS"
    assert idle_ids(api, project.pid, 1) == everyone  # counted, not rolled up yet
    rollup(api)
    # Only a valid verification is a use.
    assert idle_ids(api, project.pid, 1) == {refused["id"], never["id"]}
    assert idle_ids(api, project.pid, 36500) == {refused["id"], never["id"]}

    set_last_used_at(project.pid, used["id"], rfc3339(time.time() - 3 * 86400))
    assert idle_ids(api, project.pid, 1) == everyone
    assert idle_ids(api, project.pid, 2) == everyone
    assert idle_ids(api, project.pid, 4) == {refused["id"], never["id"]}
    # Combined with the other filters.
    active = api.get(f"/v1/projects/{project.pid}/keys?unused_days=2&status=active&type=opaque", as_user="ann")
    assert {k["id"] for k in active.json["items"]} == everyone
    for bad in ("0", "-1", "x", "36501"):
        reply = api.get(f"/v1/projects/{project.pid}/keys?unused_days={bad}", as_user="ann")
        assert (reply.status, reply.code) == (422, "validation_failed"), (bad, reply.body)


def test_a_rerolled_keys_use_during_its_grace_is_its_own(api: Api) -> None:
    project = Project(api)
    old, old_secret = project.issue(["orders:read"])
    reroll = api.post(f"/v1/projects/{project.pid}/keys/{old['id']}/reroll", {"grace_seconds": 3600}, as_user="ann")
    assert reroll.status in (200, 201), reroll.body
    new, new_secret = reroll.json["key"], reroll.json["secret"]["key"]
    for _ in range(2):
        assert project.code(old_secret) == "VALID"
    assert project.code(new_secret, ["orders:write"]) == "INSUFFICIENT_PERMISSIONS"
    rollup(api)
    assert observed(api, project.pid, "day", old["id"]) == Counter({"VALID": 2})
    assert observed(api, project.pid, "day", new["id"]) == Counter({"INSUFFICIENT_PERMISSIONS": 1})
    first = last_used(api, project.pid, old["id"])
    assert first is not None and epoch(first) >= time.time() - 120
    assert last_used(api, project.pid, new["id"]) is None
    assert idle_ids(api, project.pid, 1) == {new["id"]}

    # Its last use moves on with the next valid verification.
    set_last_used_at(project.pid, old["id"], rfc3339(time.time() - 5 * 86400))
    assert idle_ids(api, project.pid, 1) == {old["id"], new["id"]}
    assert project.code(old_secret) == "VALID"
    rollup(api)
    moved = last_used(api, project.pid, old["id"])
    assert moved is not None and epoch(moved) >= time.time() - 120
    assert observed(api, project.pid, "month", old["id"]) == Counter({"VALID": 3})
    assert idle_ids(api, project.pid, 1) == {new["id"]}


# --- 6. last_used_at never moves back -------------------------------------------------------


def test_a_late_count_of_an_older_hour_does_not_move_last_used_back(api: Api) -> None:
    project = Project(api)
    key, secret = project.issue(["orders:read"])
    assert project.code(secret) == "VALID"
    rollup(api)
    latest = last_used(api, project.pid, key["id"])
    assert latest is not None

    # Another process's buffer, flushed late: valid uses from three hours ago.
    late = usage_recorder.Writer("another-process")
    three_hours_ago = time.time() - 3 * 3600
    for _ in range(2):
        late.add(project.pid, key["id"], "VALID", three_hours_ago)
    assert late.flush() == 1
    rollup(api)
    assert last_used(api, project.pid, key["id"]) == latest
    hours = usage(api, project.pid, granularity="hour", key_id=key["id"]).json["series"]
    assert [p["valid"] for p in hours if p["valid"]] == [2, 1]
    assert observed(api, project.pid, "day", key["id"]) + observed(api, project.pid, "month", key["id"]) == Counter(
        {"VALID": 6}
    )


def test_a_round_cut_short_has_finished_the_batches_before(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A backlog bigger than one round: the function's timeout (here: an error at the fifth
    project-hour) leaves the batches before it rolled into days and marked covered, and the
    next round picks up the rest, each count once."""
    project = Project(api)
    key, _ = project.issue(["orders:read"])
    hours = [f"2026-11-20T{h:02d}:00:00Z" for h in range(6)]
    rows = [
        usage_counters.CounterRow(project.pid, key["id"], hour, "w", {"VALID": i + 1}, None)
        for i, hour in enumerate(hours)
    ]
    usage_counters.write(rows, 1)
    monkeypatch.setattr(usage_rollup, "BATCH_PARTITIONS", 2)
    real_partition, reads = usage_counters.partition, itertools.count(1)

    def killed_at_the_fifth(pk: str) -> Any:
        if next(reads) == 5:
            raise TimeoutError("the function's time is up")
        return real_partition(pk)

    monkeypatch.setattr(usage_counters, "partition", killed_at_the_fifth)
    with pytest.raises(TimeoutError):
        usage_rollup.rollup()
    # Two batches of two finished: four hours in the day's total, four counters covered.
    day = usage(api, project.pid, granularity="day", from_="2026-11-20T00:00:00Z", to="2026-11-21T00:00:00Z")
    assert day.json["totals"] == {"valid": 1 + 2 + 3 + 4, "invalid": 0}
    left = [c.pk for c in UsageCounterModel.unrolled.query(usage_counters.DIRTY)]
    assert len(left) == 2

    monkeypatch.setattr(usage_counters, "partition", real_partition)
    # The budget is checked before each project-hour: a round that runs out stops there.
    clock = itertools.count()
    monkeypatch.setattr(usage_rollup, "time", SimpleNamespace(monotonic=lambda: float(next(clock))))
    second = usage_rollup.rollup(budget_seconds=1.5)
    assert second["left_for_next_round"] is True
    assert (second["partitions"], second["covered"]) == (1, 1)
    third = usage_rollup.rollup(budget_seconds=1e9)
    assert (third["partitions"], third["covered"]) == (1, 1)
    for granularity in ("hour", "day", "month"):
        reply = usage(
            api, project.pid, granularity=granularity, from_="2026-11-20T00:00:00Z", to="2026-11-21T00:00:00Z"
        )
        assert reply.json["totals"] == {"valid": 21, "invalid": 0}, (granularity, reply.json)
