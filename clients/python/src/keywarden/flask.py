"""Protecting a Flask (WSGI) app: a decorator per view, RFC 9457 answers.

Example::

    from flask import Flask, g
    from keywarden import Verifier
    from keywarden.flask import KeywardenFlask

    app = Flask(__name__)
    keys = KeywardenFlask(Verifier(KEYWARDEN_URL, service_key=SERVICE_KEY))

    @app.get("/orders")
    @keys.require("orders:read")
    def orders():
        return {"owner": g.keywarden.owner_id}

Reads the key as `keywarden.fastapi` does (Bearer, X-API-Key, HMAC-SHA256) and answers 401,
403 or 503 the same way. Needs the `flask` extra.

The client's address, which a key's IP allowlist is judged by, is the peer's
(`request.remote_addr`, the WSGI `REMOTE_ADDR`). Behind a load balancer or reverse proxy,
name it: `KeywardenFlask(verifier, trusted_proxies=["10.0.0.0/8"])`, and `X-Forwarded-For` is
read when the request comes from one of them (see `keywarden._client_ip`); never otherwise.
(An app that already rewrites `REMOTE_ADDR`, with werkzeug's `ProxyFix`, names none here.)
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Response, g, request

from keywarden import _http_problems as problems
from keywarden._client_ip import TrustedProxies
from keywarden.verification import KeywardenError, Verification
from keywarden.verifier import Verifier

__all__ = ["KeywardenFlask"]

log = logging.getLogger("keywarden")

View = TypeVar("View", bound=Callable[..., Any])


class KeywardenFlask:
    def __init__(self, verifier: Verifier, *, trusted_proxies: Iterable[str] = ()) -> None:
        """`trusted_proxies`: addresses or CIDRs of the proxies in front of the app, whose
        `X-Forwarded-For` tells the client's address (none by default: the peer's is used)."""
        self.verifier = verifier
        self.trusted_proxies = TrustedProxies(trusted_proxies)

    def require(self, *permissions: str) -> Callable[[View], View]:
        """A view decorator: the view runs only with a key holding every one of `permissions`,
        which it finds as `flask.g.keywarden` (a `Verification`)."""

        def decorate(view: View) -> View:
            @functools.wraps(view)
            def guarded(*args: Any, **kwargs: Any) -> Any:
                outcome = self.check(permissions)
                if isinstance(outcome, Response):
                    return outcome
                g.keywarden = outcome
                return view(*args, **kwargs)

            return guarded  # type: ignore[return-value]

        return decorate

    def check(self, permissions: tuple[str, ...] = ()) -> Verification | Response:
        headers = {name.lower(): value for name, value in request.headers.items()}
        credential = problems.credential_of(headers)
        if credential is None:
            return _answer(problems.missing_key())
        client_ip = self.trusted_proxies.client_ip(request.remote_addr, request.headers.getlist("X-Forwarded-For"))
        try:
            if credential[0] == "hmac":
                verdict = self.verifier.verify_hmac(
                    request.method, _target(), headers, request.get_data(cache=True), permissions, client_ip=client_ip
                )
            else:
                verdict = self.verifier.verify(credential[1], permissions, client_ip=client_ip)
        except KeywardenError:
            return _answer(problems.unavailable())
        except Exception:  # no verdict is no entry: log it, and answer 503 rather than 500
            log.exception("keywarden: verification failed unexpectedly")
            return _answer(problems.unavailable())
        if not verdict.valid:
            return _answer(problems.refused(verdict, permissions))
        return verdict


def _target() -> str:
    """The request target as sent (percent-encoded path and query): what an HMAC signature covers.

    Gunicorn (`RAW_URI`) and werkzeug (`REQUEST_URI`) keep it as received. Other servers give only
    the decoded path: it is encoded again (`SCRIPT_NAME` + `PATH_INFO`, WSGI's latin-1 bytes), which
    matches what clients send unless they escaped characters that need no escaping.
    """
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return str(raw)
    from urllib.parse import quote

    path = (request.environ.get("SCRIPT_NAME", "") + request.environ.get("PATH_INFO", "")).encode("latin-1")
    target = quote(path, safe="/:@!$&'()*+,;=-._~") or "/"
    query = request.environ.get("QUERY_STRING", "")
    return f"{target}?{query}" if query else target


def _answer(problem: problems.Problem) -> Response:
    return Response(problem.body(request.path), status=problem.status, headers=problem.headers)
