"""HMAC keys: a token that names the key and a secret that never travels.

The token is `kwh_` + the checksummed base62 body of `tokens`; the secret is 32 random
bytes, shown once as base64 and kept by the service only sealed under KMS (it needs
the secret itself to check signatures). A client signs each request with it, as
Comindware's API keys and Azure App Configuration do:

    Authorization: HMAC-SHA256 Credential=<token>&SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<sig>

where `sig` is base64(HMAC-SHA256(secret, METHOD "\\n" path_and_query "\\n" date ";"
host ";" content_hash)). Everything here is pure: parsing a request's headers, the
string to sign and the comparison; `services.hmac_verification` adds the lookup and
the replay guard.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from msgspec import Struct

from chalicelib.domain.key_kinds import Draft, Keyring, Made, Minter, Signer
from chalicelib.domain.tokens import ChecksummedToken
from chalicelib.domain.verification import MALFORMED

PREFIX = "kwh_"
FORMAT = ChecksummedToken(PREFIX)
SECRET_BYTES = 32
SCHEME = "HMAC-SHA256"
SIGNED_HEADERS = ("x-ms-date", "host", "x-ms-content-sha256")
# Requests further than this from the service's clock are refused (STALE_REQUEST), and
# a signature is remembered this long either side, so no replay can fall outside both.
WINDOW_SECONDS = 300
# `HMAC-SHA256 Credential=<token>&SignedHeaders=<names>&Signature=<base64>`, exactly: the
# three parameters in this order, as every client of the scheme sends them. The scheme's
# name is case-insensitive, as every HTTP authentication scheme's is (RFC 9110 §11.1).
_AUTHORIZATION = re.compile(
    r"^(?ai:HMAC-SHA256) Credential=(?P<credential>[^&\s]+)&SignedHeaders=(?P<signed>[^&\s]+)"
    r"&Signature=(?P<signature>[A-Za-z0-9+/]{43}=)$"
)
# An HTTP method is a token (RFC 9110 §9.1): M-SEARCH is one.
_METHOD = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,32}$")
_BASE64_SHA256 = re.compile(r"^[A-Za-z0-9+/]{43}=$")


def generate() -> tuple[str, bytes]:
    """A new token and secret. Show both once; store the secret only sealed."""
    return FORMAT.generate(), os.urandom(SECRET_BYTES)


def seal_context(project_id: str, key_id: str) -> dict[str, str]:
    """The KMS encryption context of a key's sealed secret: it opens for this key only."""
    return {"purpose": "hmac-key", "project_id": project_id, "key_id": key_id}


class HmacToken(Struct, frozen=True):
    handle: str


class SignedRequest(Struct, frozen=True):
    """What a request's Authorization header says, before anything is checked against a key."""

    token: str
    signature: bytes


def parse_authorization(value: str) -> SignedRequest | None:
    """The credential and signature of an `HMAC-SHA256 ...` header, or None when it is not
    exactly that shape, signs other headers than the scheme's, or names no well-formed token."""
    match = _AUTHORIZATION.fullmatch(value)
    if match is None:
        return None
    signed = tuple(name.lower() for name in match["signed"].split(";"))
    if signed != SIGNED_HEADERS:
        return None
    token = FORMAT.parse(match["credential"])
    if token is None:
        return None
    return SignedRequest(token, base64.b64decode(match["signature"]))


def content_hash(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def is_content_hash(value: str) -> bool:
    return _BASE64_SHA256.fullmatch(value) is not None


def is_method(value: str) -> bool:
    return _METHOD.fullmatch(value) is not None


def path_and_query(url: str, host: str) -> str | None:
    """The request target's path and query as signed (`/orders?limit=5`), from that or from an
    absolute URL whose authority is `host`, both taken as written. None when it is neither."""
    # Printable ASCII without spaces before anything else: urlsplit silently drops tabs,
    # newlines and leading blanks, and the text it parsed would not be the text signed.
    if not url.isascii() or not url.isprintable() or "#" in url or " " in url:
        return None
    if url.startswith("/"):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    authority = f"{parts.scheme}://{parts.netloc}"
    if parts.scheme.lower() not in ("http", "https") or parts.netloc.lower() != host.lower():
        return None
    if not url.lower().startswith(authority.lower()):  # urlsplit lower-cases the scheme
        return None
    # The text after the authority, as written: urlsplit would drop an empty `?`.
    rest = url[len(authority) :]
    return rest if rest.startswith("/") else "/" + rest


def string_to_sign(method: str, target: str, date: str, host: str, content_sha256: str) -> bytes:
    # The method as received: methods are case-sensitive (RFC 9110 §9.1), and clients send them upper-case.
    return f"{method}\n{target}\n{date};{host};{content_sha256}".encode()


def signature(secret: bytes, message: bytes) -> bytes:
    return hmac.new(secret, message, hashlib.sha256).digest()


def signature_matches(secret: bytes, message: bytes, presented: bytes) -> bool:
    """Constant-time comparison of the presented signature with the one `secret` makes."""
    return hmac.compare_digest(signature(secret, message), presented)


def lowercase_headers(headers: Mapping[str, str]) -> dict[str, str] | None:
    """Header names folded to lower case; None when two names differ only by case (which
    value was signed would be ambiguous)."""
    folded = {name.lower(): value for name, value in headers.items()}
    return folded if len(folded) == len(headers) else None


def _make(draft: Draft) -> Made:
    token, secret = generate()
    return Made(
        handle=token,
        shown={"token": token, "secret": base64.b64encode(secret).decode("ascii")},
        hint=FORMAT.hint(token),
        sealed_material=secret,
        seal_context=seal_context(draft.project_id, draft.key_id),
    )


class _Hmac:
    name = "hmac"

    def minter(self, signer: Callable[[], Signer]) -> Minter:
        return _make

    def parse(self, candidate: str) -> HmacToken | None:
        token = FORMAT.parse(candidate)
        return HmacToken(token) if token is not None else None

    def owns(self, candidate: str) -> bool:
        return candidate.startswith(PREFIX)

    def refusal_before_lookup(self, presented: HmacToken, project_id: str, keyring: Keyring) -> str | None:
        # The token only names the key whose secret signs a request (`services.hmac_verification`
        # checks those): alone, it proves nothing, so it is no bearer credential.
        return MALFORMED

    def expiry_change_refusal(self, current: float | None, new: float | None) -> str | None:
        # The token says nothing of the expiry: the record decides, and may change.
        return None


KIND = _Hmac()
