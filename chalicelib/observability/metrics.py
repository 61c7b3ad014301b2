"""Metrics of verifications, as CloudWatch Embedded Metric Format (EMF) lines on stdout.

Namespace `Keywarden`, two metrics (the infrastructure's alarms name exactly these):

- `Verifications` (Count), dimensions `service` and `outcome` (the verdict code: VALID,
  EXPIRED, ...): one per verification;
- `VerificationLatency` (Milliseconds), dimension `service` only: the request's time in the
  function, from the outermost layer's start to its answer (the `duration_ms` of the
  request line); a p99 alarm watches it.

Each verification prints two EMF objects, one per set of dimensions (EMF applies every
dimension set of an object to every metric in it, and latency per outcome is not wanted),
in one write, so every invocation's metrics leave with it. The project and request ids are
properties, searchable in Logs Insights, never dimensions: each distinct dimension value
is a metric of its own, billed monthly.

Written here, not with powertools' metrics: its builders took 28-37 µs a verification
(validating names and units, building and serializing per call), which put the cached
verification past its latency target; these two objects are a few µs (README,
"Observability"). The format is AWS's EMF specification; tests/functional parse it as such.
`POWERTOOLS_METRICS_DISABLED=true` turns them off, as it does powertools' metrics.
"""

from __future__ import annotations

import os
import time

import msgspec

from chalicelib.observability.logs import SERVICE, write_line

NAMESPACE = "Keywarden"
VERIFICATIONS = "Verifications"
VERIFICATION_LATENCY = "VerificationLatency"

_COUNTED = [
    {
        "Namespace": NAMESPACE,
        "Dimensions": [["service", "outcome"]],
        "Metrics": [{"Name": VERIFICATIONS, "Unit": "Count"}],
    }
]
_TIMED = [
    {
        "Namespace": NAMESPACE,
        "Dimensions": [["service"]],
        "Metrics": [{"Name": VERIFICATION_LATENCY, "Unit": "Milliseconds"}],
    }
]
_encode = msgspec.json.Encoder().encode


def disabled() -> bool:
    return os.environ.get("POWERTOOLS_METRICS_DISABLED", "").strip().lower() in ("1", "true")


def verification_objects(outcome: str, latency_ms: float, project_id: str | None, request_id: str) -> list[dict]:
    """The EMF objects of one verification: its count by outcome, then its latency."""
    stamp = int(time.time() * 1000)
    return [
        {
            "_aws": {"Timestamp": stamp, "CloudWatchMetrics": _COUNTED},
            "service": SERVICE,
            "outcome": outcome,
            "project_id": project_id,
            "request_id": request_id,
            VERIFICATIONS: [1.0],
        },
        {
            "_aws": {"Timestamp": stamp, "CloudWatchMetrics": _TIMED},
            "service": SERVICE,
            # A property here, for queries: not a dimension.
            "outcome": outcome,
            "project_id": project_id,
            "request_id": request_id,
            VERIFICATION_LATENCY: [round(latency_ms, 3)],
        },
    ]


def record_verification(outcome: str, latency_ms: float, project_id: str | None, request_id: str) -> None:
    """Prints the verification's EMF objects to stdout, one line each, in one write."""
    if disabled():
        return
    counted, timed = verification_objects(outcome, latency_ms, project_id, request_id)
    write_line(_encode(counted).decode() + "\n" + _encode(timed).decode())
