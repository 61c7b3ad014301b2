"""Verification benchmark: opaque keys on a cache miss and hit, JWT keys, HMAC-signed requests.

moto runs as a separate server process on loopback (devstack.moto_server, one request at
a time, as the local stack runs it) behind `DelayProxy`, which adds a fixed delay
(default 5 ms) to every AWS round trip; the app is driven in-process through chalice's
test client. Prints JSON: p50/p99 latency of a miss and of a hit,
each divided by the injected round trip (and the miss also by a bare GetItem through
the same proxy, which adds moto's own service time to the delay); AWS calls per verification, counted with
botocore's event hooks; and the resident memory after 100,000 verifications of
10,000 distinct keys (counted as always, but the counters' flushes, built as always, are
not written to moto: 100,000 puts through the proxy would outlast the phase). Targets:
a miss at most 1.3 round trips at p50 with exactly one DynamoDB read, a hit at most 0.1
round trips with no AWS call, RSS under 150 MB.

Usage counting (`usage_counting`) is on in every case, in the default buffered mode, with
its flushing thread running as in a long-lived process. The opaque hit (`hit`) is measured
alternately with the same hit with counting off (`hit_counting_off`: `usage_recorder.count`
made a no-op), so that noise falls on both alike. Targets: a counted hit at most 0.05 round
trips at p50, and at most 1.2x the uncounted one. The AWS calls of each case are the
verifications' own; the flushing thread's are reported apart (`flush`: the writes and
counter items it wrote for the counts of the hit measurement, which starts with an empty
buffer and ends when the thread has written its last counts; also per 1,000 counted
verifications; each counter is its own conditional PutItem, 8 in flight).
`count_cpu` is the CPU time of one `usage_recorder.count` alone. `sync` is the hit
again with KEYWARDEN_USAGE_MODE=sync, where each count is written before the answer: one
DynamoDB write per verification (`calls` names it), compared with a bare PutItem and with
a bare write of one counter (`usage_counters.write`, the same write without the app,
alternated with the verifications).

Observability (`observability`): the opaque hit with the API function's request line and
EMF metrics written (as always) and not (`chalicelib.api.gateway._observe` a no-op),
alternately, and the CPU time of one request line and of one verification's EMF objects
alone. Everything the app prints goes to /dev/null meanwhile; the bench's JSON is the one
line on stdout.

Repeated input (`repeated_input`): the opaque hit with the refusal of repeated JSON members
and headers (chalicelib.api.binding, as always) and without it (both checks no-ops),
alternately, for a body with the key alone (one colon: the member check does not parse it)
and with `permissions` (it does: the standard library's C parser, a second time); and the
CPU time of each check alone, beside msgspec's decoding of the same body.

JWT keys (`jwt`): a warm verification over HTTP (at most 0.1 round trips, no AWS call),
and the CPU time of the service's verification of one token against PyJWT's own ES256
decode of the same token, in the same process (at most 1.5x). HMAC (`hmac`): a signed
request per run (a new signature each time, so none is a replay), with the key's record
cached (`hit`) and not (`miss`); either way the replay mark's write overlaps the lookup,
so the target is at most 1.1x a bare GetItem at p50, and no KMS call when warm.

    python -m bench.verify [--delay-ms 5] [--runs 1000] [--memory-keys 10000] [--memory-runs 100000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
# AWS calls made by verifications (the request's own thread, and any other but the one below).
calls: Counter[str] = Counter()
# AWS calls made by the usage recorder's flushing thread, and the items of each write it made.
flush_calls: Counter[str] = Counter()
flushed_items: list[int] = []
DYNAMODB_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
FLUSH_THREAD = "keywarden-usage-flush"
# The flush's puts run on these (usage_counters' pool), or on the flushing thread itself.
PUT_THREADS = "keywarden-usage-put"


def _flushing() -> bool:
    name = threading.current_thread().name
    return name == FLUSH_THREAD or name.startswith(PUT_THREADS)


def _count_call(model: Any, **_: Any) -> None:
    made = flush_calls if _flushing() else calls
    made[f"{model.service_model.service_name}.{model.name}"] += 1


def _count_flushed_items(params: dict[str, Any], model: Any, **_: Any) -> None:
    if not _flushing():
        return
    if model.name == "TransactWriteItems":
        flushed_items.append(len(params.get("TransactItems", [])))
    elif model.name == "PutItem":
        flushed_items.append(1)


def _install_call_counter() -> None:
    """Every botocore client made from now on reports each API call to `calls` (or `flush_calls`)."""
    import botocore.session

    original = botocore.session.Session.create_client

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        client.meta.events.register("before-call", _count_call)
        client.meta.events.register("before-parameter-build.dynamodb", _count_flushed_items)
        return client

    botocore.session.Session.create_client = create_client


@contextmanager
def moto_server() -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.moto_server", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bare_round_trips(model: Any, key_digest: str, runs: int) -> list[float]:
    """Times of a bare PynamoDB GetItem through the proxy: the injected delay plus moto's own work."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        model.get(key_digest, consistent_read=True)
        times.append(time.perf_counter() - started)
    return times


