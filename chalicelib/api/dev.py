"""Local-stage helpers: tokens from the embedded issuer, jobs on demand.

Every route here answers 404 outside the local stage (see Router(local_only=True)).
"""

from __future__ import annotations

from typing import Any

from chalicelib.api.http import AUTH_NONE, Call, Router
from chalicelib.api.schemas import DevToken, DevTokenRequest
from chalicelib.auth.local_issuer import TOKEN_LIFETIME_SECONDS, local_issuer
from chalicelib.config import get_settings
from chalicelib.jobs import run_job

router = Router("dev", "local stage")


@router.route("POST", "/v1/dev/token", body=DevTokenRequest, response=DevToken, auth=AUTH_NONE, local_only=True)
def issue_token(call: Call[DevTokenRequest, None]) -> DevToken:
    """A token from the local issuer; `auth_age_seconds` backdates the login (for step-up)."""
    body = call.body
    issuer = local_issuer(get_settings().oidc_audience)
    token = issuer.issue(body.sub, list(body.groups), body.auth_age_seconds)
    return DevToken(access_token=token, token_type="Bearer", expires_in=TOKEN_LIFETIME_SECONDS)  # noqa: S106 (a scheme name)


@router.route("GET", "/v1/dev/jwks.json", response=dict[str, Any], auth=AUTH_NONE, local_only=True)
def local_jwks(call: Call[None, None]) -> dict[str, Any]:
    """The local issuer's public key."""
    return {"keys": [local_issuer(get_settings().oidc_audience).public_jwk]}


@router.route("POST", "/v1/dev/jobs/{job}", response=dict[str, Any], auth=AUTH_NONE, local_only=True)
def run_job_now(call: Call[None, None]) -> dict[str, Any]:
    """Runs a scheduled job now and returns when it is done."""
    return {"job": call.params["job"], "result": run_job(call.params["job"])}
