"""Usage rollup benchmark: what one round costs in DynamoDB capacity, and what it grows with.

Against moto in-process (`mock_aws`), `--writers` usage writers (`usage_recorder.Writer`,
as verifying processes run them, with a stubbed clock) count verifications of `--keys`
keys (spread over `--projects` projects) in each of `--hours` hours of one UTC day, plus
the verifications that named no key, and flush once per hour: one counter item per
project, hour, key (or `-`) and writer, written by `usage_counters.write` (a conditional
put each). Then `jobs.usage_rollup.rollup()` runs, and for each round the bench prints
the DynamoDB calls by operation, the read and write capacity units, and the wall time:

- `first_round`: everything loaded is new;
- `first_round_10x`: the same key-hours, from a fresh store, with 10x the verifications
  (every count 10x larger, the same counter items): the cost must not move, and
  `ratio_10x_over_1x` divides the two;
- `second_round_nothing_new`: right after the first round (cost near zero);
- `after_one_key_hour_changed`: one writer counts one more verification of one key in the
  last hour and flushes; the round should cost about one project-hour partition.

Capacity units: every call asks for `ReturnConsumedCapacity=TOTAL` (a botocore
`before-parameter-build` hook), and `moto_reported` sums what came back (`after-call`);
moto answers a fixed placeholder per call (1 for a Query or PutItem, 0.5 for a GetItem or
UpdateItem, nothing for a transaction) whatever the sizes, so the units the bench reports
are computed from the items' sizes by DynamoDB's rules (`capacity_rules` in the output):
reads in 4 KB units per item for GetItem and per response for Query (sizes summed), 1 per
unit strongly consistent and 0.5 eventually consistent (every GSI read), at least one unit
a call; writes in 1 KB units of the larger of the item before and after, at least 1, x2 in
a transaction, a failed condition charged on the existing item; plus the write units of
each global secondary index the write adds an entry to, removes one from or changes. The
items before and after a write are read from moto's backend directly, unmetered, and the
time that takes is left out of `wall_seconds` (it is `accounting_seconds`).

moto snapshots (deep-copies) every table a transaction touches, once per item, to roll it
back on a failure: with tens of thousands of counters that makes loading quadratic, so the
bench skips the snapshot while its writers flush (no flush of theirs fails). The rollup
itself writes no transaction.

    python -m bench.rollup [--keys 1000] [--hours 24] [--writers 2] [--projects 1] [--budget-seconds inf]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent

# One writer's verifications of one key in one hour, at 1x; the 10x load repeats each 10 times.
KEY_PATTERN = ("VALID", "VALID", "VALID", "VALID", "INSUFFICIENT_PERMISSIONS")
# One writer's verifications in one project-hour that named no key of the project.
NO_KEY_PATTERN = ("NOT_FOUND", "NOT_FOUND", "MALFORMED")
# The counted day: fixed, so that every run rolls up into one day and one month.
DAY = datetime(2026, 1, 15, tzinfo=UTC)

READ_UNIT = 4096
WRITE_UNIT = 1024
WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
READS = {"GetItem", "Query", "Scan"}

CAPACITY_RULES = {
    "item_size": "attribute names + values (UTF-8 strings, numbers 1 byte per 2 significant digits + 1, "
    "lists and maps 3 bytes + 1 per element)",
    "GetItem": "ceil(item size / 4 KB), at least 1; x1 strongly consistent, x0.5 eventually",
    "Query": "ceil(sum of returned item sizes / 4 KB), at least 1, per call; x0.5 on a GSI (eventually consistent)",
    "PutItem/UpdateItem/DeleteItem": "ceil(max(size before, size after) / 1 KB), at least 1; "
    "a failed condition: ceil(size before / 1 KB), at least 1",
    "TransactWriteItems": "each item as a single write, x2",
    "GSI writes": "per index: 1 write unit per 1 KB of the entry added or removed, "
    "both when its key changes, 1 when only its projection changes",
}


# --- item sizes ------------------------------------------------------------------------------


def _number_size(text: str) -> int:
    # Leading and trailing zeros are trimmed (an integer's too: they are an exponent).
    digits = text.lstrip("+-").lower().split("e")[0].replace(".", "").strip("0")
    return math.ceil(max(len(digits), 1) / 2) + 1


def value_size(value: dict[str, Any]) -> int:
    """The size of one attribute value in DynamoDB's wire format, e.g. {"S": "abc"}."""
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return _number_size(inner)
    if kind == "B":
        return len(inner) if isinstance(inner, bytes) else len(inner) * 3 // 4
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(v.encode()) for v in inner)
    if kind == "NS":
        return sum(_number_size(v) for v in inner)
    if kind == "BS":
        return sum(len(v) for v in inner)
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in inner.items())
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def _units(size: int, unit: int) -> int:
    return max(1, math.ceil(size / unit))


