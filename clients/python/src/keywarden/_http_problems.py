"""What the middleware answers when a request may not go on: RFC 9457 problems.

401 for a missing or unusable key (with `WWW-Authenticate`, RFC 6750), 403 for a valid key
without the route's permissions or used from outside its IP allowlist, 503 when no verdict
could be reached. `reason` carries the verification code (`REVOKED`, `EXPIRED`, ...); the
presented key never appears.

Why a disabled key is 401 and a key from the wrong place 403: 401 says "this credential does
not authenticate you; bring one that does", which is what a disabled key is (RFC 6750's
`invalid_token`: revoked, expired, or invalid for other reasons), as long as it stays
disabled, from anywhere. 403 says "the server knows who you are, and refuses": an
IP_NOT_ALLOWED key is a working key, and the same key from an allowed address gets in;
another key, or asking again, changes nothing from here.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from keywarden.verification import INSUFFICIENT_PERMISSIONS, IP_NOT_ALLOWED, Verification

PROBLEM_TYPE_PREFIX = "urn:keywarden:problem:"
MEDIA_TYPE = "application/problem+json"

_DETAILS = {
    "MALFORMED": "the key is not well-formed",
    "NOT_FOUND": "no such key",
    "EXPIRED": "the key has expired",
    "REVOKED": "the key was revoked",
    "DISABLED": "the key is disabled",
    "OWNER_NOT_PERMITTED": "the key's owner may not make API calls",
    "INVALID_SIGNATURE": "the signature does not verify",
    "STALE_REQUEST": "the request's date is too far from now",
    "REPLAYED": "this signed request was already received",
}


@dataclass(frozen=True, slots=True)
class Problem:
    status: int
    code: str
    title: str
    detail: str
    reason: str | None = None
    challenge: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        headers = {"content-type": MEDIA_TYPE, "cache-control": "no-store"}
        if self.challenge is not None:
            headers["www-authenticate"] = self.challenge
        return headers

    def body(self, instance: str | None = None) -> bytes:
        document: dict[str, object] = {
            "type": PROBLEM_TYPE_PREFIX + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if self.reason is not None:
            document["reason"] = self.reason
        if instance is not None:
            document["instance"] = instance
        return json.dumps(document).encode()


def missing_key() -> Problem:
    return Problem(
        401,
        "unauthenticated",
        "Authentication required",
        "send an API key: Authorization: Bearer <key>, X-API-Key: <key>, or an HMAC-SHA256 signature",
        challenge='Bearer realm="api"',
    )


def refused(verdict: Verification, permissions: Collection[str]) -> Problem:
    if verdict.code == INSUFFICIENT_PERMISSIONS:
        wanted = ", ".join(sorted(permissions))
        return Problem(
            403,
            "insufficient_permissions",
            "Insufficient permissions",
            f"the key does not grant: {wanted}",
            reason=verdict.code,
            challenge=f'Bearer error="insufficient_scope", scope="{" ".join(sorted(permissions))}"',
        )
    if verdict.code == IP_NOT_ALLOWED:
        # The key's allowlist is its owner's business: not named to whoever holds the key.
        return Problem(
            403,
            "ip_not_allowed",
            "Address not allowed",
            "the key may not be used from this address",
            reason=verdict.code,
        )
    return Problem(
        401,
        "invalid_key",
        "Invalid API key",
        _DETAILS.get(verdict.code, "the key was refused"),
        reason=verdict.code,
        challenge='Bearer realm="api", error="invalid_token"',
    )


def unavailable() -> Problem:
    return Problem(503, "verifier_unavailable", "Key verification unavailable", "try again shortly")


def credential_of(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """("bearer", key) from `Authorization: Bearer` or `X-API-Key`, ("hmac", "") for an
    HMAC-SHA256 signature, None when the request carries no key. `headers` keys are lower-case."""
    authorization = headers.get("authorization", "").strip()
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() == "bearer" and rest.strip():
        return "bearer", rest.strip()
    if scheme.upper() == "HMAC-SHA256" and rest.strip():
        return "hmac", ""
    api_key = headers.get("x-api-key", "").strip()
    if api_key:
        return "bearer", api_key
    return None
