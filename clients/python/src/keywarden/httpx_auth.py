"""`httpx` authentication that signs each request with an HMAC key.

Example::

    import httpx
    from keywarden.httpx_auth import HmacAuth

    with httpx.Client(auth=HmacAuth("kwh_...", secret)) as client:
        client.get("https://api.example.com/orders", params={"limit": 5})
"""

from __future__ import annotations

from collections.abc import Generator

import httpx

from keywarden.signing import sign_request

__all__ = ["HmacAuth"]


class HmacAuth(httpx.Auth):
    """Signs the request as sent: its method, its encoded path and query, its host and its body.

    Works with `httpx.Client` and `httpx.AsyncClient`. The body is read before signing
    (`requires_request_body`), so a streamed upload is buffered to be hashed.
    """

    requires_request_body = True

    def __init__(self, token: str, secret: str) -> None:
        self.token = token
        self.secret = secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        url = str(request.url)
        signed = sign_request(self.token, self.secret, request.method, url, request.content)
        for name, value in signed.items():
            request.headers[name] = value
        yield request
