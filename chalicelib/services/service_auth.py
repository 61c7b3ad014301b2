"""Authenticating a project's servers by their service key (`Authorization: Bearer kws_...`)."""

from __future__ import annotations

from chalicelib.auth.people import bearer_token
from chalicelib.errors import UnauthenticatedError
from chalicelib.store.secrets import SERVICE_KEY_PREFIX, project_of_service_key

_MAX_SERVICE_KEY = 128


def authenticate_service(authorization: str | None) -> str:
    """The project whose service key the request carries; 401 for anything else."""
    token = bearer_token(authorization)
    if not token.startswith(SERVICE_KEY_PREFIX) or len(token) > _MAX_SERVICE_KEY:
        raise UnauthenticatedError("send the project's service key: Authorization: Bearer kws_...", token_given=True)
    project_id = project_of_service_key(token)
    if project_id is None:
        raise UnauthenticatedError("the service key is not valid", token_given=True)
    return project_id
