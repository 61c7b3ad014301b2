"""Permission query benchmark (issue 23): what a query adds to a verification once parsed.

In-process, no I/O; each figure is the median over `--rounds` rounds of `--runs` calls timed
with `time.perf_counter`, in µs per call. The key holds a role of four permissions, one a
wildcard (`invoices:*`). Prints JSON:

- `query_5_terms_us`: `parsed(text).evaluate(granted)` of a 5-term query with AND, OR and
  parentheses, its parse remembered (the verification path). Target, with the IP check: ≤ 5.
- `list_2_items_us`: `all(holds(granted, w) for w in wanted)` of a 2-item list (the check
  before queries), and `list_requirement_us`: the same list through `requirement_of`.
- `parse_5_terms_us`: the query parsed without the cache (what a query costs the first time).
- `sdk_query_5_terms_us`: the SDK's `parsed(text).evaluate(granted)` of the same query.

    python -m bench.permission_query [--runs 100000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from keywarden import _query as sdk

from chalicelib.domain.permission_query import parse, parsed, requirement_of
from chalicelib.domain.permissions import holds

GRANTED = ("orders:read", "orders:write", "customers:read", "invoices:*")
QUERY = "orders:read AND (orders:refund OR orders:write) AND invoices:read AND customers:read"
WANTED = ["orders:read", "orders:write"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(run(args.runs, args.rounds)))


def run(runs: int, rounds: int) -> dict[str, Any]:
    assert parsed(QUERY).evaluate(GRANTED) and sdk.parsed(QUERY).evaluate(GRANTED)  # every term is looked at
    return {
        "runs": runs,
        "rounds": rounds,
        "query_5_terms_us": _us(lambda: parsed(QUERY).evaluate(GRANTED), runs, rounds),
        "list_2_items_us": _us(lambda: all(holds(GRANTED, wanted) for wanted in WANTED), runs, rounds),
        "list_requirement_us": _us(lambda: requirement_of(WANTED).evaluate(GRANTED), runs, rounds),
        "parse_5_terms_us": _us(lambda: parse(QUERY), runs // 10, rounds),
        "sdk_query_5_terms_us": _us(lambda: sdk.parsed(QUERY).evaluate(GRANTED), runs, rounds),
    }


def _us(call: Callable[[], object], runs: int, rounds: int) -> float:
    """Median µs per call over `rounds` rounds of `runs` calls."""
    per_call: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(runs):
            call()
        per_call.append((time.perf_counter() - started) / runs)
    return round(statistics.median(per_call) * 1e6, 3)


if __name__ == "__main__":
    main()
