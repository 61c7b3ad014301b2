"""Protecting a FastAPI (or Starlette) app: a dependency per route, RFC 9457 answers.

Example::

    from fastapi import Depends, FastAPI
    from keywarden import Verifier
    from keywarden.fastapi import KeywardenAuth

    app = FastAPI()
    auth = KeywardenAuth(Verifier(KEYWARDEN_URL, service_key=SERVICE_KEY))
    auth.install(app)  # answers refusals as application/problem+json

    @app.get("/orders")
    async def orders(key: Verification = Depends(auth.require("orders:read"))):
        return {"owner": key.owner_id}

The key is read from `Authorization: Bearer`, `X-API-Key`, or an `HMAC-SHA256` signature
(checked by the service with the request's method, target, headers and body). A request
without a key, or with one that does not verify (or is disabled), is 401; a key without the
route's permissions, or used from outside its IP allowlist, 403; no verdict reachable (the
service is down and nothing offline answers), 503. Needs the `fastapi` extra (Starlette).

The client's address, which a key's IP allowlist is judged by, is the peer's
(`request.client.host`). Behind a load balancer or reverse proxy, name it:
`KeywardenAuth(verifier, trusted_proxies=["10.0.0.0/8"])`, and `X-Forwarded-For` is read
when the request comes from one of them (see `keywarden._client_ip`); never otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from keywarden import _http_problems as problems
from keywarden._client_ip import TrustedProxies
from keywarden.verification import KeywardenError, Verification
from keywarden.verifier import Verifier

__all__ = ["KeyRefused", "KeywardenAuth"]

log = logging.getLogger("keywarden")


class KeyRefused(Exception):
    """Raised by the dependency; `KeywardenAuth.install` turns it into the problem response."""

    def __init__(self, problem: problems.Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


class KeywardenAuth:
    def __init__(self, verifier: Verifier, *, trusted_proxies: Iterable[str] = ()) -> None:
        """`trusted_proxies`: addresses or CIDRs of the proxies in front of the app, whose
        `X-Forwarded-For` tells the client's address (none by default: the peer's is used)."""
        self.verifier = verifier
        self.trusted_proxies = TrustedProxies(trusted_proxies)

    def install(self, app: Starlette) -> None:
        """Registers the handler that answers `KeyRefused` as an RFC 9457 problem."""
        app.add_exception_handler(KeyRefused, _problem_response)  # type: ignore[arg-type]

    def require(self, *permissions: str) -> Callable[[Request], Awaitable[Verification]]:
        """A dependency that lets the request on only with a key holding every one of `permissions`;
        it returns the `Verification` (key id, owner, permissions, meta)."""

        async def verified_key(request: Request) -> Verification:
            return await self.check(request, permissions)

        return verified_key

    async def check(self, request: Request, permissions: tuple[str, ...] = ()) -> Verification:
        headers = {name.lower(): value for name, value in request.headers.items()}
        credential = problems.credential_of(headers)
        if credential is None:
            raise KeyRefused(problems.missing_key())
        peer = request.client.host if request.client is not None else None
        client_ip = self.trusted_proxies.client_ip(peer, request.headers.getlist("x-forwarded-for"))
        try:
            if credential[0] == "hmac":
                verdict = await self.verifier.averify_hmac(
                    request.method, _target(request), headers, await request.body(), permissions, client_ip=client_ip
                )
            else:
                verdict = await self.verifier.averify(credential[1], permissions, client_ip=client_ip)
        except KeywardenError:
            raise KeyRefused(problems.unavailable()) from None
        except Exception:  # no verdict is no entry: log it, and answer 503 rather than 500
            log.exception("keywarden: verification failed unexpectedly")
            raise KeyRefused(problems.unavailable()) from None
        if not verdict.valid:
            raise KeyRefused(problems.refused(verdict, permissions))
        request.state.keywarden = verdict
        return verdict


def _target(request: Request) -> str:
    """The request target as the client sent it (still percent-encoded): what an HMAC signature covers."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    target = raw_path.decode("latin-1")
    return f"{target}?{query.decode('latin-1')}" if query else target


async def _problem_response(request: Request, error: KeyRefused) -> Response:
    problem = error.problem
    return Response(problem.body(request.url.path), status_code=problem.status, headers=problem.headers)
