"""Keywarden for Python.

- `Verifier` checks the API keys your service receives (opaque keys through the service with
  a short cache, JWT keys offline, HMAC-signed requests through the service);
  `keywarden.fastapi` and `keywarden.flask` put it in front of routes.
- `keywarden.signing`, `keywarden.httpx_auth.HmacAuth`, `keywarden.requests_auth.HmacAuth`
  sign requests with an HMAC key.
- `keywarden.management` is a typed client of the whole API; `keywarden` the command line.

Importing `keywarden` loads nothing heavy: each part is imported when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from keywarden.verification import KeywardenError, Verification
    from keywarden.verifier import Verifier

__all__ = ["KeywardenError", "Verification", "Verifier"]


def __getattr__(name: str) -> Any:
    if name == "Verifier":
        from keywarden.verifier import Verifier

        return Verifier
    if name in ("Verification", "KeywardenError"):
        from keywarden import verification

        return getattr(verification, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