def serial_get_then_put(model: Any, key_digest: str, runs: int) -> list[float]:
    """A GetItem then a replay mark's PutItem, one after the other: what the HMAC miss would
    cost without the overlap."""
    from chalicelib.store import replay

    times = []
    for i in range(runs):
        started = time.perf_counter()
        model.get(key_digest, consistent_read=True)
        replay.first_sighting(f"bench-serial-{i}-{time.time_ns()}", time.time() + 60, time.time(), "bench")
        times.append(time.perf_counter() - started)
    return times


def bare_replay_marks(runs: int) -> list[float]:
    """Times of a bare replay mark's conditional PutItem: the one write an HMAC verification makes."""
    from chalicelib.store import replay

    times = []
    for i in range(runs):
        started = time.perf_counter()
        replay.first_sighting(f"bench-bare-{i}-{time.time_ns()}", time.time() + 60, time.time(), "bench")
        times.append(time.perf_counter() - started)
    return times


def measure_keys(verify: Callable[[str], float], keys: list[str], runs: int) -> tuple[list[float], Counter[str]]:
    calls.clear()
    times = [verify(keys[i % len(keys)]) for i in range(runs)]
    return times, Counter(calls)


class Hits:
    """The opaque cache hit with usage counting on (True) and off (False), measured alternately."""

    def __init__(self) -> None:
        self.times: dict[bool, list[float]] = {True: [], False: []}
        self.calls: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
        self.pair_ratios: list[float] = []
        self.flush_calls: Counter[str] = Counter()
        self.flushed: list[int] = []
        self.seconds = 0.0
        self.flush_thread_running = False


def measure_hits(verify: Callable[[str], float], keys: list[str], runs: int) -> Hits:
    """`runs` verifications of each kind, alternately: counted (the default buffered mode) and
    not (`usage_recorder.count` a no-op), in the order AB BA AB ... so that noise and the
    flushing thread's work fall on both alike."""
    from chalicelib.services import usage_recorder

    counting = usage_recorder.count

    def not_counting(verdict: Any, project_id: str) -> None:
        pass

    hits = Hits()
    thread = usage_recorder.recorder()._thread
    hits.flush_thread_running = thread is not None and thread.is_alive()
    usage_recorder.flush()  # the warm-up's counts: every write of the thread's from now on is for ours
    flush_calls.clear()
    flushed_items.clear()
    started = time.perf_counter()
    try:
        for i in range(runs):
            key = keys[i % len(keys)]
            pair = {}
            for counted in (True, False) if i % 2 == 0 else (False, True):
                setattr(usage_recorder, "count", counting if counted else not_counting)  # noqa: B010
                calls.clear()
                pair[counted] = verify(key)
                hits.times[counted].append(pair[counted])
                hits.calls[counted].update(calls)
            hits.pair_ratios.append(pair[True] / pair[False])
    finally:
        setattr(usage_recorder, "count", counting)  # noqa: B010
    hits.seconds = time.perf_counter() - started
    # Until the thread has written every count of the measurement (at most a second later),
    # so that the writes it made for them are all counted.
    buffer = usage_recorder.recorder().buffer
    deadline = time.monotonic() + 5
    while buffer.pending and time.monotonic() < deadline:
        time.sleep(0.01)
    with buffer._flushing:
        pass
    hits.flush_calls = Counter(flush_calls)
    hits.flushed = list(flushed_items)
    thread = usage_recorder.recorder()._thread
    hits.flush_thread_running = hits.flush_thread_running and thread is not None and thread.is_alive()
    return hits


