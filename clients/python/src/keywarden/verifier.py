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

import dataclasses
import logging
import os
import threading
import time
import weakref
import zlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from keywarden import _jwt
from keywarden._answers import Answers, fingerprint
from keywarden._feed import KeyChangesFeed, service_time
from keywarden._service import Service, Unprocessable
from keywarden._trust import TrustState, Vouched
from keywarden.signing import content_hash
from keywarden.verification import (
    EXPIRED,
    INVALID_SIGNATURE,
    MALFORMED,
    REVOKED,
    VALID,
    Verification,
    refused,
)

__all__ = ["Verifier"]

log = logging.getLogger("keywarden")

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_OPAQUE_PREFIX = "kw_"
_MAX_CREDENTIAL = 32 * 1024
# An unknown `kid` fetches the keys again at most this often.
_KEYS_REFETCH_INTERVAL = 10.0


@dataclass(frozen=True, slots=True)
class _Config:
    project_id: str
    issuer: str
    jwks_uri: str
    key_changes_uri: str
    service_cache_ttl: float


@dataclass(frozen=True, slots=True)
class _Ask:
    """A verdict the service must give: the credential, and what the offline check learned."""

    credential: str
    fingerprint: bytes
    jwt_id: str | None = None
    owner_id: str | None = None


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
        self._answers = Answers(ttl)
        self._trust = TrustState()
        self._trust.on_key_change.append(self._answers.drop_key)
        self._trust.on_owner_change.append(self._answers.drop_owner)
        self._keys = _jwt.SigningKeys()
        self._config: _Config | None = None
        self._feed: KeyChangesFeed | None = None
        self._refetch_keys = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._start_lock = threading.Lock()
        _after_fork.add(self)

    # --- public ---------------------------------------------------------------------

    def verify(self, key: str, permissions: Collection[str] = ()) -> Verification:
        """The verdict on `key` for a request that needs every one of `permissions`.

        Raises `KeywardenError` when no verdict can be reached (the service is unreachable and
        nothing offline can answer): answer 503, do not let the request in.
        """
        plan = self._plan(key)
        if isinstance(plan, Verification):
            return plan.requiring(permissions)
        asked_at = time.monotonic()
        try:
            body = self._service.post("/v1/keys/verify", {"key": plan.credential})
        except Unprocessable:
            return refused(MALFORMED)
        return self._learn(plan, body, asked_at).requiring(permissions)

    async def averify(self, key: str, permissions: Collection[str] = ()) -> Verification:
        """`verify` for async code: the offline path is the same; the service is called without blocking."""
        if self._thread is None or self._pid != os.getpid():
            import asyncio

            # Starting reads from the service: never on the event loop, not even while waiting
            # for another request's start.
            await asyncio.to_thread(self.start)
        plan = self._plan(key)
        if isinstance(plan, Verification):
            return plan.requiring(permissions)
        asked_at = time.monotonic()
        try:
            body = await self._service.apost("/v1/keys/verify", {"key": plan.credential})
        except Unprocessable:
            return refused(MALFORMED)
        return self._learn(plan, body, asked_at).requiring(permissions)

    def verify_hmac(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes = b"",
        permissions: Collection[str] = (),
    ) -> Verification:
        """The verdict on an HMAC-signed request, from the service (the secret never leaves it).

        `url` is the request target as received (path and query, `/orders?limit=5`); `headers`
        must hold `host`, `x-ms-date`, `x-ms-content-sha256` and `authorization`, and only those
        four are sent on. The body is checked against `x-ms-content-sha256` here and not sent:
        the signature covers that hash.
        """
        payload = _hmac_payload(method, url, headers, body, permissions)
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
        permissions: Collection[str] = (),
    ) -> Verification:
        payload = _hmac_payload(method, url, headers, body, permissions)
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
        if self._config is not None and self._pid == os.getpid() and self._thread is not None:
            return
        with self._start_lock:
            if self._pid != os.getpid():
                self._forked()
            if self._config is None:
                self._config = self._read_config()
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
        assert self._config is not None
        return self._config.project_id

    # --- the request path ---------------------------------------------------------------

    def _plan(self, credential: str) -> Verification | _Ask:
        """A verdict reached without the network, or what to ask the service."""
        if not credential or len(credential) > _MAX_CREDENTIAL:
            return refused(MALFORMED)
        if credential.startswith(_OPAQUE_PREFIX) and not _checksum_ok(credential):
            return refused(MALFORMED)
        self.start()
        mark = fingerprint(credential)
        cached = self._answers.get(mark)
        if cached is not None:
            if cached.key_id is not None and cached.key_id in self._trust.refused:
                return refused(self._trust.refused[cached.key_id])
            if cached.valid and cached.expires_at is not None and cached.expires_at.timestamp() <= self._now():
                return refused(EXPIRED)
            return cached
        if _jwt.looks_like_jwt(credential):
            return self._plan_jwt(credential, mark)
        return _Ask(credential, mark)

    def _plan_jwt(self, token: str, mark: bytes) -> Verification | _Ask:
        config = self._config
        assert config is not None
        assert self._feed is not None
        if time.monotonic() - self._feed.synced_at > self.stale_after:
            return _Ask(token, mark)  # the feed is behind: nothing offline can be trusted
        parsed = _jwt.parse(token)
        if parsed is None:
            return _Ask(token, mark)
        key = self._keys.key(parsed.kid)
        if key is None:
            self._refetch_keys.set()  # the poller fetches them at once; the service answers this one
            return _Ask(token, mark)
        try:
            claims = _jwt.verified_claims(parsed, key, config.project_id, config.issuer, self._now())
        except _jwt.Refused as refusal:
            return refused(refusal.code)
        key_id, owner_id = claims["jti"], claims["sub"]
        code = self._trust.refused.get(key_id)
        if code is not None:
            return refused(code)
        vouched = self._trust.vouched.get(key_id)
        if vouched is None:
            return _Ask(token, mark, key_id, owner_id)
        if vouched.expires_at is not None and vouched.expires_at <= self._now():
            return refused(EXPIRED)
        return _offline_verdict(key_id, owner_id, config.project_id, vouched)

    def _learn(self, plan: _Ask, body: Mapping[str, Any], asked_at: float) -> Verification:
        assert self._config is not None
        ttl = self._config.service_cache_ttl
        verdict = Verification.from_service(body)
        key_id = verdict.key_id or plan.jwt_id
        if key_id is not None:
            code = self._trust.refused.get(key_id)
            if code is not None:  # the feed heard of a revocation the service's cache has not
                return refused(code)
        if plan.jwt_id is not None and verdict.valid and verdict.key_id == plan.jwt_id and verdict.owner_id:
            self._trust.vouch(plan.jwt_id, _vouched(verdict), asked_at, ttl)
        elif plan.jwt_id is not None and verdict.code in (REVOKED, EXPIRED):
            self._trust.refuse(plan.jwt_id, verdict.code)
        elif verdict.key_id is not None and not verdict.valid:
            self._trust.unvouch(verdict.key_id)  # the service says no: no offline "yes" until it says yes
        owner = verdict.owner_id or plan.owner_id or ""
        if key_id is None or self._trust.may_vouch(key_id, owner, asked_at, ttl):
            # Kept as later requests will see it: answered without a call.
            self._answers.put(plan.fingerprint, dataclasses.replace(verdict, offline=True), asked_at)
            # The feed may have heard of a change between the check above and the put: its
            # drop ran before the put, so look again (one of the two always sees the other).
            if key_id is not None and (
                key_id in self._trust.refused or not self._trust.may_vouch(key_id, owner, asked_at, ttl)
            ):
                self._answers.drop_key(key_id)
        return verdict

    def _now(self) -> float:
        """The service's time (this machine's, corrected when their clocks differ by more than 2 s)."""
        return time.time() + (self._feed.skew if self._feed is not None else 0.0)

    # --- the service ----------------------------------------------------------------------

    def _read_config(self) -> _Config:
        response = self._service.get("/v1/verifier")
        body = response.json()
        config = _Config(
            project_id=body["project_id"],
            issuer=body["issuer"],
            jwks_uri=body["jwks_uri"],
            key_changes_uri=body["key_changes_uri"],
            service_cache_ttl=float(body["cache_ttl_seconds"]),
        )
        self._feed = KeyChangesFeed(
            config.key_changes_uri, self._trust, config.service_cache_ttl, service_time(response)
        )
        return config

    def _poll_feed(self) -> None:
        assert self._feed is not None
        self._feed.poll(self._service.get, time.monotonic())

    def _fetch_keys(self) -> None:
        assert self._config is not None
        response = self._service.get(self._config.jwks_uri)
        self._keys.load(response.json(), response.headers.get("cache-control"))

    # --- the poller -----------------------------------------------------------------------

    def _run(self, stop: threading.Event) -> None:
        while not stop.wait(self.poll_interval):
            if self._pid != os.getpid():
                return
            try:
                self._poll_feed()
                moment = time.monotonic()
                refetch = self._refetch_keys.is_set() and moment - self._keys.fetched_at > _KEYS_REFETCH_INTERVAL
                if moment >= self._keys.fresh_until or refetch:
                    self._refetch_keys.clear()
                    self._fetch_keys()
                self._trust.forget_doubts()
            except Exception as error:  # the poller must outlive any one failure
                log.warning("keywarden: could not read the key-changes feed: %s", error)

    def _forked(self) -> None:
        """In a child process: its own locks, connections and poller; what was learned stays."""
        self._pid = os.getpid()
        self._thread = None
        self._service.forget_connections()
        self._stop = threading.Event()
        self._refetch_keys = threading.Event()
        if self._feed is not None:
            self._feed.forked()
        self._start_lock = threading.Lock()
        self._trust.reset_locks()
        self._answers.reset_locks()


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
    method: str, url: str, headers: Mapping[str, str], body: bytes, permissions: Collection[str]
) -> dict[str, Any] | Verification:
    """What `/v1/hmac/verify` needs, or the verdict when the body is not the one signed.

    Only the four signed headers go to the service (not the request's cookies or other
    credentials), and not the body: its hash is compared here, and the signature covers it.
    """
    folded = {name.lower(): value for name, value in headers.items()}
    if content_hash(body) != folded.get("x-ms-content-sha256"):
        return refused(INVALID_SIGNATURE)
    payload: dict[str, Any] = {
        "method": method,
        "url": url,
        "headers": {name: folded[name] for name in _HMAC_HEADERS if name in folded},
    }
    if permissions:
        payload["permissions"] = list(permissions)
    return payload


