"""Liveness, for load balancers and people."""

from __future__ import annotations

from chalicelib.api.http import AUTH_NONE, Call, Router
from chalicelib.api.schemas import Health

router = Router("health", "health")


@router.route("GET", "/v1/health", response=Health, auth=AUTH_NONE)
def health(call: Call[None, None]) -> Health:
    """The service answers."""
    return Health(status="ok")