# --- metering ----------------------------------------------------------------------------


class _Table:
    """A table's key attributes and global secondary indexes, as DescribeTable gives them."""

    def __init__(self, description: dict[str, Any]) -> None:
        self.keys = [part["AttributeName"] for part in description["KeySchema"]]
        self.indexes: dict[str, tuple[list[str], str, list[str]]] = {}
        for index in description.get("GlobalSecondaryIndexes", []):
            projection = index.get("Projection", {})
            self.indexes[index["IndexName"]] = (
                [part["AttributeName"] for part in index["KeySchema"]],
                projection.get("ProjectionType", "ALL"),
                projection.get("NonKeyAttributes", []),
            )

    def key_of(self, item: dict[str, Any]) -> dict[str, Any]:
        return {name: item[name] for name in self.keys}

    def index_entry(self, index: str, item: dict[str, Any] | None) -> dict[str, Any] | None:
        if item is None:
            return None
        keys, projection, extra = self.indexes[index]
        if any(name not in item for name in keys):
            return None  # sparse: the item is not in the index
        if projection == "ALL":
            return dict(item)
        names = set(keys) | set(self.keys) | (set(extra) if projection == "INCLUDE" else set())
        return {name: value for name, value in item.items() if name in names}


class Usage:
    """What a stretch of work cost: calls, computed units, moto's own report, time spent metering."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.read_units: defaultdict[str, float] = defaultdict(float)  # by table, or "table/index"
        self.write_units: defaultdict[str, int] = defaultdict(int)  # by table
        self.index_write_units: defaultdict[str, int] = defaultdict(int)  # by "table/index"
        self.moto_reported = 0.0
        self.accounting_seconds = 0.0
        self.uncosted: Counter[str] = Counter()

    def report(self, prefix: str) -> dict[str, Any]:
        short = {name: name.removeprefix(prefix) for name in (*self.read_units, *self.write_units)}
        reads = sum(self.read_units.values())
        writes = sum(self.write_units.values())
        index_writes = sum(self.index_write_units.values())
        result: dict[str, Any] = {
            "calls": dict(sorted(self.calls.items())),
            "read_units": reads,
            "write_units": writes + index_writes,
            "table_write_units": writes,
            "index_write_units": index_writes,
            "read_units_by_table": {short[n]: v for n, v in sorted(self.read_units.items())},
            "write_units_by_table": {short[n]: v for n, v in sorted(self.write_units.items())},
            "index_write_units_by_index": {
                n.removeprefix(prefix): v for n, v in sorted(self.index_write_units.items())
            },
            "moto_reported_capacity_units": self.moto_reported,
        }
        if self.uncosted:
            result["uncosted_calls"] = dict(self.uncosted)
        return result


class Meter:
    """Counts and costs every call of one botocore DynamoDB client (the service's shared one)."""

    def __init__(self, peek: Any, region: str) -> None:
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        self.peek = peek  # an unmetered client on the same moto, for the tables' descriptions
        self.backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][region]
        self.usage = Usage()
        self._tables: dict[str, _Table] = {}

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-parameter-build.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    @contextmanager
    def measuring(self) -> Iterator[Usage]:
        self.usage = Usage()
        yield self.usage

    def _table(self, name: str) -> _Table:
        if name not in self._tables:
            self._tables[name] = _Table(self.peek.describe_table(TableName=name)["Table"])
        return self._tables[name]

    def _get(self, table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
        """The stored item, read from moto's backend directly: a GetItem through moto's API
        costs milliseconds, and the bench reads an item before and after each write."""
        from moto.dynamodb.models.dynamo_type import DynamoType

        table = self.backend.get_table(table_name)
        range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        found = table.get_item(DynamoType(key[table.hash_key_attr]), range_key)
        return None if found is None else {name: value.to_regular_json() for name, value in found.attrs.items()}

    def _targets(self, operation: str, params: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
        """(kind, table, key or new item) for each item a write touches."""
        if operation == "PutItem":
            return [("Put", params["TableName"], params["Item"])]
        if operation in ("UpdateItem", "DeleteItem"):
            return [(operation.removesuffix("Item"), params["TableName"], params["Key"])]
        if operation == "TransactWriteItems":
            targets = []
            for entry in params["TransactItems"]:
                (kind, body), *_ = entry.items()
                targets.append((kind, body["TableName"], body["Item"] if kind == "Put" else body["Key"]))
            return targets
        return []

    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        started = time.perf_counter()
        if "ReturnConsumedCapacity" in model.input_shape.members:
            params["ReturnConsumedCapacity"] = "TOTAL"
        context["bench_params"] = params
        before = []
        for kind, table_name, key_or_item in self._targets(model.name, params):
            table = self._table(table_name)
            key = table.key_of(key_or_item)
            before.append((kind, table_name, key, key_or_item if kind == "Put" else None, self._get(table_name, key)))
        context["bench_before"] = before
        self.usage.accounting_seconds += time.perf_counter() - started

    def _after(self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        started = time.perf_counter()
        usage = self.usage
        operation = model.name
        params = context.get("bench_params", {})
        usage.calls[operation] += 1
        reported = parsed.get("ConsumedCapacity")
        for entry in reported if isinstance(reported, list) else [reported] if reported else []:
            usage.moto_reported += float(entry.get("CapacityUnits", 0))
        ok = http_response.status_code < 300
        if operation in READS:
            self._cost_read(operation, params, parsed)
        elif operation in WRITES or operation == "TransactWriteItems":
            factor = 2 if operation == "TransactWriteItems" else 1
            for kind, table_name, key, put_item, old in context.get("bench_before", []):
                if not ok:
                    usage.write_units[table_name] += factor * _units(item_size(old), WRITE_UNIT)
                    continue
                new = put_item if kind == "Put" else None if kind == "Delete" else self._get(table_name, key)
                if kind == "ConditionCheck":
                    new = old
                size = max(item_size(old), item_size(new))
                usage.write_units[table_name] += factor * _units(size, WRITE_UNIT)
                self._cost_indexes(table_name, old, new)
        elif operation not in ("DescribeTable", "CreateTable", "ListTables"):
            usage.uncosted[operation] += 1
        usage.accounting_seconds += time.perf_counter() - started

    def _cost_read(self, operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> None:
        table_name = params.get("TableName", "")
        index = params.get("IndexName")
        consistent = bool(params.get("ConsistentRead")) and index is None
        if operation == "GetItem":
            size = item_size(parsed.get("Item"))
        else:
            size = sum(item_size(item) for item in parsed.get("Items", []))
        units = _units(size, READ_UNIT) * (1.0 if consistent else 0.5)
        self.usage.read_units[f"{table_name}/{index}" if index else table_name] += units

    def _cost_indexes(self, table_name: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        table = self._table(table_name)
        for index, (keys, _, _) in table.indexes.items():
            before, after = table.index_entry(index, old), table.index_entry(index, new)
            if before is None and after is None:
                continue
            if before is None or after is None:
                units = _units(item_size(before or after), WRITE_UNIT)
            elif any(before[name] != after[name] for name in keys):
                units = _units(item_size(before), WRITE_UNIT) + _units(item_size(after), WRITE_UNIT)
            elif before != after:
                units = _units(max(item_size(before), item_size(after)), WRITE_UNIT)
            else:
                continue
            self.usage.index_write_units[f"{table_name}/{index}"] += units


# --- loading -----------------------------------------------------------------------------


class _Clock:
    """`time` as usage_recorder sees it: time() stubbed, monotonic() real."""

    def __init__(self) -> None:
        self.now = DAY.timestamp()
        self.monotonic = time.monotonic

    def time(self) -> float:
        return self.now


@contextmanager
def _writers_flushing() -> Iterator[_Clock]:
    """A stubbed clock for the usage writers, and moto's per-item table snapshots skipped."""
    import moto.dynamodb.models as moto_models

    from chalicelib.services import usage_recorder

    clock = _Clock()
    no_snapshot = SimpleNamespace(deepcopy=lambda value, memo=None: value)
    with mock.patch.object(usage_recorder, "time", clock), mock.patch.object(moto_models, "copy", no_snapshot):
        yield clock


def _create_keys(projects: list[str], keys_per_project: int) -> list[tuple[str, str]]:
    """Minimal key records (the rollup moves their `last_used_at`), written without metering."""
    from chalicelib.domain.ids import new_id
    from chalicelib.store.key_models import ApiKeyModel

    keys = []
    with ApiKeyModel.batch_write() as batch:
        for project in projects:
            for index in range(keys_per_project):
                key_id = new_id("key")
                keys.append((project, key_id))
                batch.save(
                    ApiKeyModel(
                        project,
                        key_id,
                        digest=uuid.uuid4().hex * 2,
                        type="opaque",
                        name=f"bench key {index}",
                        owner_id="bench-owner",
                        role_id=new_id("rol"),
                        permissions=["orders:read"],
                        hint="kw_…abcd",
                        created_at="2026-01-01T00:00:00Z",
                        created_by="bench-owner",
                    )
                )
    return keys


def load(
    writers: list[Any], projects: list[str], keys: list[tuple[str, str]], hours: int, scale: int, clock: _Clock
) -> int:
    """Each writer counts every key's verifications of each hour, then flushes; returns the count."""
    from chalicelib.domain.usage import NO_KEY

    verifications = 0
    key_codes = KEY_PATTERN * scale
    no_key_codes = NO_KEY_PATTERN * scale
    for hour in range(hours):
        at = DAY.timestamp() + hour * 3600 + 1800
        clock.now = at + 1799  # the writers' clock: the end of the hour being counted
        for writer in writers:
            for project, key_id in keys:
                for code in key_codes:
                    writer.add(project, key_id, code, at)
            for project in projects:
                for code in no_key_codes:
                    writer.add(project, NO_KEY, code, at)
            verifications += len(keys) * len(key_codes) + len(projects) * len(no_key_codes)
            writer.flush()
    return verifications


# --- rounds ------------------------------------------------------------------------------


def _round(meter: Meter, prefix: str, budget: float) -> dict[str, Any]:
    from chalicelib.jobs.usage_rollup import rollup

    with meter.measuring() as usage:
        started, cpu = time.perf_counter(), time.process_time()
        summary = rollup(budget)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    result = usage.report(prefix)
    result["wall_seconds"] = round(elapsed - usage.accounting_seconds, 2)
    # The process's CPU time (moto's included: it runs in-process), less little noise from
    # other processes on the machine than the wall time.
    result["cpu_seconds"] = round(cpu - usage.accounting_seconds, 2)
    result["accounting_seconds"] = round(usage.accounting_seconds, 2)
    result["rollup"] = summary
    return result


@contextmanager
def _store() -> Iterator[Meter]:
    """A fresh moto with the service's tables, its shared DynamoDB client metered."""
    import botocore.session
    from moto import mock_aws

    from chalicelib import aws
    from chalicelib.config import get_settings
    from chalicelib.resets import reset_all
    from chalicelib.store.tables import create_tables

    with mock_aws():
        reset_all()
        create_tables()
        peek = botocore.session.get_session().create_client("dynamodb", region_name=get_settings().region)
        meter = Meter(peek, get_settings().region)
        meter.attach(aws.client("dynamodb"))
        try:
            yield meter
        finally:
            reset_all()


def scenario(args: argparse.Namespace, scale: int, follow_up: bool) -> dict[str, Any]:
    from chalicelib.config import get_settings
    from chalicelib.domain.ids import new_id
    from chalicelib.services import usage_recorder

    result: dict[str, Any] = {}
    with _store() as meter:
        prefix = get_settings().table_prefix + "-"
        projects = [new_id("prj") for _ in range(args.projects)]
        keys = _create_keys(projects, math.ceil(args.keys / args.projects))[: args.keys]
        writers = [usage_recorder.Writer(uuid.uuid4().hex[:16]) for _ in range(args.writers)]
        with _writers_flushing() as clock, meter.measuring() as usage:
            started = time.perf_counter()
            verifications = load(writers, projects, keys, args.hours, scale, clock)
            elapsed = time.perf_counter() - started
        result["load"] = {
            "verifications": verifications,
            "counter_items": args.hours * args.writers * (len(keys) + len(projects)),
            "write_units": sum(usage.write_units.values()) + sum(usage.index_write_units.values()),
            "calls": dict(usage.calls),
            "wall_seconds": round(elapsed - usage.accounting_seconds, 2),
        }
        result["first_round"] = _round(meter, prefix, args.budget_seconds)
        if follow_up:
            result["second_round_nothing_new"] = _round(meter, prefix, args.budget_seconds)
            project, key_id = keys[0]
            with _writers_flushing() as clock:
                at = DAY.timestamp() + (args.hours - 1) * 3600 + 1800
                clock.now = at + 1799
                writers[0].add(project, key_id, "VALID", at)
                writers[0].flush()
            result["after_one_key_hour_changed"] = _round(meter, prefix, args.budget_seconds)
    return result


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--projects", type=int, default=1)
    # The deployed round stops taking new partitions after BUDGET_SECONDS and leaves them to
    # the next round; moto in-process is slower than DynamoDB, so by default the bench lets
    # every round finish (and reports the default budget beside its time).
    parser.add_argument("--budget-seconds", type=float, default=float("inf"))
    args = parser.parse_args()
    if not 1 <= args.hours <= 24:
        parser.error("--hours must be 1 to 24 (one UTC day)")
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        KEYWARDEN_STAGE="local",
    )
    os.environ.pop("KEYWARDEN_DYNAMODB_ENDPOINT", None)
    sys.path.insert(0, str(ROOT))
    from chalicelib.config import reset_settings
    from chalicelib.jobs.usage_rollup import BUDGET_SECONDS

    reset_settings()
    one = scenario(args, 1, follow_up=True)
    ten = scenario(args, 10, follow_up=False)
    first, first_10x = one["first_round"], ten["first_round"]
    measures = ("read_units", "write_units", "wall_seconds", "cpu_seconds")
    ratio = {name: _ratio(first_10x[name], first[name]) for name in measures}
    ratio["calls"] = _ratio(sum(first_10x["calls"].values()), sum(first["calls"].values()))
    print(
        json.dumps(
            {
                "keys": args.keys,
                "projects": args.projects,
                "hours": args.hours,
                "writers": args.writers,
                "budget_seconds": None if math.isinf(args.budget_seconds) else args.budget_seconds,
                "deployed_budget_seconds": BUDGET_SECONDS,
                "capacity_units": "computed from item sizes (moto reports a fixed placeholder per call)",
                "capacity_rules": CAPACITY_RULES,
                "load": one["load"],
                "first_round": first,
                "load_10x": ten["load"],
                "first_round_10x": first_10x,
                "ratio_10x_over_1x": ratio,
                "second_round_nothing_new": one["second_round_nothing_new"],
                "after_one_key_hour_changed": one["after_one_key_hour_changed"],
                # What reading one project-hour's counters cost in the first round, on average.
                "one_partition_read_units": round(
                    first["read_units_by_table"].get("usage-counters", 0) / max(first["rollup"]["partitions"], 1), 2
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
