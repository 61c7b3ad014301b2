"""Limits benchmark (issue 22): what rate limits and credits cost verification.

moto runs as a server behind `DelayProxy` (default 5 ms per AWS round trip), as in
`bench.verify`; the app is driven in-process through chalice's test client, except in the
hot-key case, which calls the verification service directly (the HTTP layer in one Python
thread could not reach 1,000 verifications a second of one key on this machine). Prints JSON:

- `unlimited`: the cached hit of a key without limits, alternately with the same hit with
  charging turned off (`verification.charged` returning its verdict, as before limits
  existed). Target: p50 ratio at most 1.05, and no write.
- `limited`: a key with a rate limit and credits, verified over HTTP (its record cached),
  alternately with a bare conditional `UpdateItem` of the same shape on its own meter
  through the same proxy. Targets: one write round trip per verification, p50 ratio at most
  1.1; the meter item's size and so its write units.
- `hot_key`: a key limited at 10,000 a second (1 s windows), verified from one thread as
  fast as it goes for `--hot-seconds`: accepted per second, DynamoDB writes per accepted
  verification (target at most 0.1 once the process sees 1,000 a second), and the most any
  window accepted (never above the limit).
- `steady`: one caller paced at its limit (2,000 per 1 s window) for `--steady-windows`
  windows: the share of the limit it got in each full window (target at least 95 %).
- `credits_exact`: a hot key with credits only, the same driver: writes per verification
  (1: credits are never leased) and the balance at the end (exactly start - accepted).

    python -m bench.limits [--delay-ms 5] [--runs 500] [--hot-seconds 3] [--steady-windows 4]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import time
from collections import Counter
from typing import Any

from bench.verify import ROOT, calls, embedded_aws, percentile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--hot-seconds", type=float, default=3.0)
    parser.add_argument("--steady-windows", type=int, default=4)
    args = parser.parse_args()
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), embedded_aws(args.delay_ms / 1000):
        result = run(args)
    print(json.dumps(result))


def _ms(values: list[float], fraction: float) -> float:
    return round(percentile(values, fraction) * 1000, 3)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from unittest import mock

    from chalice.test import Client

    from app import app
    from chalicelib.auth.local_issuer import local_issuer
    from chalicelib.config import get_settings
    from chalicelib.resets import reset_all
    from chalicelib.services import verification
    from chalicelib.store.tables import create_tables
    from devstack.aws import create_kms_keys

    reset_all()
    create_tables()
    create_kms_keys()
    with Client(app, stage_name="local", project_dir=str(ROOT)) as client:
        token = local_issuer(get_settings().oidc_audience).issue("bench-owner", [], 0)
        people = {"authorization": f"Bearer {token}", "content-type": "application/json"}

        def post(path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
            response = client.http.post(path, body=json.dumps(body), headers=headers)
            assert response.status_code < 300, response.body
            return json.loads(response.body)

        project = post("/v1/projects", {"name": "bench"}, people)["id"]
        service_key = post(f"/v1/projects/{project}/secrets/service_key/reveal", {}, people)["value"]
        role = post(f"/v1/projects/{project}/roles", {"name": "reader", "permissions": ["orders:read"]}, people)["id"]
        service = {"authorization": f"Bearer {service_key}", "content-type": "application/json"}

        def issue(**limits: Any) -> tuple[str, str]:
            body = {"name": "k", "type": "opaque", "role_id": role, **limits}
            issued = post(f"/v1/projects/{project}/keys", body, people)
            return issued["key"]["id"], issued["secret"]["key"]

        def verify(key: str) -> tuple[float, dict[str, Any]]:
            started = time.perf_counter()
            response = client.http.post("/v1/keys/verify", body=json.dumps({"key": key}), headers=service)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.body
            return elapsed, json.loads(response.body)

        result: dict[str, Any] = {"delay_ms": args.delay_ms}
        result["unlimited"] = _unlimited(issue()[1], verify, verification, mock, args.runs)
        result["limited"] = _limited(issue, verify, args.runs)
        result["hot_key"] = _hot(issue, project, args.hot_seconds)
        result["steady"] = _steady(issue, project, args.steady_windows)
        result["credits_exact"] = _credits(issue, project, args.hot_seconds)
    return result


def _writes() -> int:
    writes = ("dynamodb.UpdateItem", "dynamodb.TransactWriteItems", "dynamodb.PutItem")
    return sum(n for name, n in calls.items() if name in writes)


def _unlimited(key: str, verify: Any, verification: Any, mock: Any, runs: int) -> dict[str, Any]:
    verify(key)
    times: dict[bool, list[float]] = {True: [], False: []}
    calls.clear()
    for i in range(2 * runs):
        charging = i % 2 == 0
        if charging:
            times[True].append(verify(key)[0])
        else:
            with mock.patch.object(verification, "charged", lambda verdict, *a, **k: verdict):
                times[False].append(verify(key)[0])
    return {
        "hit_p50_ms": _ms(times[True], 0.5),
        "hit_without_charging_p50_ms": _ms(times[False], 0.5),
        "ratio_p50": round(statistics.median(times[True]) / statistics.median(times[False]), 3),
        "dynamodb_writes": _writes(),
    }


def _limited(issue: Any, verify: Any, runs: int) -> dict[str, Any]:
    from chalicelib import aws
    from chalicelib.store.meter_models import MeterModel

    key_id, key = issue(
        ratelimits=[{"name": "requests", "limit": 1_000_000, "duration_seconds": 3600}],
        credits={"remaining": 1_000_000},
    )
    verify(key)
    table = MeterModel.Meta.table_name
    client = aws.client("dynamodb")

    def bare() -> float:
        # The same shape: one window counter and one balance, each on its condition.
        started = time.perf_counter()
        client.update_item(
            TableName=table,
            Key={"id": {"S": f"bench#{key_id}"}},
            UpdateExpression="SET #r = if_not_exists(#r, :z) + :one, #c = if_not_exists(#c, :start) - :one",
            ConditionExpression=(
                "(attribute_not_exists(#r) OR #r <= :room) AND (attribute_not_exists(#c) OR #c >= :one)"
            ),
            ExpressionAttributeNames={"#r": "r:requests:1", "#c": "c:-"},
            ExpressionAttributeValues={
                ":z": {"N": "0"},
                ":one": {"N": "1"},
                ":start": {"N": "1000000"},
                ":room": {"N": "999999"},
            },
            ReturnValues="ALL_NEW",
        )
        return time.perf_counter() - started

    bare()
    times: dict[str, list[float]] = {"verify": [], "bare": []}
    calls.clear()
    writes_before = 0
    verify_writes = 0
    for i in range(2 * runs):
        if i % 2 == 0:
            writes_before = _writes()
            elapsed, answer = verify(key)
            assert answer["code"] == "VALID", answer
            verify_writes += _writes() - writes_before
            times["verify"].append(elapsed)
        else:
            times["bare"].append(bare())
    item = client.get_item(TableName=table, Key={"id": {"S": f"key#{key_id}"}}, ConsistentRead=True)["Item"]
    size = sum(len(name) + len(next(iter(value.values()))) for name, value in item.items())
    return {
        "verify_p50_ms": _ms(times["verify"], 0.5),
        "bare_update_p50_ms": _ms(times["bare"], 0.5),
        "ratio_p50": round(statistics.median(times["verify"]) / statistics.median(times["bare"]), 3),
        "writes_per_verification": round(verify_writes / runs, 3),
        "meter_item_bytes": size,
        "write_units_per_verification": max(1, -(-size // 1024)),
    }


def _drive(key: str, project: str, seconds: float, pace: float | None = None, workers: int = 16) -> dict[str, Any]:
    """Verifies `key` from `workers` threads of this one process for `seconds` (together at
    `pace` a second, or as fast as they go), as a busy container serves one hot key; counts
    accepted per window second and DynamoDB writes."""
    import threading

    from chalicelib.services import verification

    accepted: Counter[int] = Counter()
    refused = [0]
    lock = threading.Lock()
    sent = [0]
    calls.clear()
    start = time.time()

    def worker() -> None:
        while (now := time.time()) - start < seconds:
            if pace is not None:
                with lock:
                    due = sent[0] < (now - start) * pace
                    if due:
                        sent[0] += 1
                if not due:
                    time.sleep(0.0002)
                    continue
            verdict = verification.charged(verification.verify_key(key, project))
            with lock:
                if verdict.valid:
                    accepted[int(time.time())] += 1
                else:
                    refused[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = sum(accepted.values())
    return {"accepted": accepted, "total": total, "refused": refused[0], "writes": _writes(), "seconds": seconds}


def _hot(issue: Any, project: str, seconds: float) -> dict[str, Any]:
    _, key = issue(ratelimits=[{"name": "hot", "limit": 10_000, "duration_seconds": 1}])
    driven = _drive(key, project, seconds)
    return {
        "limit_per_second": 10_000,
        "accepted_per_second": round(driven["total"] / seconds),
        "writes_per_accepted": round(driven["writes"] / max(1, driven["total"]), 4),
        "most_in_one_window": max(driven["accepted"].values()),
    }


def _steady(issue: Any, project: str, windows: int) -> dict[str, Any]:
    limit = 2_000
    _, key = issue(ratelimits=[{"name": "steady", "limit": limit, "duration_seconds": 1}])
    time.sleep(1 - time.time() % 1)
    driven = _drive(key, project, windows + 0.999, pace=limit * 1.05)
    full = sorted(driven["accepted"])[1:-1]  # the first window warms the lease; the last is cut short
    shares = [round(driven["accepted"][second] / limit, 3) for second in full]
    return {
        "limit_per_second": limit,
        "paced_at_per_second": limit * 1.05,
        "share_of_limit_per_window": shares,
        "most_in_one_window": max(driven["accepted"].values()),
        "writes_per_accepted": round(driven["writes"] / max(1, driven["total"]), 4),
    }


def _credits(issue: Any, project: str, seconds: float) -> dict[str, Any]:
    from chalicelib.services import metering

    start = 1_000_000
    key_id, key = issue(credits={"remaining": start})
    driven = _drive(key, project, seconds)
    from chalicelib.domain.limits import KEY, CreditPolicy, meter_id

    left = metering.balance(meter_id(KEY, key_id), CreditPolicy(), time.time())
    return {
        "accepted": driven["total"],
        "writes_per_verification": round(driven["writes"] / max(1, driven["total"]), 3),
        "balance_left": left,
        "exact": left == start - driven["total"],
    }


if __name__ == "__main__":
    main()
