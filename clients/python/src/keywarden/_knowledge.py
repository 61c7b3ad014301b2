"""What a `Verifier` knows between requests, and the verdicts it reaches with it.

The request path in one place: a verdict reached without the network (a kept answer, or a
JWT key checked offline that the trust state vouches for), or else the question to put to
the service; and what each of the service's answers teaches (kept for the next requests,
and vouching for or refusing a JWT key). No I/O here: the `Verifier` reads the settings,
the signing keys and the feed into this state, and asks the service the questions.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from keywarden import _jwt, _opaque
from keywarden._answers import Answers, fingerprint
from keywarden._feed import KeyChangesFeed
from keywarden._ip_allowlist import admits
from keywarden._trust import TrustState, Vouched
from keywarden.verification import (
    EXPIRED,
    INSUFFICIENT_PERMISSIONS,
    IP_NOT_ALLOWED,
    MALFORMED,
    OWNER_NOT_PERMITTED,
    REVOKED,
    VALID,
    Verification,
    refused,
)

_MAX_CREDENTIAL = 32 * 1024

# The codes of answers that got past the service's IP check (after exists, revoked, expired and
# enabled; before the owner's right, permissions and limits): for a request from outside the
# key's allowlist, each is IP_NOT_ALLOWED instead.
_PAST_THE_IP_CHECK = frozenset({VALID, OWNER_NOT_PERMITTED, INSUFFICIENT_PERMISSIONS})


@dataclass(frozen=True, slots=True)
class Config:
    """The project's settings for verifiers, as `GET /v1/verifier` gives them."""

    project_id: str
    issuer: str
    jwks_uri: str
    key_changes_uri: str
    service_cache_ttl: float

    @classmethod
    def from_service(cls, body: Mapping[str, Any]) -> Config:
        return cls(
            project_id=body["project_id"],
            issuer=body["issuer"],
            jwks_uri=body["jwks_uri"],
            key_changes_uri=body["key_changes_uri"],
            service_cache_ttl=float(body["cache_ttl_seconds"]),
        )


@dataclass(frozen=True, slots=True)
class Ask:
    """A verdict the service must give: the credential, and what the offline check learned."""

    credential: str
    fingerprint: bytes
    jwt_id: str | None = None
    owner_id: str | None = None


def screened(credential: str) -> Verification | None:
    """MALFORMED for what cannot be a key (empty, too long, an opaque key whose checksum fails:
    a typo), before anything is read from the service; else None."""
    if not credential or len(credential) > _MAX_CREDENTIAL:
        return refused(MALFORMED)
    if credential.startswith(_opaque.PREFIX) and not _opaque.checksum_ok(credential):
        return refused(MALFORMED)
    return None


