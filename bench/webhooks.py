"""Webhook dispatch benchmark: what one event costs with 1, 100 and 1,000 subscribed endpoints.

moto runs as a separate server process on loopback (as the local stack runs it) behind
`DelayProxy` (default 5 ms per AWS round trip); every endpoint points at one receiver on
127.0.0.1 that answers 204 at once. For each size, one key is issued (the event), then one
dispatch round fans it out and sends it. Prints JSON per size: the items of the change's
own transaction (the outbox adds one, whatever the size), the AWS calls of the dispatch by
operation, the same per endpoint, the deliveries the receiver got, and the wall time.

    python -m bench.webhooks [--delay-ms 5] [--sizes 1,100,1000]
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.verify import calls, embedded_aws

transaction_items: list[int] = []


def _count_transaction_items(params: dict[str, Any], model: Any, **_: Any) -> None:
    if model.name == "TransactWriteItems":
        transaction_items.append(len(params.get("TransactItems", [])))


class _Receiver(BaseHTTPRequestHandler):
    hits = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        with _Receiver.lock:
            _Receiver.hits += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def run(sizes: list[int]) -> list[dict[str, Any]]:
    import botocore.session

    from chalicelib.jobs import run_job
    from chalicelib.resets import reset_all
    from chalicelib.services import keys as key_cases
    from chalicelib.services import projects as project_cases
    from chalicelib.services import webhooks as webhook_cases
    from chalicelib.store import roles
    from chalicelib.store.tables import create_tables
    from devstack.aws import create_kms_keys

    original = botocore.session.Session.create_client

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        client.meta.events.register("before-parameter-build", _count_transaction_items)
        return client

    botocore.session.Session.create_client = create_client
    reset_all()
    create_tables()
    create_kms_keys()
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_port}/hook"
    results = []
    for size in sizes:
        project = project_cases.create_project(f"bench {size}", "", "bench-owner")
        role = roles.create_role(project.id, "reader", "", ["orders:read"], "bench-owner")
        for i in range(size):
            webhook_cases.create_webhook(project.id, url, ["key.created"], f"endpoint {i}", "bench-owner")
        run_job("webhook-dispatch")  # nothing due: warms connections and caches
        spec = key_cases.NewKey("opaque", "k", "", "bench-owner", role, None, {})
        transaction_items.clear()
        key_cases.issue_key(project, spec, "bench-owner")
        change_items = transaction_items[-1]
        calls.clear()
        _Receiver.hits = 0
        started = time.perf_counter()
        summary = run_job("webhook-dispatch")
        elapsed = time.perf_counter() - started
        made = Counter(calls)
        results.append(
            {
                "endpoints": size,
                "change_transaction_items": change_items,
                "dispatch_seconds": round(elapsed, 2),
                "delivered": _Receiver.hits,
                "dispatch": summary,
                "aws_calls": dict(sorted(made.items())),
                "aws_calls_per_endpoint": {name: round(n / size, 2) for name, n in sorted(made.items())},
            }
        )
    receiver.shutdown()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=float, default=5.0)
    parser.add_argument("--sizes", default="1,100,1000")
    args = parser.parse_args()
    with embedded_aws(args.delay_ms / 1000):
        result = run([int(size) for size in args.sizes.split(",")])
    print(json.dumps({"delay_ms": args.delay_ms, "sizes": result}))


if __name__ == "__main__":
    main()
