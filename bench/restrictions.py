"""Restrictions benchmark (issue 23): what an IP allowlist and a permission query add to a
cached verification, and what a leak report of 100 keys reads.

moto runs as a server behind `DelayProxy` (default 5 ms per AWS round trip), as in
`bench.verify`; the app is driven in-process. Prints JSON:

- `restricted_hit`: CPU time of one cached verification as the route does it (the request's
  `permissions` and `client_ip` read as `api.verify` reads them, then
  `services.verification.verify_key`), alternately for a key without restrictions asked for
  a list of one permission, and for a key with an IP allowlist (5 and 100 CIDRs, IPv4 and
  IPv6 clients) asked for a 5-term query. The added time is the difference of the medians
  (best of 7 rounds). Target: at most 5 microseconds.
- `over_http`: the same two hits through chalice's test client (the whole route), p50, and
  their ratio (noisy: for scale).
- `leak_report`: a report of 100 well-formed keys of which 3 are live: the AWS calls it makes
  (one batched read finds the live ones among the 100; one more each reads their keys and
  their projects; one transaction per key acted on), and its time without the answer's floor.
- `cold_start` is `bench.coldstart`'s (run it for the floor).

    python -m bench.restrictions [--delay-ms 5] [--runs 20000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import time
from typing import Any

from bench.verify import ROOT, calls, embedded_aws, percentile

QUERY = "orders:read AND (orders:write OR admin OR billing:read) AND users:read"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=20000)
    args = parser.parse_args()
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), embedded_aws(args.delay_ms / 1000):
        result = run(args)
    print(json.dumps(result))


def run(args: argparse.Namespace) -> dict[str, Any]:
    from chalice.test import Client

    from app import app
    from chalicelib.auth.local_issuer import local_issuer
    from chalicelib.config import get_settings, reset_settings
    from chalicelib.resets import reset_all
    from chalicelib.store.tables import create_tables
    from devstack.aws import create_kms_keys

    os.environ["KEYWARDEN_LEAK_REPORT_FLOOR_MS"] = "0"
    os.environ["KEYWARDEN_CACHE_TTL"] = "3600"  # every hit a hit, however long the rounds take
    reset_settings()
    reset_all()
    create_tables()
    create_kms_keys()
    with Client(app, stage_name="local", project_dir=str(ROOT)) as client:
        token = local_issuer(get_settings().oidc_audience).issue("bench-owner", [], 0)
        people = {"authorization": f"Bearer {token}", "content-type": "application/json"}

        def post(path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
            response = client.http.post(path, body=json.dumps(body), headers=headers)
            assert response.status_code < 300, response.body
            return json.loads(response.body) if response.body else None

        project = post("/v1/projects", {"name": "bench"}, people)["id"]
        service_key = post(f"/v1/projects/{project}/secrets/service_key/reveal", {}, people)["value"]
        permissions = ["orders:*", "users:read", "billing:read"]
        role = post(f"/v1/projects/{project}/roles", {"name": "r", "permissions": permissions}, people)["id"]
        service = {"authorization": f"Bearer {service_key}", "content-type": "application/json"}

        def issue(**fields: Any) -> str:
            body = {"name": "k", "type": "opaque", "role_id": role, **fields}
            secret: str = post(f"/v1/projects/{project}/keys", body, people)["secret"]["key"]
            return secret

        plain = issue()
        five = issue(ip_allowlist=[f"10.{i}.0.0/16" for i in range(4)] + ["2001:db8::/32"])
        networks = [f"10.{i // 256}.{i % 256}.0/24" for i in range(90)] + [f"2001:db8:{i}::/48" for i in range(10)]
        hundred = issue(ip_allowlist=networks)
        result: dict[str, Any] = {"delay_ms": args.delay_ms}
        result["restricted_hit"] = _cpu(project, plain, five, hundred, args.runs)
        result["over_http"] = _over_http(client, service, plain, hundred, min(args.runs, 2000))
        result["leak_report"] = _leak_report(client, issue)
    return result


def _cpu(project: str, plain: str, five: str, hundred: str, runs: int) -> dict[str, Any]:
    """Per-verification CPU time, cached hit, without and with restrictions, alternating rounds."""
    from chalicelib.api import verify as route
    from chalicelib.services import verification

    cases: dict[str, tuple[str, list[str] | str, str | None]] = {
        "plain_list": (plain, ["orders:read"], None),
        "allowlist_5_query": (five, QUERY, "10.2.3.4"),
        "allowlist_100_query": (hundred, QUERY, "10.0.77.9"),
        "allowlist_100_ipv6_query": (hundred, QUERY, "2001:db8:7::1"),
    }
    for key, required, ip in cases.values():
        verdict = verification.verify_key(key, project, route._required(required), route._client_ip(ip))
        assert verdict.valid, verdict.code
    rounds: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(7):
        for name, (key, required, ip) in cases.items():
            started = time.perf_counter()
            for _ in range(runs):
                verification.verify_key(key, project, route._required(required), route._client_ip(ip))
            rounds[name].append((time.perf_counter() - started) / runs * 1e6)
    best = {name: round(min(values), 3) for name, values in rounds.items()}
    base = best["plain_list"]
    return {
        "us_per_verification": best,
        "added_us": {name: round(value - base, 3) for name, value in best.items() if name != "plain_list"},
        "target_added_us": 5.0,
    }


def _over_http(client: Any, service: dict[str, str], plain: str, hundred: str, runs: int) -> dict[str, Any]:
    bodies = {
        "plain_list": {"key": plain, "permissions": ["orders:read"]},
        "allowlist_100_query": {"key": hundred, "permissions": QUERY, "client_ip": "10.0.77.9"},
    }
    times: dict[str, list[float]] = {name: [] for name in bodies}
    for i in range(2 * runs):
        name = "plain_list" if i % 2 == 0 else "allowlist_100_query"
        started = time.perf_counter()
        response = client.http.post("/v1/keys/verify", body=json.dumps(bodies[name]), headers=service)
        times[name].append(time.perf_counter() - started)
        assert json.loads(response.body)["code"] == "VALID", response.body
    p50 = {name: round(percentile(values, 0.5) * 1000, 4) for name, values in times.items()}
    return {
        "p50_ms": p50,
        "ratio_p50": round(statistics.median(times["allowlist_100_query"]) / statistics.median(times["plain_list"]), 3),
    }


def _leak_report(client: Any, issue: Any) -> dict[str, Any]:
    from chalicelib.domain.opaque_keys import generate

    live = [issue() for _ in range(3)]
    keys = [*live, *(generate() for _ in range(97))]
    calls.clear()
    started = time.perf_counter()
    response = client.http.post(
        "/v1/leaks/report", body=json.dumps({"keys": keys}), headers={"content-type": "application/json"}
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 202, response.body
    return {
        "aws_calls": dict(sorted(calls.items())),
        # One for the reported keys' verification records; then the live ones' keys, and their projects.
        "batched_reads": calls.get("dynamodb.BatchGetItem", 0),
        "ms_without_floor": round(elapsed * 1000, 1),
    }


if __name__ == "__main__":
    main()
