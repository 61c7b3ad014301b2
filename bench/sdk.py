"""The Python SDK's `Verifier` against the local stack (`python -m devstack`, its own process).

- `jwt`: offline verification of one JWT key through `Verifier.verify` (with a permission to
  check), alternated with PyJWT's own ES256 `jwt.decode` of the same token with the same public
  key, audience and issuer, in the same process: p50 of each and their ratio (target ≤ 1.2).
  This verifier keeps no answers (`cache_ttl=0`), so every run checks the signature, as a
  token seen for the first time in `KEYWARDEN_CACHE_TTL` seconds is. `jwt_answer_kept` is the
  same with the default cache, where a token verified within the TTL is found by its SHA-256.
  The verifier's HTTP transport counts every call it makes, split by thread: the request
  path's (target: 0 per request) and the background poller's (the feed, the JWKS).
- `opaque_hit`: `Verifier.verify` of an opaque key the service answered a moment ago (target
  p50 ≤ 20 µs), with its calls counted the same way.
- `revocation`: a running verifier keeps verifying a JWT key while the key is revoked over the
  API; the time from the revocation's answer to the first refusal (target ≤ 5 s), and the
  request path's calls meanwhile.

    python -m bench.sdk [--runs 5000]
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import threading
import time
from collections import Counter
from typing import Any

import httpx
import jwt
from keywarden import Verifier

from tests.e2e.conftest import LocalStack


class Counted(httpx.BaseTransport):
    """Counts every request, by path, apart for the calling thread's kind (request path or poller)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.request_path: Counter[str] = Counter()
        self.background: Counter[str] = Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        on_request_path = threading.current_thread() is threading.main_thread()
        (self.request_path if on_request_path else self.background)[request.url.path] += 1
        return self.inner.handle_request(request)

    def snapshot(self) -> tuple[int, int]:
        return sum(self.request_path.values()), sum(self.background.values())


class Project:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        token = http.post("/v1/dev/token", json={"sub": "bench-owner"}).json()["access_token"]
        http.headers["authorization"] = f"Bearer {token}"
        self.pid = self._ok(http.post("/v1/projects", json={"name": "SDK bench"}))["id"]
        self.service_key = self._ok(http.post(f"/v1/projects/{self.pid}/secrets/service_key/reveal"))["value"]
        role = self._ok(http.post(f"/v1/projects/{self.pid}/roles", json={"name": "r", "permissions": ["orders:*"]}))
        self.role_id = role["id"]

    def issue(self, kind: str) -> tuple[str, str]:
        body = {"name": "bench", "type": kind, "role_id": self.role_id}
        issued = self._ok(self.http.post(f"/v1/projects/{self.pid}/keys", json=body))
        return issued["key"]["id"], issued["secret"]["key"]

    def revoke(self, key_id: str) -> None:
        assert self.http.delete(f"/v1/projects/{self.pid}/keys/{key_id}").status_code == 204

    @staticmethod
    def _ok(response: httpx.Response) -> Any:
        assert response.status_code in (200, 201), response.text
        return response.json()


def p50_us(samples: list[int]) -> float:
    return statistics.median(samples) / 1000


def jwt_case(verifier: Verifier, counted: Counted, token: str, runs: int) -> dict[str, Any]:
    verdict = verifier.verify(token, ["orders:read"])  # the first sight: the service vouches once
    assert verdict.valid, verdict
    assert verifier.verify(token, ["orders:read"]).offline
    config = verifier._knowledge.config
    assert config is not None
    public_key = verifier._knowledge.keys.key(jwt.get_unverified_header(token)["kid"])
    assert public_key is not None
    ours: list[int] = []
    pyjwt: list[int] = []
    clock = time.perf_counter_ns
    before = counted.snapshot()
    for _ in range(runs):
        start = clock()
        jwt.decode(token, public_key, algorithms=["ES256"], audience=config.project_id, issuer=config.issuer)
        middle = clock()
        result = verifier.verify(token, ["orders:read"])
        end = clock()
        assert result.valid
        pyjwt.append(middle - start)
        ours.append(end - middle)
    after = counted.snapshot()
    return {
        "verifier_p50_us": round(p50_us(ours), 1),
        "pyjwt_decode_p50_us": round(p50_us(pyjwt), 1),
        "ratio": round(p50_us(ours) / p50_us(pyjwt), 3),
        "runs": runs,
        "request_path_calls_per_request": (after[0] - before[0]) / runs,
        "poller_calls_meanwhile": after[1] - before[1],
        "target": "ratio <= 1.2, 0 calls per request",
    }


def opaque_case(verifier: Verifier, counted: Counted, key: str, runs: int) -> dict[str, Any]:
    assert verifier.verify(key).valid  # the miss that fills the cache
    samples: list[int] = []
    clock = time.perf_counter_ns
    before = counted.snapshot()
    deadline = time.monotonic() + 0.8 * verifier._knowledge.answers.ttl
    done = 0
    while done < runs:
        if time.monotonic() > deadline:  # keep every sample a hit: refill before the TTL
            assert verifier.verify(key).valid
            before = (before[0] + 1, before[1])
            deadline = time.monotonic() + 0.8 * verifier._knowledge.answers.ttl
        start = clock()
        result = verifier.verify(key, ["orders:read"])
        samples.append(clock() - start)
        assert result.valid
        done += 1
    after = counted.snapshot()
    return {
        "hit_p50_us": round(p50_us(samples), 2),
        "hit_p99_us": round(sorted(samples)[int(0.99 * len(samples))] / 1000, 2),
        "runs": runs,
        "request_path_calls_per_request": (after[0] - before[0]) / runs,
        "target": "p50 <= 20 us",
    }


def revocation_case(verifier: Verifier, counted: Counted, project: Project) -> dict[str, Any]:
    key_id, token = project.issue("jwt")
    assert verifier.verify(token).valid
    assert verifier.verify(token).offline
    before = counted.snapshot()
    project.revoke(key_id)
    revoked_at = time.monotonic()
    checks = 0
    while True:
        checks += 1
        verdict = verifier.verify(token)
        if not verdict.valid:
            break
        if time.monotonic() - revoked_at > 30:
            raise RuntimeError("the revocation was not seen within 30 s")
        time.sleep(0.005)
    seen_after = time.monotonic() - revoked_at
    after = counted.snapshot()
    return {
        "refused_after_s": round(seen_after, 3),
        "code": verdict.code,
        "checks_meanwhile": checks,
        "request_path_calls_meanwhile": after[0] - before[0],
        "poll_interval_s": verifier.poll_interval,
        "target": "<= 5 s",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5000)
    args = parser.parse_args()
    stack = LocalStack()  # the local stack as tests/e2e runs it: its own process, a free port
    url = stack.wait_ready()
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            project = Project(http)
            _, token = project.issue("jwt")
            _, opaque = project.issue("opaque")
            counted = Counted()
            with Verifier(url, project.service_key, cache_ttl=0, transport=counted) as signature_every_time:
                signature_every_time.start()
                offline = jwt_case(signature_every_time, counted, token, args.runs)
            counted = Counted()
            with Verifier(url, project.service_key, transport=counted) as verifier:
                verifier.start()
                results = {
                    "jwt": offline,
                    "jwt_answer_kept": jwt_case(verifier, counted, token, args.runs),
                    "opaque_hit": opaque_case(verifier, counted, opaque, args.runs),
                    "revocation": revocation_case(verifier, counted, project),
                    "calls_by_path": {
                        "request_path": dict(counted.request_path),
                        "poller": dict(counted.background),
                    },
                }
    finally:
        stack.stop(signal.SIGTERM)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
