"""Authenticating a project's servers by their service key.

`Authorization: Bearer kws_...`, as the contract says; also HTTP Basic with the service
key as the password (`Basic base64(<any id>:kws_...)`), which is how OAuth clients
authenticate to an introspection endpoint (RFC 7662 section 2.1, RFC 6749 section 2.3.1's
`client_secret_basic`, the default of authlib, Kong's and Envoy's introspection), so they
can use Keywarden unchanged. The user part is not checked: the key names the project.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from chalicelib.auth.people import bearer_token
from chalicelib.domain.app_secrets import SERVICE_KEY_PREFIX
from chalicelib.errors import UnauthenticatedError
from chalicelib.services.secrets import project_of_service_key

_MAX_SERVICE_KEY = 128
_MAX_BASIC_CREDENTIALS = 1024


def authenticate_service(authorization: str | None) -> str:
    """The project whose service key the request carries; 401 for anything else."""
    scheme, _, credentials = (authorization or "").partition(" ")
    basic = scheme.lower() == "basic"
    token = _basic_password(credentials) if basic else bearer_token(authorization)
    if not token.startswith(SERVICE_KEY_PREFIX) or len(token) > _MAX_SERVICE_KEY:
        raise UnauthenticatedError(
            "send the project's service key: Authorization: Bearer kws_...", token_given=True, basic=basic
        )
    project_id = project_of_service_key(token)
    if project_id is None:
        raise UnauthenticatedError("the service key is not valid", token_given=True, basic=basic)
    return project_id


def _basic_password(credentials: str) -> str:
    """The password of `Authorization: Basic <credentials>` (form-urlencoded inside, per RFC 6749 section 2.3.1)."""
    encoded = credentials.strip()
    try:
        if len(encoded) > _MAX_BASIC_CREDENTIALS:
            raise ValueError
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise UnauthenticatedError(
            "the Basic credentials are not base64 of id:service key", token_given=True, basic=True
        ) from None
    # The last colon: the key has none, and not every client form-encodes an id that would.
    _, colon, password = decoded.rpartition(":")
    if not colon:
        raise UnauthenticatedError(
            "the Basic credentials are not base64 of id:service key", token_given=True, basic=True
        )
    return unquote_plus(password)
