"""Verification of API keys by a project's servers (service key auth): the hot path."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from msgspec import UNSET

from chalicelib.api import request_log
from chalicelib.api.http import AUTH_SERVICE, Call, Router
from chalicelib.api.limit_schemas import CreditsState, LimitRequest, RateLimitState
from chalicelib.api.verify_schemas import (
    IdentityRefView,
    Introspection,
    IntrospectRequest,
    VerifierConfig,
    VerifyHmac,
    VerifyKey,
    VerifyResult,
)
from chalicelib.config import get_settings
from chalicelib.domain.clock import rfc3339
from chalicelib.domain.verification import Verdict
from chalicelib.errors import ValidationFailedError
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.domain import ip_allowlist, permission_query
    from chalicelib.domain.permission_query import Query
    from chalicelib.services import hmac_verification, usage_recorder, verification
else:
    # At the first query: lists of permissions never load its parser.
    permission_query = lazy_module("chalicelib.domain.permission_query")
    # At the first request that says where it came from.
    ip_allowlist = lazy_module("chalicelib.domain.ip_allowlist")
    # At the first verification, not at cold start: the kinds' parsers and the JWT checks, the
    # HMAC scheme, the usage counters. Bound in place at first use (see chalicelib.lazy).
    verification = lazy_module("chalicelib.services.verification")
    hmac_verification = lazy_module("chalicelib.services.hmac_verification")
    usage_recorder = lazy_module("chalicelib.services.usage_recorder")

router = Router("verify", "verification")


@router.route("POST", "/v1/keys/verify", body=VerifyKey, response=VerifyResult, auth=AUTH_SERVICE, replayable=False)
def verify(call: Call[VerifyKey, None]) -> VerifyResult:
    """Verifies a key for the calling project; failures are 200 with `valid: false` and a code."""
    body = call.body
    project_id = call.project_id_of_service
    required = _required(body.permissions)
    verdict = verification.verify_key(body.key, project_id, required, _client_ip(body.client_ip))
    return _counted(verification.charged(verdict, _requested(body.ratelimits), body.cost), project_id)


@router.route("POST", "/v1/hmac/verify", body=VerifyHmac, response=VerifyResult, auth=AUTH_SERVICE, replayable=False)
def verify_hmac(call: Call[VerifyHmac, None]) -> VerifyResult:
    """Verifies an HMAC-signed request for the calling project; the key's secret never leaves the service.

    A signature is accepted once: its replay within the ±300 s window is REPLAYED, in any process.
    """
    body = call.body
    project_id = call.project_id_of_service
    required = _required(body.permissions)
    verdict = hmac_verification.verify_request(
        body.method, body.url, body.headers, body.body, project_id, required, _client_ip(body.client_ip)
    )
    return _counted(verification.charged(verdict, _requested(body.ratelimits), body.cost), project_id)


@router.route("GET", "/v1/verifier", response=VerifierConfig, auth=AUTH_SERVICE)
def verifier_config(call: Call[None, None]) -> VerifierConfig:
    """What an offline verifier needs, for the service key's project: the SDK's `Verifier`
    reads it once at start (project id for JWT keys' `aud`, the issuer, the feed to poll)."""
    project_id = call.project_id_of_service
    return VerifierConfig(
        project_id=project_id,
        issuer=get_settings().issuer,
        jwks_uri="/.well-known/jwks.json",
        key_changes_uri=f"/v1/projects/{project_id}/key-changes",
        cache_ttl_seconds=get_settings().cache_ttl,
    )


@router.route(
    "POST",
    "/v1/oauth/introspect",
    body=IntrospectRequest,
    response=Introspection,
    auth=AUTH_SERVICE,
    replayable=False,
    form=True,
)
def introspect(call: Call[IntrospectRequest, None]) -> Introspection:
    """OAuth 2.0 token introspection (RFC 7662) of an opaque or JWT key, for gateways that speak it.

    Form-encoded (`token=...&token_type_hint=...`); the service key as Bearer or as the
    password of HTTP Basic (`client_secret_basic`, what introspection clients send). A key
    that is not valid for the calling project, for whatever reason, is exactly
    `{"active": false}`. Counted in usage like `/v1/keys/verify`.
    """
    project_id = call.project_id_of_service
    # A gateway's introspection is a use of the key: it charges the key's limits as a verification does.
    client_ip = _client_ip(call.body.client_ip or None)
    verdict = verification.charged(verification.verify_key(call.body.token, project_id, [], client_ip))
    _counted(verdict, project_id)
    record = verdict.record
    if not verdict.valid or record is None:
        return Introspection(active=False)
    return Introspection(
        active=True,
        scope=" ".join(record.permissions),
        # An identity's key: its identity, as a JWT key of it says in `sub` too.
        sub=record.owner_id or (record.identity.id if record.identity is not None else UNSET),
        aud=record.project_id,
        exp=math.floor(record.expires_at) if record.expires_at is not None else UNSET,
        iat=math.floor(record.issued_at) if record.issued_at is not None else UNSET,
        jti=record.key_id,
        token_type="api_key",  # noqa: S106 (RFC 7662's token_type, not a password)
        project_id=record.project_id,
        role_id=record.role_id,
    )


def _required(permissions: list[str] | str) -> list[str] | Query:
    """What the request needs: every one of a list, or a query, parsed (cached per text); a
    malformed query is 422 (the caller's bug, not the key's)."""
    if isinstance(permissions, list):
        return permissions
    try:
        return permission_query.parsed(permissions)
    except permission_query.QueryError as error:
        raise ValidationFailedError.single("permissions", str(error)) from None


def _client_ip(value: str | None) -> str | None:
    """The request's `client_ip`: an IPv4 or IPv6 address, or 422 (the caller's bug, not the key's)."""
    if value is not None and not ip_allowlist.is_address(value):
        raise ValidationFailedError.single("client_ip", "must be an IPv4 or IPv6 address")
    return value


def _requested(ratelimits: list[LimitRequest] | None) -> list[tuple[str, int]] | None:
    return None if ratelimits is None else [(r.name, r.cost) for r in ratelimits]


def _counted(verdict: Verdict, project_id: str) -> VerifyResult:
    """The answer to a verification, counted for the project's usage (see `usage_recorder`) and,
    as its outcome, for the request line and the metrics (see `request_log`)."""
    usage_recorder.count(verdict, project_id)
    request_log.note(outcome=verdict.code)
    return _result(verdict)


def _result(verdict: Verdict) -> VerifyResult:
    record = verdict.record
    if record is None:
        return VerifyResult(valid=False, code=verdict.code)  # type: ignore[arg-type]
    return VerifyResult(
        valid=verdict.valid,
        code=verdict.code,  # type: ignore[arg-type]
        key_id=record.key_id,
        project_id=record.project_id,
        owner_id=record.owner_id,
        role_id=record.role_id,
        permissions=list(record.permissions),
        expires_at=rfc3339(record.expires_at) if record.expires_at is not None else None,
        meta=dict(record.meta),
        ip_allowlist=list(record.ip_allowlist) if record.ip_allowlist else UNSET,
        **_limits(verdict),
    )


def _limits(verdict: Verdict) -> dict[str, Any]:
    """The answer's `ratelimits`, `credits`, `reset_at` and `identity`, for keys that have them."""
    record, metered = verdict.record, verdict.metered
    fields: dict[str, Any] = {}
    if record is not None and record.identity is not None:
        identity = record.identity
        fields["identity"] = IdentityRefView(identity.id, identity.external_id, dict(identity.meta))
    if metered is None:
        return fields
    if metered.rates:
        fields["ratelimits"] = [
            RateLimitState(r.name, r.limit, r.remaining, rfc3339(r.reset_at)) for r in metered.rates
        ]
    if metered.credits is not None:
        fields["credits"] = CreditsState(metered.credits)
    if metered.reset_at is not None:
        fields["reset_at"] = rfc3339(metered.reset_at)
    return fields
