"""Keywarden as a `Verifier` sees it, played in memory through `httpx.MockTransport`: the
project's settings, its signing keys, its key-changes feed, and `/v1/keys/verify` and
`/v1/hmac/verify` for the keys it holds, with the service's check order for what the SDK's
tests of key restrictions need (exists → enabled → IP allowlist).

The allowlist is judged here with `ipaddress` directly, not with the SDK's code: the tests
compare the SDK's offline verdicts with this independent reading.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from keywarden.verifier import Verifier

# The order n of P-256's group: the service mints low-S signatures only.
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@dataclass
class Key:
    key_id: str
    owner_id: str = "ann"
    permissions: tuple[str, ...] = ()
    ip_allowlist: tuple[str, ...] = ()
    enabled: bool = True


def allowed(cidrs: tuple[str, ...], client_ip: str | None) -> bool:
    try:
        address = ipaddress.ip_address(client_ip or "")
    except ValueError:
        return False
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        candidates.append(address.ipv4_mapped)
    return any(a in ipaddress.ip_network(c) for a in candidates for c in cidrs)


class FakeService:
    def __init__(self, cache_ttl: float = 0.2) -> None:
        # The service's own cache bound: how long a change heard of keeps answers from vouching.
        self.cache_ttl = cache_ttl
        self.keys: dict[str, Key] = {}
        self.events: list[dict[str, Any]] = []
        # Every verification body received, in order (keys and HMAC alike).
        self.asked: list[dict[str, Any]] = []
        self.signing_key = ec.generate_private_key(ec.SECP256R1())

    # --- the project's keys, and their changes as the feed tells them --------------------

    def add(self, credential: str, key: Key) -> str:
        self.keys[credential] = key
        return credential

    def jwt(self, key: Key) -> str:
        """A JWT key as the service mints it (low-S ES256, our header), held by this service."""
        claims = {"iss": "urn:test", "aud": "prj_1", "sub": key.owner_id, "jti": key.key_id}
        token = jwt.encode(claims, self.signing_key, algorithm="ES256", headers={"kid": "k1", "typ": "apikey+jwt"})
        head, raw = token.rsplit(".", 1)
        signature = jwt.utils.base64url_decode(raw)
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        low = r.to_bytes(32, "big") + min(s, _P256_ORDER - s).to_bytes(32, "big")
        return self.add(f"{head}.{jwt.utils.base64url_encode(low).decode('ascii')}", key)

    def change(self, key: Key, change: str) -> None:
        """The key's `change` (disabled, enabled, restrictions_changed...) published on the feed."""
        at = datetime.now(UTC).isoformat()
        self.events.append({"id": f"evt_{len(self.events)}", "at": at, "change": change, "key_ids": [key.key_id]})

    # --- the transport ---------------------------------------------------------------------

    def verifier(self, **options: Any) -> Verifier:
        """A verifier of this service's project whose poller never runs on its own (see `hear`)."""
        transport = httpx.MockTransport(self.handle)
        settings: dict[str, Any] = {"cache_ttl": 60.0, "poll_interval": 3600}
        return Verifier(
            "https://keys.test", "kws_test", transport=transport, async_transport=transport, **(settings | options)
        )

    def handle(self, request: httpx.Request) -> httpx.Response:
        headers = {"date": format_datetime(datetime.now(UTC), usegmt=True)}
        path = request.url.path
        if path == "/v1/verifier":
            settings = {"project_id": "prj_1", "issuer": "urn:test", "jwks_uri": "/jwks", "key_changes_uri": "/feed"}
            return httpx.Response(200, json=settings | {"cache_ttl_seconds": self.cache_ttl}, headers=headers)
        if path == "/jwks":
            public = jwt.algorithms.ECAlgorithm.to_jwk(self.signing_key.public_key(), as_dict=True)
            return httpx.Response(200, json={"keys": [public | {"kid": "k1"}]}, headers=headers)
        if path == "/feed":
            return httpx.Response(200, json={"items": self.events, "next_cursor": None}, headers=headers)
        body = json.loads(request.content)
        self.asked.append(body)
        if path == "/v1/hmac/verify":
            return httpx.Response(200, json={"valid": True, "code": "VALID", "key_id": "key_hmac"}, headers=headers)
        return httpx.Response(200, json=self.verdict(body), headers=headers)

    def verdict(self, body: dict[str, Any]) -> dict[str, Any]:
        key = self.keys.get(body["key"])
        if key is None:
            return {"valid": False, "code": "NOT_FOUND"}
        answer: dict[str, Any] = {"key_id": key.key_id, "project_id": "prj_1", "owner_id": key.owner_id}
        if key.ip_allowlist:
            answer["ip_allowlist"] = list(key.ip_allowlist)
        if not key.enabled:
            return answer | {"valid": False, "code": "DISABLED"}
        if key.ip_allowlist and not allowed(key.ip_allowlist, body.get("client_ip")):
            return answer | {"valid": False, "code": "IP_NOT_ALLOWED"}
        return answer | {"valid": True, "code": "VALID", "permissions": list(key.permissions)}


def hear(verifier: Verifier) -> None:
    """One step of the verifier's poller, run now rather than waited for: the feed is read."""
    verifier.start()
    verifier._poll_feed()