class Knowledge:
    """The kept answers, the trust state, the signing keys, the project's settings and its feed:
    everything the request path reads, for one `Verifier`."""

    def __init__(self, cache_ttl: float) -> None:
        self.answers = Answers(cache_ttl)
        self.trust = TrustState()
        self.trust.on_key_change.append(self.answers.drop_key)
        self.trust.on_owner_change.append(self.answers.drop_owner)
        self.keys = _jwt.SigningKeys()
        self.config: Config | None = None
        self.feed: KeyChangesFeed | None = None
        # Set when a token names a `kid` the keys lack: the poller fetches them again.
        self.keys_wanted = threading.Event()
        # Keys the service charges to limits: every use of theirs is asked (a set only grows,
        # and only by the service's own answers: at worst one more question than needed).
        self.metered: set[str] = set()

    def configure(self, config: Config, service_now: datetime) -> None:
        """Takes the project's settings, and starts following its feed from `service_now`."""
        self.feed = KeyChangesFeed(config.key_changes_uri, self.trust, config.service_cache_ttl, service_now)
        self.config = config

    def forked(self) -> None:
        """In a forked child: its own locks; what was learned stays."""
        self.keys_wanted = threading.Event()
        if self.feed is not None:
            self.feed.forked()
        self.trust.reset_locks()
        self.answers.reset_locks()

    def now(self) -> float:
        """The service's time (this machine's, corrected when their clocks differ by more than 2 s)."""
        return time.time() + (self.feed.skew if self.feed is not None else 0.0)

    def plan(self, credential: str, stale_after: float, client_ip: str | None) -> Verification | Ask:
        """A verdict reached without the network for a request from `client_ip`, or what to ask
        the service (once configured, for a credential `screened` let through). Nothing is
        trusted offline of a JWT key when the feed was last read more than `stale_after` seconds ago."""
        mark = fingerprint(credential)
        cached = self.answers.get(mark)
        if cached is not None:
            if cached.key_id is not None and cached.key_id in self.trust.refused:
                return refused(self.trust.refused[cached.key_id])
            if cached.valid and cached.expires_at is not None and cached.expires_at.timestamp() <= self.now():
                return refused(EXPIRED)
            judged = from_address(cached, client_ip)
            if judged is not None:
                return judged
        if _jwt.looks_like_jwt(credential):
            return self._plan_jwt(credential, mark, stale_after, client_ip)
        return Ask(credential, mark)

    def learn(self, plan: Ask, body: Mapping[str, Any], asked_at: float) -> Verification:
        """The service's verdict on `plan` (its answer `body`, asked for at monotonic `asked_at`),
        kept and trusted as far as what was heard meanwhile allows."""
        assert self.config is not None
        ttl = self.config.service_cache_ttl
        verdict = Verification.from_service(body)
        key_id = verdict.key_id or plan.jwt_id
        if key_id is not None:
            code = self.trust.refused.get(key_id)
            if code is not None:  # the feed heard of a revocation the service's cache has not
                return refused(code)
        if verdict.metered:
            # Charged by the service: the next use must be charged too, so nothing is kept.
            if key_id is not None:
                self.metered.add(key_id)
                self.trust.unvouch(key_id)
            return verdict
        if plan.jwt_id is not None and verdict.valid and verdict.key_id == plan.jwt_id and verdict.owner_id:
            self.trust.vouch(plan.jwt_id, _vouched(verdict), asked_at, ttl)
        elif plan.jwt_id is not None and verdict.code in (REVOKED, EXPIRED):
            self.trust.refuse(plan.jwt_id, verdict.code)
        elif verdict.key_id is not None and not verdict.valid:
            self.trust.unvouch(verdict.key_id)  # the service says no: no offline "yes" until it says yes
        owner = verdict.owner_id or plan.owner_id or ""
        if key_id is None or self.trust.may_vouch(key_id, owner, asked_at, ttl):
            # Kept as later requests will see it: answered without a call.
            self.answers.put(plan.fingerprint, dataclasses.replace(verdict, offline=True), asked_at)
            # The feed may have heard of a change between the check above and the put: its
            # drop ran before the put, so look again (one of the two always sees the other).
            if key_id is not None and (
                key_id in self.trust.refused or not self.trust.may_vouch(key_id, owner, asked_at, ttl)
            ):
                self.answers.drop_key(key_id)
        return verdict

    def _plan_jwt(self, token: str, mark: bytes, stale_after: float, client_ip: str | None) -> Verification | Ask:
        config = self.config
        assert config is not None
        assert self.feed is not None
        if time.monotonic() - self.feed.synced_at > stale_after:
            return Ask(token, mark)  # the feed is behind: nothing offline can be trusted
        parsed = _jwt.parse(token)
        if parsed is None:
            return Ask(token, mark)
        key = self.keys.key(parsed.kid)
        if key is None:
            self.keys_wanted.set()  # the poller fetches them at once; the service answers this one
            return Ask(token, mark)
        try:
            claims = _jwt.verified_claims(parsed, key, config.project_id, config.issuer, self.now())
        except _jwt.Refused as refusal:
            return refused(refusal.code)
        key_id, owner_id = claims["jti"], claims["sub"]
        code = self.trust.refused.get(key_id)
        if code is not None:
            return refused(code)
        if key_id in self.metered:
            return Ask(token, mark, key_id, owner_id)
        vouched = self.trust.vouched.get(key_id)
        if vouched is None:
            return Ask(token, mark, key_id, owner_id)
        if vouched.expires_at is not None and vouched.expires_at <= self.now():
            return refused(EXPIRED)
        offline = from_address(_offline_verdict(key_id, owner_id, config.project_id, vouched), client_ip)
        return offline if offline is not None else Ask(token, mark, key_id, owner_id)


def _vouched(verdict: Verification) -> Vouched:
    assert verdict.owner_id is not None
    return Vouched(
        expires_at=verdict.expires_at.timestamp() if verdict.expires_at is not None else None,
        owner_id=verdict.owner_id,
        role_id=verdict.role_id,
        permissions=verdict.permissions,
        meta=verdict.meta,
        ip_allowlist=verdict.ip_allowlist,
        ip_networks=verdict.ip_networks,
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
        ip_allowlist=vouched.ip_allowlist,
        ip_networks=vouched.ip_networks,
    )


def from_address(kept: Verification, client_ip: str | None) -> Verification | None:
    """A verdict reached earlier, for a request from `client_ip`: what the service would answer,
    or None when only the service can tell (an IP_NOT_ALLOWED answer for a request from inside
    the allowlist: it says nothing of the checks after the IP's).

    Example: a kept VALID answer of a key allowed from 203.0.113.0/24 is VALID for 203.0.113.7
    (and for `::ffff:203.0.113.7`), IP_NOT_ALLOWED for 198.51.100.1 or no address at all.
    """
    if not kept.ip_allowlist:
        # Without the allowlist the service refused by (it always sends one): ask again.
        return None if kept.code == IP_NOT_ALLOWED else kept
    inside = admits(kept.ip_networks, client_ip)
    if kept.code == IP_NOT_ALLOWED:
        return None if inside else kept
    if kept.code in _PAST_THE_IP_CHECK and not inside:
        return dataclasses.replace(kept, valid=False, code=IP_NOT_ALLOWED)
    return kept