class Observed:
    """Cache hits with the request line and metrics written (True) and not (False), alternately."""

    def __init__(self) -> None:
        self.times: dict[bool, list[float]] = {True: [], False: []}
        self.pair_ratios: list[float] = []


def measure_observability(verify: Callable[[str], float], keys: list[str], runs: int) -> Observed:
    """`runs` verifications of each kind, in the order AB BA AB ...: with the outermost layer's
    request line and EMF metrics (as always) and without (`gateway._observe` a no-op)."""
    from chalicelib.api import gateway

    observing = gateway._observe

    def not_observing(*args: Any) -> None:
        pass

    observed = Observed()
    try:
        for i in range(runs):
            key = keys[i % len(keys)]
            pair = {}
            for on in (True, False) if i % 2 == 0 else (False, True):
                setattr(gateway, "_observe", observing if on else not_observing)  # noqa: B010
                pair[on] = verify(key)
                observed.times[on].append(pair[on])
            observed.pair_ratios.append(pair[True] / pair[False])
    finally:
        setattr(gateway, "_observe", observing)  # noqa: B010
    return observed


def observability_cpu(runs: int) -> dict[str, float]:
    """CPU time of one request line, and of one verification's two EMF objects, formatted and
    written (to wherever stdout points); the best of 5 rounds each."""
    from chalicelib.api import request_log
    from chalicelib.observability import metrics

    facts = request_log.RequestFacts("0" * 32, "prj_bench", "service:prj_bench", "VALID")

    def line() -> None:
        request_log.log_request(facts, "POST", "/v1/keys/verify", 200, 1.234)

    def emf() -> None:
        metrics.record_verification("VALID", 1.234, "prj_bench", "0" * 32)

    best = {"line": float("inf"), "emf": float("inf")}
    for _ in range(5):
        for name, function in (("line", line), ("emf", emf)):
            started = time.thread_time()
            for _ in range(runs):
                function()
            best[name] = min(best[name], (time.thread_time() - started) / runs)
    return {"request_line_us": round(best["line"] * 1e6, 1), "verification_emf_us": round(best["emf"] * 1e6, 1)}


def measure_repeated_input(
    verify: Callable[[str, dict[str, Any]], float], keys: list[str], runs: int
) -> dict[str, dict[str, float]]:
    """`runs` cache hits of each kind, in the order AB BA AB ...: with the checks for repeated
    members and headers (as always) and without them, for each body (see the module's doc)."""
    from chalicelib.api import binding, http

    # http's own name for the header check, which it imported from binding.
    members, headers = binding.refuse_repeated_members, vars(http)["refuse_repeated_headers"]

    def unchecked(*args: Any) -> None:
        pass

    result = {}
    for label, extra in (("key_only", {}), ("with_permissions", {"permissions": ["orders:read"]})):
        times: dict[bool, list[float]] = {True: [], False: []}
        ratios = []
        try:
            for i in range(runs):
                key = keys[i % len(keys)]
                pair = {}
                for on in (True, False) if i % 2 == 0 else (False, True):
                    setattr(binding, "refuse_repeated_members", members if on else unchecked)  # noqa: B010
                    setattr(http, "refuse_repeated_headers", headers if on else unchecked)  # noqa: B010
                    pair[on] = verify(key, extra)
                    times[on].append(pair[on])
                ratios.append(pair[True] / pair[False])
        finally:
            setattr(binding, "refuse_repeated_members", members)  # noqa: B010
            setattr(http, "refuse_repeated_headers", headers)  # noqa: B010
        result[label] = {
            "hit_p50_ms": round(statistics.median(times[True]) * 1000, 4),
            "hit_p50_ms_unchecked": round(statistics.median(times[False]) * 1000, 4),
            "hit_p50_over_unchecked": round(statistics.median(times[True]) / statistics.median(times[False]), 4),
            "hit_pairwise_median_ratio": round(statistics.median(ratios), 4),
        }
    return result


