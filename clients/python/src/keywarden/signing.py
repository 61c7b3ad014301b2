"""HMAC-SHA256 request signing for Keywarden (the Azure App Configuration / Comindware scheme).

The signed string is ``METHOD + "\\n" + path_and_query + "\\n" + date + ";" + host + ";" + content_hash``;
the key is the base64-decoded secret. This module imports only the standard library; the
auth classes built on it are :class:`keywarden.requests_auth.HmacAuth` (for ``requests``) and
:class:`keywarden.httpx_auth.HmacAuth` (for ``httpx``).

Example::

    from keywarden.signing import sign_request

    headers = sign_request("kwh_...", secret, "GET", "https://api.example.com/orders?limit=5")
    # {"x-ms-date": ..., "x-ms-content-sha256": ..., "host": ..., "authorization": ...}
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import urlsplit

__all__ = ["SIGNED_HEADERS", "content_hash", "sign_request", "signature", "string_to_sign"]

SIGNED_HEADERS = "x-ms-date;host;x-ms-content-sha256"


def content_hash(body: bytes) -> str:
    """Base64 of the SHA-256 of ``body`` (the value of ``x-ms-content-sha256``)."""
    return base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def string_to_sign(method: str, path_and_query: str, date_text: str, host: str, content_sha256: str) -> str:
    """The canonical request text that the signature covers."""
    return f"{method}\n{path_and_query}\n{date_text};{host};{content_sha256}"


def signature(secret: str, method: str, path_and_query: str, date_text: str, host: str, content_sha256: str) -> str:
    """Base64 HMAC-SHA256 over :func:`string_to_sign`, keyed with ``base64decode(secret)``.

    The low-level form: every part is used exactly as given (``method`` is not upper-cased here),
    so it can reproduce a signature made with any date text, e.g. the Azure SDK's.
    Raises ``ValueError`` (``binascii.Error``) when ``secret`` is not valid base64.
    """
    key = base64.b64decode(secret, validate=True)
    text = string_to_sign(method, path_and_query, date_text, host, content_sha256)
    return base64.b64encode(hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()).decode("ascii")


def date_header(date: datetime) -> str:
    """The ``x-ms-date`` this signer sends: the Azure App Configuration SDK's form, with microseconds
    (``Nov, 23 2026 19:07:46.358681 GMT``), which Keywarden accepts beside RFC 1123. Whole seconds
    would give two identical requests in one second the same signature, and the second would be
    refused as a replay."""
    utc = date.astimezone(UTC)
    return f"{_MONTHS[utc.month - 1]}, {utc:%d %Y %H:%M:%S.%f} GMT"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def sign_request(
    token: str,
    secret: str,
    method: str,
    url: str,
    body: bytes = b"",
    date: datetime | None = None,
) -> dict[str, str]:
    """The headers that sign one request: ``x-ms-date``, ``x-ms-content-sha256``, ``host``, ``authorization``.

    ``url`` must be absolute (http or https) and written as it goes on the wire (already
    percent-encoded): its path (``/`` when empty) and query are signed exactly as they appear.
    ``host`` is the URL's host, lower-cased, with the port only if the URL has one; send it as the
    ``Host`` header. ``date`` defaults to now and must be timezone-aware; it is sent with microseconds
    (see :func:`date_header`).

    Example::

        import urllib.request

        headers = sign_request("kwh_...", secret, "POST", "https://api.example.com/v1/x", body=b"{}")
        urllib.request.urlopen(urllib.request.Request("https://api.example.com/v1/x", b"{}", headers))
    """
    # urlsplit drops tabs, newlines and leading blanks; what is signed must be the text sent.
    if not url.isascii() or not url.isprintable() or " " in url:
        raise ValueError(f"url must be printable ASCII without spaces (percent-encode the rest), got {url!r}")
    parts = urlsplit(url)
    # urlsplit lower-cases the scheme; the netloc keeps its case.
    if parts.scheme not in ("http", "https") or not url.lower().startswith(f"{parts.scheme}://{parts.netloc}".lower()):
        raise ValueError(f"url must be absolute http(s), got {url!r}")
    host = parts.netloc.rpartition("@")[2].lower()
    if not host:
        raise ValueError(f"url has no host: {url!r}")
    # The text after the authority, as written (urlsplit would drop an empty `?`), without a fragment.
    rest = url[len(parts.scheme) + 3 + len(parts.netloc) :].partition("#")[0]
    path_and_query = rest if rest.startswith("/") else "/" + rest

    if date is None:
        date = datetime.now(UTC)
    elif date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("date must be timezone-aware")
    date_text = date_header(date)

    verb = method.upper()
    body_hash = content_hash(body)
    sig = signature(secret, verb, path_and_query, date_text, host, body_hash)
    return {
        "x-ms-date": date_text,
        "x-ms-content-sha256": body_hash,
        "host": host,
        "authorization": f"HMAC-SHA256 Credential={token}&SignedHeaders={SIGNED_HEADERS}&Signature={sig}",
    }