def _vouched(verdict: Verification) -> Vouched:
    assert verdict.owner_id is not None
    return Vouched(
        expires_at=verdict.expires_at.timestamp() if verdict.expires_at is not None else None,
        owner_id=verdict.owner_id,
        role_id=verdict.role_id,
        permissions=verdict.permissions,
        meta=verdict.meta,
    )


def _offline_verdict(key_id: str, owner_id: str, project_id: str, vouched: Vouched) -> Verification:
    """The service's own answer for this key, repeated: what it said when it vouched."""
    expires = vouched.expires_at
    return Verification(
        valid=True,
        code=VALID,
        key_id=key_id,
        project_id=project_id,
        owner_id=owner_id,
        role_id=vouched.role_id,
        permissions=vouched.permissions,
        expires_at=datetime.fromtimestamp(expires, UTC) if expires is not None else None,
        meta=vouched.meta,
        offline=True,
    )


def _checksum_ok(key: str) -> bool:
    """The opaque key's last 6 characters are the CRC32 of the rest of its body, in base62."""
    body = key[len(_OPAQUE_PREFIX) :]
    if len(body) < 7 or not (body.isascii() and body.isalnum()):
        return False
    value = zlib.crc32(body[:-6].encode("ascii"))
    digits = []
    for _ in range(6):
        value, digit = divmod(value, 62)
        digits.append(_BASE62[digit])
    return "".join(reversed(digits)) == body[-6:]