def repeated_input_cpu(key: str, runs: int) -> dict[str, float]:
    """CPU time per call of each check for repeated input alone, and of msgspec's decoding of the
    same body for scale; the best of 5 rounds each."""
    import msgspec

    from chalicelib.api.binding import refuse_repeated_headers, refuse_repeated_members
    from chalicelib.api.verify_schemas import VerifyHmac, VerifyKey

    hmac_body = {
        "method": "GET",
        "url": "/orders?limit=5",
        "headers": {
            "host": "api.example.com",
            "x-ms-date": "Mon, 07 Dec 2026 10:00:00 GMT",
            "x-ms-content-sha256": "47DEQpj8HBSa+/TImW+5JYeuQeRkm5NMpJWZG3hSuFU=",
            "authorization": "HMAC-SHA256 Credential=kwh_x&SignedHeaders=x-ms-date;host;x-ms-content-sha256"
            "&Signature=s",
        },
    }
    bodies: dict[str, tuple[bytes, type]] = {
        "key_only": (json.dumps({"key": key}).encode(), VerifyKey),
        "with_permissions": (json.dumps({"key": key, "permissions": ["orders:read"]}).encode(), VerifyKey),
        "hmac": (json.dumps(hmac_body).encode(), VerifyHmac),
    }
    # An API Gateway REST proxy event's multiValueHeaders, as a browser or SDK behind CloudFront sends them.
    gateway_headers = {
        name: [value]
        for name, value in (
            ("Accept", "application/json"),
            ("Accept-Encoding", "gzip, deflate, br"),
            ("Authorization", "Bearer kws_" + "x" * 40),
            ("CloudFront-Forwarded-Proto", "https"),
            ("CloudFront-Is-Desktop-Viewer", "true"),
            ("CloudFront-Viewer-Country", "DE"),
            ("Content-Type", "application/json"),
            ("Host", "abc123.execute-api.eu-central-1.amazonaws.com"),
            ("User-Agent", "keywarden-sdk/1.0"),
            ("Via", "2.0 abc.cloudfront.net (CloudFront)"),
            ("X-Amz-Cf-Id", "x" * 56),
            ("X-Amzn-Trace-Id", "Root=1-" + "0" * 24),
            ("X-Forwarded-For", "203.0.113.7, 198.51.100.1"),
            ("X-Forwarded-Port", "443"),
            ("X-Forwarded-Proto", "https"),
        )
    }

    def best_us(function: Callable[[], Any]) -> float:
        best = float("inf")
        for _ in range(5):
            started = time.thread_time()
            for _ in range(runs):
                function()
            best = min(best, (time.thread_time() - started) / runs)
        return round(best * 1e6, 3)

    result: dict[str, float] = {}
    for label, (raw, schema) in bodies.items():
        result[f"{label}_bytes"] = len(raw)
        result[f"{label}_member_check_us"] = best_us(partial(refuse_repeated_members, raw))
        result[f"{label}_msgspec_decode_us"] = best_us(partial(msgspec.json.decode, raw, type=schema))
    result["gateway_header_check_us"] = best_us(partial(refuse_repeated_headers, gateway_headers))
    return result


