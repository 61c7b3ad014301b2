"""The webhook dispatcher: fans events out to deliveries and sends what is due.

Deployed, a DynamoDB-stream handler on the outbox runs `dispatch_events` the moment an
event commits (the first attempt), and a scheduled function runs `dispatch` every minute
(events the stream missed, and retries). Locally, the scheduler thread runs `dispatch`
every second and `POST /v1/dev/jobs/webhook-dispatch` runs it on demand.

An attempt is a POST of the event's JSON with the Standard Webhooks headers, signed
afresh each time (a new `webhook-timestamp`, the same `webhook-id`). 2xx succeeds; 410
ends the delivery and disables the endpoint; 429, 5xx, timeouts and connection errors
are tried again after `KEYWARDEN_WEBHOOK_RETRY_SCHEDULE` (with jitter, or later when the
receiver's Retry-After says so) until the schedule is spent; anything else (a redirect
too: none is followed) ends it as failed. Every attempt is recorded on the delivery.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain import webhook_signing, webhook_urls
from chalicelib.domain.clock import now, rfc3339
from chalicelib.errors import ConflictError, NotFoundError
from chalicelib.services import webhooks as webhook_cases
from chalicelib.services.webhooks import resolve
from chalicelib.store import deliveries, webhooks
from chalicelib.store.webhook_models import DeliveryModel, OutboxModel, WebhookModel

log = logging.getLogger("keywarden.webhooks")

TIMEOUT_SECONDS = 15.0
# Parallel sends in one dispatch: a slow endpoint must not hold up the others.
WORKERS = 16
# Unsent events one dispatch fans out, and due deliveries it reads at a time.
BATCH = 500
# How long a dispatch keeps starting sends. An attempt started in time ends within
# TIMEOUT_SECONDS more, so each function's time limit (.chalice/config.json) is above the sum:
# the scheduled one runs every minute with 120 s, the stream handler has 300 s.
DISPATCH_BUDGET_SECONDS = 45.0
EVENTS_BUDGET_SECONDS = 240.0
# A receiver's answer is read up to this much, for the attempt's log.
MAX_RESPONSE_BYTES = 4096
USER_AGENT = "Keywarden-Webhooks/1"
_RETRIED_STATUSES = frozenset({429, *range(500, 600)})


# --- fan-out -----------------------------------------------------------------------


def payload_of(message: dict[str, Any]) -> str:
    """The body every attempt of `message` sends: `{"type", "timestamp", "data"}`."""
    return json.dumps(
        {"type": message["type"], "timestamp": message["timestamp"], "data": message["data"]},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def fan_out(event: OutboxModel, endpoints: dict[str, WebhookModel | None]) -> list[tuple[str, str]]:
    """One delivery per message and subscribed, enabled endpoint; returns the new ones, and
    leaves the project's endpoints in `endpoints` for the sends that follow.

    Idempotent: a delivery's id comes from its message, and it is created on condition it
    does not exist, so a second run (a stream retry, the scheduled sweep) adds nothing.
    """
    listening = [w for w in webhooks.all_webhooks(event.project_id) if w.enabled]
    endpoints.update((w.id, w) for w in listening)
    at = now()
    wanted = [
        (endpoint.id, message, payload)
        for message in event.messages
        for payload in [payload_of(message)]
        for endpoint in listening
        if message["type"] in endpoint.events
    ]

    def create(target: tuple[str, dict[str, Any], str]) -> tuple[str, str] | None:
        webhook_id, message, payload = target
        if deliveries.create(webhook_id, event.project_id, message, payload, at):
            return webhook_id, deliveries.delivery_id(message["id"])
        return None

    created = [target for target in _parallel(create, wanted) if target is not None]
    # Only once every delivery exists: a crash before this leaves the event to the next sweep.
    deliveries.mark_sent(event)
    return created


def _parallel(work: Any, items: list[Any]) -> list[Any]:
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(items))) as pool:
        return list(pool.map(work, items))


# --- sending -----------------------------------------------------------------------


class _Outcome:
    def __init__(self, response_code: int | None, error: str | None, retry_after: float | None = None) -> None:
        self.response_code = response_code
        self.error = error
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP(S) to one address that was checked, while TLS verifies the certificate against
    the URL's host name (SNI and hostname check), as a client connecting by name would."""

    def __init__(self, address: str, port: int, hostname: str, tls: bool, timeout: float) -> None:
        super().__init__(address, port, timeout=timeout)
        self._hostname = hostname
        self._tls = tls

    def connect(self) -> None:
        super().connect()
        if self._tls:
            self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self._hostname)


