"""`Verifier`: checks the API keys a resource server receives, as cheaply as it can be done.

- **Opaque keys** (`kw_...`): the checksum is checked offline (a typo never costs a call),
  then the service answers (`POST /v1/keys/verify`), and the answer is kept for at most
  `KEYWARDEN_CACHE_TTL` seconds (default 5).
- **JWT keys**: checked offline against the service's JWKS (cached by its `Cache-Control`,
  fetched again when a token names a `kid` it lacks), with no call on the request path once
  the service has vouched for the key. A background thread polls the project's key-changes
  feed every `poll_interval` seconds (default 2), so a revoked key stops verifying within
  about that long and an expiry brought forward or an owner who lost the right is checked
  with the service again (see `keywarden._trust`). If the feed cannot be read for
  `stale_after` seconds, JWT keys are checked with the service until it can.
- **HMAC-signed requests**: forwarded to `POST /v1/hmac/verify`; the secret never leaves the
  service, and every request is checked (a replay is refused there).

Thread-safe; one `Verifier` per process serves every request. It survives `fork()` (gunicorn
`--preload`): the child starts its own poller on first use.

Example::

    verifier = Verifier("https://keys.example.com", service_key=os.environ["KEYWARDEN_SERVICE_KEY"])
    verdict = verifier.verify(presented_key, ["orders:read"])
    if not verdict.valid:
        ...  # verdict.code says why: EXPIRED, REVOKED, INSUFFICIENT_PERMISSIONS, ...
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Mapping
from typing import Any

import httpx

from keywarden._feed import service_time
from keywarden._knowledge import Ask, Config, Knowledge, screened
from keywarden._query import Permissions, requirement_of
from keywarden._service import Service, Unprocessable
from keywarden.signing import content_hash
from keywarden.verification import INVALID_SIGNATURE, MALFORMED, Verification, refused

__all__ = ["Verifier"]

# Which rate limits a verification applies, each at its cost; None: every auto-applied one at 1.
Limits = Mapping[str, int] | None


def _ask(credential: str, cost: int | None, ratelimits: Limits, client_ip: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"key": credential}
    if client_ip is not None:
        body["client_ip"] = client_ip
    if cost is not None:
        body["cost"] = cost
    if ratelimits is not None:
        body["ratelimits"] = [{"name": name, "cost": charge} for name, charge in ratelimits.items()]
    return body


log = logging.getLogger("keywarden")

# An unknown `kid` fetches the keys again at most this often.
_KEYS_REFETCH_INTERVAL = 10.0


class Verifier:
    def __init__(
        self,
        base_url: str,
        service_key: str,
        *,
        cache_ttl: float | None = None,
        poll_interval: float = 2.0,
        stale_after: float = 15.0,
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._service = Service(self.base_url, service_key, timeout, transport, async_transport)
        ttl = float(os.environ.get("KEYWARDEN_CACHE_TTL", "5")) if cache_ttl is None else cache_ttl
        self.poll_interval = poll_interval
        self.stale_after = stale_after
        self._knowledge = Knowledge(ttl)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._start_lock = threading.Lock()
        _after_fork.add(self)

    # --- public ---------------------------------------------------------------------

    def verify(
        self,
        key: str,
        permissions: Permissions = (),
        *,
        client_ip: str | None = None,
        cost: int | None = None,
        ratelimits: Limits = None,
    ) -> Verification:
        """The verdict on `key` for a request that needs `permissions`: every one of a collection,
        or a query (`"orders:read AND (orders:write OR admin)"`; a malformed one raises `ValueError`).

        `client_ip` is the address the request came from (the middleware passes the peer's):
        a key with an IP allowlist is IP_NOT_ALLOWED when it is None or outside the list.

        A key with rate limits or credits is charged by the service at each use: `cost` credits
        (default 1) and `ratelimits` (`{name: cost}`, default every auto-applied limit at 1).
        Its answers are never kept or repeated offline.

        Raises `KeywardenError` when no verdict can be reached (the service is unreachable and
        nothing offline can answer): answer 503, do not let the request in.
        """
        requirement_of(permissions)  # a malformed query is the caller's bug: raised before any call
        plan = self._plan(key, client_ip)
        if isinstance(plan, Verification):
            return plan.requiring(permissions)
        asked_at = time.monotonic()
        try:
            body = self._service.post("/v1/keys/verify", _ask(plan.credential, cost, ratelimits, client_ip))
        except Unprocessable:
            return refused(MALFORMED)
        return self._knowledge.learn(plan, body, asked_at).requiring(permissions)

    async def averify(
        self,
        key: str,
        permissions: Permissions = (),
        *,
        client_ip: str | None = None,
        cost: int | None = None,
        ratelimits: Limits = None,
    ) -> Verification:
        """`verify` for async code: the offline path is the same; the service is called without blocking."""
        requirement_of(permissions)  # as in `verify`
        if self._thread is None or self._pid != os.getpid():
            import asyncio

            # Starting reads from the service: never on the event loop, not even while waiting
            # for another request's start.
            await asyncio.to_thread(self.start)
        plan = self._plan(key, client_ip)
        if isinstance(plan, Verification):
            return plan.requiring(permissions)
        asked_at = time.monotonic()
        try:
            body = await self._service.apost("/v1/keys/verify", _ask(plan.credential, cost, ratelimits, client_ip))
        except Unprocessable:
            return refused(MALFORMED)
        return self._knowledge.learn(plan, body, asked_at).requiring(permissions)

    def verify_hmac(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes = b"",
        permissions: Permissions = (),
        *,
        client_ip: str | None = None,
    ) -> Verification:
        """The verdict on an HMAC-signed request, from the service (the secret never leaves it).

        `url` is the request target as received (path and query, `/orders?limit=5`); `headers`
        must hold `host`, `x-ms-date`, `x-ms-content-sha256` and `authorization`, and only those
        four are sent on. The body is checked against `x-ms-content-sha256` here and not sent:
        the signature covers that hash. `client_ip` as for `verify`.
        """
        payload = _hmac_payload(method, url, headers, body, permissions, client_ip)
        if isinstance(payload, Verification):
            return payload
        try:
            return Verification.from_service(self._service.post("/v1/hmac/verify", payload))
        except Unprocessable:
            return refused(MALFORMED)

    async def averify_hmac(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes = b"",
        permissions: Permissions = (),
        *,
        client_ip: str | None = None,
    ) -> Verification:
        payload = _hmac_payload(method, url, headers, body, permissions, client_ip)
        if isinstance(payload, Verification):
            return payload
        try:
            return Verification.from_service(await self._service.apost("/v1/hmac/verify", payload))
        except Unprocessable:
            return refused(MALFORMED)

    def start(self) -> None:
        """Reads the project's settings, the signing keys and the feed, and starts the poller.

        Called on first use; call it at your app's start to pay that before the first request.
        Raises `KeywardenError` when the service cannot be reached or refuses the service key.
        """
        if self._knowledge.config is not None and self._pid == os.getpid() and self._thread is not None:
            return
        with self._start_lock:
            if self._pid != os.getpid():
                self._forked()
            if self._knowledge.config is None:
                self._read_config()
                self._fetch_keys()
                self._poll_feed()
            if self._thread is None:
                # A new Event per poller: a poller of an earlier start, stuck in a call, stays stopped.
                self._stop = threading.Event()
                self._thread = threading.Thread(
                    target=self._run, args=(self._stop,), name="keywarden-verifier", daemon=True
                )
                self._thread.start()

    def close(self) -> None:
        """Stops the poller and closes the connections."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._service.close()

    async def aclose(self) -> None:
        self.close()
        await self._service.aclose()

    def __enter__(self) -> Verifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def project_id(self) -> str:
        """The project whose keys this verifier accepts (after `start`)."""
        self.start()
        assert self._knowledge.config is not None
        return self._knowledge.config.project_id

    # --- the request path ---------------------------------------------------------------

    def _plan(self, credential: str, client_ip: str | None) -> Verification | Ask:
        """A verdict reached without the network (for a request from `client_ip`), or what to ask the service."""
        malformed = screened(credential)
        if malformed is not None:
            return malformed
        self.start()
        return self._knowledge.plan(credential, self.stale_after, client_ip)

    # --- the service ----------------------------------------------------------------------

    def _read_config(self) -> None:
        response = self._service.get("/v1/verifier")
        self._knowledge.configure(Config.from_service(response.json()), service_time(response))

    def _poll_feed(self) -> None:
        assert self._knowledge.feed is not None
        self._knowledge.feed.poll(self._service.get, time.monotonic())

    def _fetch_keys(self) -> None:
        assert self._knowledge.config is not None
        response = self._service.get(self._knowledge.config.jwks_uri)
        self._knowledge.keys.load(response.json(), response.headers.get("cache-control"))

    # --- the poller -----------------------------------------------------------------------

    def _run(self, stop: threading.Event) -> None:
        while not stop.wait(self.poll_interval):
            if self._pid != os.getpid():
                return
            try:
                self._poll_feed()
                moment = time.monotonic()
                keys = self._knowledge.keys
                refetch = self._knowledge.keys_wanted.is_set() and moment - keys.fetched_at > _KEYS_REFETCH_INTERVAL
                if moment >= keys.fresh_until or refetch:
                    self._knowledge.keys_wanted.clear()
                    self._fetch_keys()
                self._knowledge.trust.forget_doubts()
            except Exception as error:  # the poller must outlive any one failure
                log.warning("keywarden: could not read the key-changes feed: %s", error)

    def _forked(self) -> None:
        """In a child process: its own locks, connections and poller; what was learned stays."""
        self._pid = os.getpid()
        self._thread = None
        self._service.forget_connections()
        self._stop = threading.Event()
        self._start_lock = threading.Lock()
        self._knowledge.forked()


# --- helpers -----------------------------------------------------------------------------


class _Forks:
    """Verifiers to mend in a forked child (its locks may have been held by a thread that is gone)."""

    def __init__(self) -> None:
        self._verifiers: weakref.WeakSet[Verifier] = weakref.WeakSet()
        os.register_at_fork(after_in_child=self._in_child)

    def add(self, verifier: Verifier) -> None:
        self._verifiers.add(verifier)

    def _in_child(self) -> None:
        for verifier in list(self._verifiers):
            verifier._forked()


_after_fork = _Forks()


_HMAC_HEADERS = ("host", "x-ms-date", "x-ms-content-sha256", "authorization")


def _hmac_payload(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    permissions: Permissions,
    client_ip: str | None,
) -> dict[str, Any] | Verification:
    """What `/v1/hmac/verify` needs, or the verdict when the body is not the one signed.

    Only the four signed headers go to the service (not the request's cookies or other
    credentials), and not the body: its hash is compared here, and the signature covers it.
    """
    requirement_of(permissions)  # a malformed query raises here: the service would only call it MALFORMED
    folded = {name.lower(): value for name, value in headers.items()}
    if content_hash(body) != folded.get("x-ms-content-sha256"):
        return refused(INVALID_SIGNATURE)
    payload: dict[str, Any] = {
        "method": method,
        "url": url,
        "headers": {name: folded[name] for name in _HMAC_HEADERS if name in folded},
    }
    if permissions:
        # A query goes as it is, a string; a collection as a list (never a string's characters).
        payload["permissions"] = permissions if isinstance(permissions, str) else list(permissions)
    if client_ip is not None:
        payload["client_ip"] = client_ip
    return payload