def count_cpu(key: str, project: str, runs: int) -> dict[str, float]:
    """CPU time of `usage_recorder.count` alone (buffered), per call: the best of 5 rounds."""
    from chalicelib.services import usage_recorder
    from chalicelib.services.verification import verify_key

    verdict = verify_key(key, project)
    assert verdict.valid
    best = float("inf")
    for _ in range(5):
        started = time.thread_time()  # this thread's: not the flushing thread's work
        for _ in range(runs):
            usage_recorder.count(verdict, project)
        best = min(best, (time.thread_time() - started) / runs)
    return {"count_us": round(best * 1e6, 2)}


class Sync:
    """Cache hits with KEYWARDEN_USAGE_MODE=sync, alternated with bare writes of one counter."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.calls: Counter[str] = Counter()
        self.bare_writes: list[float] = []


def measure_sync(verify: Callable[[str], float], keys: list[str], project: str, runs: int) -> Sync:
    """`runs` verifications with each count written before the answer, alternated with as many
    bare writes of one counter (`usage_counters.write`: the same one-item write without the
    app), so that moto's varying service time falls on both alike.

    The cache keeps its entries for 10 minutes meanwhile (stored anew first): a sync
    verification takes a round trip, and at the default 5 seconds some would be misses.
    """
    from chalicelib import cache
    from chalicelib.config import reset_settings
    from chalicelib.domain.usage import hour_of, hour_start
    from chalicelib.store import usage_counters

    writer = f"bench-bare-{time.time_ns()}"

    def bare_write(seq: int) -> float:
        row = usage_counters.CounterRow(
            project, "bench-bare", hour_start(hour_of(time.time())), writer, {"VALID": seq}, time.time()
        )
        started = time.perf_counter()
        usage_counters.write([row], seq)
        return time.perf_counter() - started

    sync = Sync()
    previous = {name: os.environ.get(name) for name in ("KEYWARDEN_USAGE_MODE", "KEYWARDEN_CACHE_TTL")}
    os.environ.update(KEYWARDEN_USAGE_MODE="sync", KEYWARDEN_CACHE_TTL="600")
    reset_settings()
    cache.key_records.clear()
    cache.service_keys.clear()
    try:
        for key in keys:
            verify(key)
        for i in range(runs):
            for verifying in (True, False) if i % 2 == 0 else (False, True):
                if verifying:
                    calls.clear()
                    sync.times.append(verify(keys[i % len(keys)]))
                    sync.calls.update(calls)
                else:
                    sync.bare_writes.append(bare_write(i + 1))
    finally:
        for name, value in previous.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value
        reset_settings()
    return sync


def jwt_cpu_ratio(token: str, project: str, runs: int) -> dict[str, float]:
    """CPU time per verification of one JWT key by the service (warm) and by PyJWT's own ES256
    decode with the public key at hand; the best of 5 rounds each, alternated."""
    import jwt

    from chalicelib.config import get_settings
    from chalicelib.services.signing_keys import verification_key
    from chalicelib.services.verification import verify_key

    public_key = verification_key(jwt.get_unverified_header(token)["kid"])
    assert public_key is not None
    issuer = get_settings().issuer
    assert verify_key(token, project).valid

    def ours() -> None:
        verify_key(token, project)

    def pyjwt() -> None:
        jwt.decode(token, public_key, algorithms=["ES256"], audience=project, issuer=issuer)

    best = {"ours": float("inf"), "pyjwt": float("inf")}
    for _ in range(5):
        for name, function in (("ours", ours), ("pyjwt", pyjwt)):
            started = time.process_time()
            for _ in range(runs):
                function()
            best[name] = min(best[name], (time.process_time() - started) / runs)
    return {
        "service_us": round(best["ours"] * 1e6, 1),
        "pyjwt_decode_us": round(best["pyjwt"] * 1e6, 1),
        "ratio": round(best["ours"] / best["pyjwt"], 3),
    }


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--memory-keys", type=int, default=10_000)
    parser.add_argument("--memory-runs", type=int, default=100_000)
    args = parser.parse_args()
    round_trip = args.delay_ms / 1000
    # What the app prints (a JSON line per request, EMF metrics) goes nowhere: stdout is the bench's.
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), embedded_aws(round_trip) as proxy:
        result = run(args, proxy, round_trip)
    print(json.dumps(result))


@contextmanager
def embedded_aws(round_trip: float) -> Iterator[Any]:
    """moto server behind a DelayProxy adding `round_trip` seconds, the app's settings pointing
    at it, and every AWS call counted in `calls`; yields the proxy."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        KEYWARDEN_STAGE="local",
    )
    _install_call_counter()
    sys.path.insert(0, str(ROOT))
    from bench.delay_proxy import DelayProxy

    with moto_server() as port:
        proxy = DelayProxy(("127.0.0.1", port), round_trip)
        os.environ["KEYWARDEN_DYNAMODB_ENDPOINT"] = proxy.url
        os.environ["KEYWARDEN_KMS_ENDPOINT"] = proxy.url
        try:
            yield proxy
        finally:
            proxy.close()