def send(url: str, headers: dict[str, str], body: bytes, *, local: bool) -> _Outcome:
    """POSTs once, within TIMEOUT_SECONDS of wall time whatever the receiver does (a timer
    shuts the socket, so a receiver trickling bytes cannot hold the attempt); never follows a
    redirect; connects only to an address it checked."""
    problem = webhook_urls.url_problem(url, local=local)
    parts = webhook_urls.parse(url)
    if problem is not None or parts is None:
        return _Outcome(None, f"refused: the URL {problem or 'is not valid'}")
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        # Resolved once, checked, then connected to: no second lookup can answer otherwise.
        addresses = resolve(host, port)
    except OSError as error:
        return _Outcome(None, f"DNS: {error.strerror or error}")
    if not local:
        addresses = [address for address in addresses if webhook_urls.is_public_address(address)]
    if not addresses:
        return _Outcome(None, "refused: the host resolves only to private, loopback or link-local addresses")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = _PinnedConnection(addresses[0], port, host, parts.scheme == "https", TIMEOUT_SECONDS)
    expired = threading.Event()

    def cut_off() -> None:
        expired.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(TIMEOUT_SECONDS, cut_off)
    timer.daemon = True
    timer.start()
    try:
        connection.request(
            "POST",
            target,
            body=body,
            headers={**headers, "host": parts.netloc.rpartition("@")[2], "user-agent": USER_AGENT},
        )
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        if expired.is_set():
            raise TimeoutError
    except TimeoutError:
        return _Outcome(None, f"timed out after {TIMEOUT_SECONDS:g} s")
    except (OSError, http.client.HTTPException, ValueError) as error:
        if expired.is_set():
            return _Outcome(None, f"timed out after {TIMEOUT_SECONDS:g} s")
        return _Outcome(None, f"connection failed: {type(error).__name__}")
    finally:
        timer.cancel()
        connection.close()
    return _Outcome(response.status, None, _retry_after(response.getheader("retry-after")))


def _next_delay(attempt_number: int, retry_after: float | None) -> float | None:
    """Seconds until the next attempt after attempt `attempt_number` (1-based), or None when spent."""
    schedule = get_settings().webhook_retry_schedule
    if attempt_number > len(schedule):
        return None
    delay = schedule[attempt_number - 1] * random.uniform(0.9, 1.1)  # noqa: S311 (jitter, not a secret)
    if retry_after is not None:
        # Later when the receiver asks for it, but never past the schedule's longest wait.
        delay = max(delay, min(retry_after, max(schedule)))
    return delay


def attempt(delivery: DeliveryModel, endpoint: WebhookModel | None) -> DeliveryModel:
    """One attempt of a leased delivery, recorded with its outcome."""
    started = now()
    record: dict[str, Any] = {"at": rfc3339(started), "duration_ms": 0, "response_code": None, "error": None}
    if endpoint is None or not endpoint.enabled:
        record |= {
            "status": "failed",
            "error": "the endpoint was deleted" if endpoint is None else "the endpoint is disabled",
        }
        return deliveries.record_attempt(delivery, record, deliveries.FAILED, None)
    body = delivery.payload.encode()
    headers = webhook_signing.headers(
        webhook_cases.signing_secrets(endpoint, started), delivery.message_id, int(started), body
    )
    clock = time.monotonic()
    outcome = send(endpoint.url, headers, body, local=get_settings().is_local)
    record |= {
        "duration_ms": round((time.monotonic() - clock) * 1000),
        "response_code": outcome.response_code,
        "error": outcome.error,
    }
    code = outcome.response_code
    if code is not None and 200 <= code < 300:
        record["status"] = "succeeded"
        return deliveries.record_attempt(delivery, record, deliveries.SUCCEEDED, None)
    record["status"] = "failed"
    # Ids and the outcome only: an endpoint's URL may carry a token of the receiver's.
    log.info(
        "webhook delivery %s to %s failed: %s", delivery.id, endpoint.id, code if code is not None else outcome.error
    )
    if code == 410:
        record["error"] = "410 Gone: the endpoint is disabled"
        webhooks.disable(endpoint, "the endpoint answered 410 Gone")
        endpoint.enabled = False  # the rest of this dispatch sees it too (the endpoint cache)
        return deliveries.record_attempt(delivery, record, deliveries.FAILED, None)
    if code is not None and 300 <= code < 400:
        record["error"] = f"redirect ({code}) not followed"
    retriable = (code is None and not (outcome.error or "").startswith("refused")) or code in _RETRIED_STATUSES
    delay = (
        _next_delay(int(delivery.attempt_count) + 1, outcome.retry_after) if retriable and not delivery.manual else None
    )
    if delay is None:
        return deliveries.record_attempt(delivery, record, deliveries.FAILED, None)
    return deliveries.record_attempt(delivery, record, deliveries.PENDING, now() + delay)


