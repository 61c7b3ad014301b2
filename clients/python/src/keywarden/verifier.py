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

import base64
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
from keywarden._service import Service
from keywarden._trust import TrustState, Vouched
from keywarden.verification import (
    EXPIRED,
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
        body = self._service.post("/v1/keys/verify", {"key": plan.credential})
        return self._learn(plan, body, asked_at).requiring(permissions)

    async def averify(self, key: str, permissions: Collection[str] = ()) -> Verification:
        """`verify` for async code: the offline path is the same; the service is called without blocking."""
        if self._config is None or self._pid != os.getpid():
            import asyncio

            await asyncio.to_thread(self.start)
        plan = self._plan(key)
        if isinstance(plan, Verification):
            return plan.requiring(permissions)
        asked_at = time.monotonic()
        body = await self._service.apost("/v1/keys/verify", {"key": plan.credential})
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
        must hold `host`, `x-ms-date`, `x-ms-content-sha256` and `authorization`.
        """
        answer = self._service.post("/v1/hmac/verify", _hmac_body(method, url, headers, body, permissions))
        return Verification.from_service(answer)

    async def averify_hmac(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes = b"",
        permissions: Collection[str] = (),
    ) -> Verification:
        answer = await self._service.apost("/v1/hmac/verify", _hmac_body(method, url, headers, body, permissions))
        return Verification.from_service(answer)

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
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="keywarden-verifier", daemon=True)
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
            if cached.valid and cached.expires_at is not None and cached.expires_at.timestamp() <= time.time():
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
            claims = _jwt.verified_claims(parsed, key, config.project_id, config.issuer)
        except _jwt.Refused as refusal:
            return refused(refusal.code)
        key_id, owner_id = claims["jti"], claims["sub"]
        code = self._trust.refused.get(key_id)
        if code is not None:
            return refused(code)
        vouched = self._trust.vouched.get(key_id)
        if vouched is None:
            return _Ask(token, mark, key_id, owner_id)
        if vouched.expires_at is not None and vouched.expires_at <= time.time():
            return refused(EXPIRED)
        return _offline_verdict(claims, config.project_id, vouched)

    def _learn(self, plan: _Ask, body: Mapping[str, Any], asked_at: float) -> Verification:
        verdict = Verification.from_service(body)
        key_id = verdict.key_id or plan.jwt_id
        if key_id is not None:
            code = self._trust.refused.get(key_id)
            if code is not None:  # the feed heard of a revocation the service's cache has not
                return refused(code)
        if plan.jwt_id is not None:
            if verdict.valid and verdict.key_id == plan.jwt_id and verdict.owner_id is not None:
                expires = verdict.expires_at.timestamp() if verdict.expires_at is not None else None
                self._trust.vouch(plan.jwt_id, Vouched(expires, verdict.owner_id), asked_at)
            elif verdict.code in (REVOKED, EXPIRED):
                self._trust.refuse(plan.jwt_id, verdict.code)
        owner = verdict.owner_id or plan.owner_id or ""
        if key_id is None or self._trust.may_vouch(key_id, owner, asked_at):
            # Kept as later requests will see it: answered without a call.
            self._answers.put(plan.fingerprint, dataclasses.replace(verdict, offline=True), asked_at)
        return verdict

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

    def _run(self) -> None:
        while not self._stop.wait(self.poll_interval):
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


def _hmac_body(
    method: str, url: str, headers: Mapping[str, str], body: bytes, permissions: Collection[str]
) -> dict[str, Any]:
    payload: dict[str, Any] = {"method": method, "url": url, "headers": {k.lower(): v for k, v in headers.items()}}
    if body:
        payload["body"] = base64.b64encode(body).decode("ascii")
    if permissions:
        payload["permissions"] = list(permissions)
    return payload


def _offline_verdict(claims: Mapping[str, Any], project_id: str, vouched: Vouched) -> Verification:
    permissions = claims.get("permissions")
    expires = vouched.expires_at
    return Verification(
        valid=True,
        code=VALID,
        key_id=claims["jti"],
        project_id=project_id,
        owner_id=claims["sub"],
        role_id=claims.get("role") if isinstance(claims.get("role"), str) else None,
        permissions=tuple(p for p in permissions if isinstance(p, str)) if isinstance(permissions, list) else (),
        expires_at=datetime.fromtimestamp(expires, UTC) if expires is not None else None,
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