def run(args: argparse.Namespace, proxy: Any, round_trip: float) -> dict[str, Any]:
    from chalice.test import Client

    from app import app
    from chalicelib import cache
    from chalicelib.auth.local_issuer import local_issuer
    from chalicelib.config import get_settings, reset_settings
    from chalicelib.domain import opaque_keys
    from chalicelib.resets import reset_all
    from chalicelib.services import usage_recorder
    from chalicelib.store import usage_counters
    from chalicelib.store.key_models import KeyLookupModel
    from chalicelib.store.pepper import digest
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
        keys = [
            post(f"/v1/projects/{project}/keys", {"name": f"k{i}", "type": "opaque", "role_id": role}, people)[
                "secret"
            ]["key"]
            for i in range(20)
        ]
        service = {"authorization": f"Bearer {service_key}", "content-type": "application/json"}

        def verify(key: str, extra: dict[str, Any] | None = None) -> float:
            body = json.dumps({"key": key, **(extra or {})})
            started = time.perf_counter()
            response = client.http.post("/v1/keys/verify", body=body, headers=service)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200 and b'"valid":true' in response.body, response.body
            return elapsed

        for key in keys:  # warm: service key, pepper, data keys, connections
            verify(key)

        def measure(before_each: Callable[[], None]) -> tuple[list[float], Counter[str]]:
            calls.clear()
            times = []
            for i in range(args.runs):
                before_each()
                times.append(verify(keys[i % len(keys)]))
            return times, Counter(calls)

        miss_times, miss_calls = measure(cache.key_records.clear)
        for key in keys:  # the hit case starts with every key cached, as a busy process has them
            verify(key)
        hits = measure_hits(verify, keys, args.runs)
        hit_times, hit_calls = hits.times[True], hits.calls[True]
        count_cost = count_cpu(keys[0], project, 10 * args.runs)
        observed = measure_observability(verify, keys, args.runs)
        observed_cpu = observability_cpu(10 * args.runs)
        repeated = measure_repeated_input(verify, keys, args.runs)
        repeated_cpu = repeated_input_cpu(keys[0], 10 * args.runs)
        sync = measure_sync(verify, keys, project, args.runs)
        baseline = bare_round_trips(KeyLookupModel, digest(keys[0]), args.runs)

        def issue(key_type: str, count: int) -> list[dict[str, str]]:
            return [
                post(
                    f"/v1/projects/{project}/keys",
                    {"name": f"{key_type}{i}", "type": key_type, "role_id": role},
                    people,
                )["secret"]
                for i in range(count)
            ]

        jwt_tokens = [secret["key"] for secret in issue("jwt", 20)]
        for token in jwt_tokens:
            verify(token)
        jwt_times, jwt_calls = measure_keys(verify, jwt_tokens, args.runs)
        jwt_cpu = jwt_cpu_ratio(jwt_tokens[0], project, args.runs)

        hmac_secrets = issue("hmac", 20)

        def verify_signed(i: int) -> float:
            from keywarden.signing import sign_request

            secret = hmac_secrets[i % len(hmac_secrets)]
            url = f"https://api.example.com/orders?run={i}&at={time.time_ns()}"
            headers = sign_request(secret["token"], secret["secret"], "GET", url)
            body = json.dumps({"method": "GET", "url": url, "headers": headers})
            started = time.perf_counter()
            response = client.http.post("/v1/hmac/verify", body=body, headers=service)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200 and b'"valid":true' in response.body, response.body
            return elapsed

        for i in range(len(hmac_secrets)):  # warm: data keys of the sealed secrets, the replay table
            verify_signed(i)

        def measure_signed(before_each: Callable[[], None]) -> tuple[list[float], Counter[str]]:
            calls.clear()
            times = []
            for i in range(args.runs):
                before_each()
                times.append(verify_signed(i))
            return times, Counter(calls)

        hmac_hit_times, hmac_hit_calls = measure_signed(lambda: None)
        hmac_miss_times, hmac_miss_calls = measure_signed(cache.key_records.clear)
        serial = serial_get_then_put(KeyLookupModel, digest(keys[0]), args.runs)
        bare_put = bare_replay_marks(args.runs)

        # Memory: 10,000 distinct real lookup records, verified round-robin, no delay.
        proxy.delay = 0.0
        many = [opaque_keys.generate() for _ in range(args.memory_keys)]
        template = KeyLookupModel.get(digest(keys[0]))
        with KeyLookupModel.batch_write() as batch:
            for i, key in enumerate(many):
                batch.save(
                    KeyLookupModel(
                        digest(key),
                        key_id=f"bench-{i}",
                        project_id=project,
                        owner_id=template.owner_id,
                        role_id=template.role_id,
                        permissions=list(template.permissions),
                        owner_permitted=True,
                        meta={"tier": "bench", "index": i},
                    )
                )
        # Entries must outlive a round of 10,000 keys, or every verification is a miss
        # and this phase measures moto rather than the process's memory.
        os.environ["KEYWARDEN_CACHE_TTL"] = "600"
        reset_settings()
        cache.key_records.clear()
        # Counting runs as always (its buffer is part of the process's memory) and its flushes
        # build their rows, but write them nowhere: 100,000 counters put one by one through
        # the one-at-a-time moto would take far longer than the phase, and hold up the lookups.
        unwritten: list[int] = []
        with mock.patch.object(usage_counters, "write", lambda rows, seq: unwritten.append(len(rows))):
            rss_before = resident_mb()
            for i in range(args.memory_runs):
                verify(many[i % len(many)])
            rss = resident_mb()
            # Before moto goes, or the flushing thread would write on.
            flusher = usage_recorder.recorder()
            thread = flusher._thread
            flusher.stop()
            if thread is not None:
                thread.join()

    def summary(times: list[float], counted: Counter[str]) -> dict[str, Any]:
        return {
            "p50_ms": round(statistics.median(times) * 1000, 3),
            "p99_ms": round(percentile(times, 0.99) * 1000, 3),
            "p50_round_trips": round(statistics.median(times) / round_trip, 3),
            "p99_round_trips": round(percentile(times, 0.99) / round_trip, 3),
            "p50_over_bare_getitem": round(statistics.median(times) / statistics.median(baseline), 3),
            "aws_calls_per_verification": round(sum(counted.values()) / args.runs, 3),
            "dynamodb_reads_per_verification": round(counted["dynamodb.GetItem"] / args.runs, 3),
            "calls": dict(counted),
        }

    hit_p50, uncounted_p50 = statistics.median(hit_times), statistics.median(hits.times[False])
    return {
        "injected_round_trip_ms": args.delay_ms,
        "runs_per_case": args.runs,
        "miss": summary(miss_times, miss_calls),
        "hit": summary(hit_times, hit_calls),
        "hit_counting_off": summary(hits.times[False], hits.calls[False]),
        "usage_counting": {
            "hit_p50_over_counting_off": round(hit_p50 / uncounted_p50, 3),
            "hit_p99_over_counting_off": round(percentile(hit_times, 0.99) / percentile(hits.times[False], 0.99), 3),
            # The median of each verification's time over the uncounted one next to it.
            "hit_pairwise_median_ratio": round(statistics.median(hits.pair_ratios), 3),
            "flush_thread_running": hits.flush_thread_running,
            "flush": {
                "seconds_measured": round(hits.seconds, 3),  # the verifications' (the flushes' may end later)
                "counted_verifications": args.runs,
                "writes": len(hits.flushed),
                "items_written": sum(hits.flushed),
                "writes_per_1000_verifications": round(1000 * len(hits.flushed) / args.runs, 2),
                "calls": dict(hits.flush_calls),
            },
            "count_cpu": count_cost,
            "sync": {
                **summary(sync.times, sync.calls),
                "dynamodb_writes_per_verification": round(
                    sum(sync.calls[f"dynamodb.{name}"] for name in DYNAMODB_WRITES) / args.runs, 3
                ),
                "p50_over_bare_putitem": round(statistics.median(sync.times) / statistics.median(bare_put), 3),
                "bare_counter_write_p50_ms": round(statistics.median(sync.bare_writes) * 1000, 3),
                "p50_over_bare_counter_write": round(
                    statistics.median(sync.times) / statistics.median(sync.bare_writes), 3
                ),
            },
        },
        "observability": {
            "hit_p50_ms": round(statistics.median(observed.times[True]) * 1000, 3),
            "hit_p50_ms_without": round(statistics.median(observed.times[False]) * 1000, 3),
            "hit_p50_round_trips": round(statistics.median(observed.times[True]) / round_trip, 3),
            "hit_p50_over_without": round(
                statistics.median(observed.times[True]) / statistics.median(observed.times[False]), 3
            ),
            "hit_pairwise_median_ratio": round(statistics.median(observed.pair_ratios), 3),
            "cpu": observed_cpu,
        },
        "repeated_input": {**repeated, "cpu": repeated_cpu},
        "jwt": {"hit": summary(jwt_times, jwt_calls), "cpu": jwt_cpu},
        "hmac": {
            "hit": summary(hmac_hit_times, hmac_hit_calls),
            "miss": summary(hmac_miss_times, hmac_miss_calls),
            # The embedded moto runs one request at a time, so overlapped calls still queue there;
            # this is the same pair of calls made one after the other.
            "serial_getitem_then_putitem_p50_ms": round(statistics.median(serial) * 1000, 3),
            "bare_putitem_p50_ms": round(statistics.median(bare_put) * 1000, 3),
            "hit_p50_over_bare_putitem": round(statistics.median(hmac_hit_times) / statistics.median(bare_put), 3),
            "miss_p50_over_serial": round(statistics.median(hmac_miss_times) / statistics.median(serial), 3),
        },
        "bare_getitem_p50_ms": round(statistics.median(baseline) * 1000, 3),
        "memory": {
            "distinct_keys": args.memory_keys,
            "verifications": args.memory_runs,
            "rss_before_mb": round(rss_before, 1),
            "rss_mb": round(rss, 1),
            "usage_flushes": len(unwritten),
            "usage_counters_flushed_unwritten": sum(unwritten),
            "target_mb": 150,
        },
        "targets": {
            "miss_p50_round_trips": 1.3,
            "hit_p50_round_trips": 0.1,
            "hit_p50_round_trips_counting": 0.05,
            "hit_p50_over_counting_off": 1.2,
            "jwt_hit_p50_round_trips": 0.1,
            "jwt_cpu_over_pyjwt": 1.5,
            "hmac_p50_over_bare_getitem": 1.1,
        },
    }


if __name__ == "__main__":
    main()