def send_one(webhook_id: str, delivery_id: str, endpoints: dict[str, WebhookModel | None] | None = None) -> str | None:
    """Leases and attempts one delivery if it is due; returns its status after, or None.
    `endpoints` caches the endpoints read so far in this dispatch (None: read it)."""
    leased = deliveries.lease(webhook_id, delivery_id, now())
    if leased is None:
        return None
    endpoints = {} if endpoints is None else endpoints
    if webhook_id not in endpoints:
        try:
            endpoints[webhook_id] = webhooks.get_webhook(leased.project_id, webhook_id)
        except NotFoundError:  # deleted: the attempt records it
            endpoints[webhook_id] = None
    try:
        return str(attempt(leased, endpoints[webhook_id]).status)
    except ConflictError:
        return None


def _send_all(
    targets: list[tuple[str, str]], endpoints: dict[str, WebhookModel | None], deadline: float
) -> dict[str, int]:
    """Sends each target, WORKERS at a time; none is started after `deadline` (monotonic), so
    the invocation ends within its time limit. What is left stays due for the next dispatch."""

    def one(target: tuple[str, str]) -> str:
        if time.monotonic() >= deadline:
            return "deferred"
        return send_one(target[0], target[1], endpoints) or "skipped"

    counts: dict[str, int] = {}
    for status in _parallel(one, targets):
        counts[status] = counts.get(status, 0) + 1
    return counts


# --- entry points ------------------------------------------------------------------


def dispatch_events(outbox_ids: Iterable[str], budget_seconds: float = EVENTS_BUDGET_SECONDS) -> dict[str, Any]:
    """Fans out the given events and sends their first attempts (the stream handler)."""
    deadline = time.monotonic() + budget_seconds
    ids = list(dict.fromkeys(outbox_ids))
    events = list(OutboxModel.batch_get(ids, consistent_read=True)) if ids else []
    endpoints: dict[str, WebhookModel | None] = {}
    created = [target for event in events for target in fan_out(event, endpoints)]
    return {"events": len(events), "deliveries": len(created), "sent": _send_all(created, endpoints, deadline)}


def dispatch(budget_seconds: float = DISPATCH_BUDGET_SECONDS) -> dict[str, Any]:
    """One round (the scheduled job): fan out unsent events and send their deliveries, then
    send due ones, batch after batch, until none is due or the time budget is spent.

    New deliveries are sent by their ids, not found through the index of due ones: a global
    secondary index is eventually consistent, and a new delivery may not be in it yet.
    """
    deadline = time.monotonic() + budget_seconds
    events = deliveries.unsent_events(BATCH)
    endpoints: dict[str, WebhookModel | None] = {}
    created = [target for event in events for target in fan_out(event, endpoints)]
    sent = _send_all(created, endpoints, deadline)
    tried = set(created)
    while time.monotonic() < deadline:
        due = [target for target in deliveries.due_deliveries(now(), BATCH) if target not in tried]
        if not due:
            break
        tried.update(due)
        for status, count in _send_all(due, endpoints, deadline).items():
            sent[status] = sent.get(status, 0) + count
    return {"events": len(events), "deliveries": len(created), "sent": sent}
