"""``requests`` authentication that signs each request (needs the ``requests`` extra).

Example::

    import requests
    from keywarden.requests_auth import HmacAuth

    session = requests.Session()
    session.auth = HmacAuth("kwh_...", secret)
    session.get("https://api.example.com/orders", params={"limit": 5})
"""

from __future__ import annotations

from requests.auth import AuthBase
from requests.models import PreparedRequest

from keywarden.signing import sign_request

__all__ = ["HmacAuth"]


class HmacAuth(AuthBase):
    """Signs a prepared request with :func:`keywarden.signing.sign_request` and sets its four headers.

    The prepared URL is what ``requests`` sends (already percent-encoded), so it is what gets signed.
    The ``Host`` header is set explicitly to the signed host. A streamed body (file, generator)
    cannot be hashed up front and raises ``TypeError``.
    """

    def __init__(self, token: str, secret: str) -> None:
        self.token = token
        self.secret = secret

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        body = r.body
        if body is None:
            raw = b""
        elif isinstance(body, bytes):
            raw = body
        elif isinstance(body, str):
            raw = body.encode("utf-8")
        else:
            raise TypeError(f"cannot sign a streamed request body ({type(body).__name__})")
        if r.url is None or r.method is None:
            raise ValueError("the request is not prepared (no url or method)")
        r.headers.update(sign_request(self.token, self.secret, r.method, r.url, raw))
        return r
