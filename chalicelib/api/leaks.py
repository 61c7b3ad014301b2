"""Leaked keys: GitHub's secret scanning partner endpoint, an open endpoint for any other
scanner, and the document that tells scanners where to report and what our keys look like.

Each live key reported gets its project's `leak_action` at once, once (`services.leaks`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from chalicelib.api.http import AUTH_NONE, Call, Reply, Router
from chalicelib.api.schemas import Body
from chalicelib.config import get_settings
from chalicelib.errors import (
    FieldError,
    MalformedRequestError,
    SignatureRefusedError,
    TooManyRequestsError,
    ValidationFailedError,
)
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from chalicelib.domain import github_signatures
    from chalicelib.services import github_keys, leaks
else:  # at first use: see chalicelib.lazy
    leaks = lazy_module("chalicelib.services.leaks")
    github_keys = lazy_module("chalicelib.services.github_keys")
    github_signatures = lazy_module("chalicelib.domain.github_signatures")

router = Router("leaks", "leaked keys")

# A GitHub alert names at most this many tokens (its body is bounded by the 256 KiB limit too).
_MAX_ALERTS = 1000
# The deployment's key shapes, for scanners (`KEYWARDEN_KEY_PREFIX` for opaque keys).
_BODY = "[0-9A-Za-z]{34}"
_JWT_KEY = (
    r"\beyJhbGciOiJFUzI1NiIsInR5cCI6ImFwaWtleStqd3QiLCJraWQiOi[A-Za-z0-9_-]{61}"
    r"\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{86}(?![A-Za-z0-9_-])"
)


class GithubAlert(Struct, forbid_unknown_fields=False):
    """One match GitHub found: the token, its type as registered, and where it was."""

    token: Annotated[str, Meta(max_length=65536)]
    type: Annotated[str, Meta(max_length=256)] | None = ""
    url: Annotated[str, Meta(max_length=8192)] | None = None
    source: Annotated[str, Meta(max_length=256)] | None = None


class GithubLabel(Struct):
    token_hash: Annotated[str, Meta(description="hex SHA-256 of the token")]
    token_type: str
    label: Literal["true_positive", "false_positive"]


class LeakReport(Body):
    keys: Annotated[
        list[Annotated[str, Meta(max_length=20480)]],
        Meta(min_length=1, max_length=100, description="what was found: anything that may be a key of ours"),
    ]
    source_url: Annotated[str, Meta(max_length=2048, description="where it was found")] | None = None
    reporter: Annotated[str, Meta(max_length=256, description="who reports it: a scanner, a contact")] | None = None


class LeakReceived(Struct):
    received: Annotated[int, Meta(description="how many keys the report named (whatever they turned out to be)")]


class LeaksDocument(Struct):
    report_url: str
    github_url: str
    key_patterns: Annotated[list[str], Meta(description="regular expressions of this deployment's keys")]


@router.route(
    "POST", "/v1/leaks/github", response=list[GithubLabel], auth=AUTH_NONE, replayable=False, problems=(401, 413)
)
def github_alerts(call: Call[None, None]) -> list[GithubLabel]:
    """GitHub's secret scanning partner endpoint: `[{token, type, url, source}]`, signed with
    ECDSA P-256 over the raw body (`Github-Public-Key-Identifier`, `Github-Public-Key-Signature`),
    checked against the keys at `KEYWARDEN_GITHUB_KEYS_URL`. A signature that does not verify,
    or whose key GitHub does not publish (or cannot be fetched), is 401 and nothing is done.
    Each token is labelled `true_positive` when it is (or was) a key of this deployment."""
    raw = call.request.raw_body or b""
    headers = call.request.headers
    check = github_keys.verify_signature(
        raw if isinstance(raw, bytes) else raw.encode(),
        headers.get("github-public-key-identifier"),
        headers.get("github-public-key-signature"),
    )
    if not check.verified:
        raise SignatureRefusedError(f"the alert's signature was not accepted: {check.reason}")
    try:
        alerts = msgspec.json.decode(raw, type=list[GithubAlert])
    except msgspec.ValidationError as error:
        raise ValidationFailedError([FieldError("body", str(error))]) from None
    except msgspec.DecodeError:
        raise MalformedRequestError("the body is not JSON") from None
    if len(alerts) > _MAX_ALERTS:
        raise ValidationFailedError.single("body", f"at most {_MAX_ALERTS} tokens per alert")
    labels: list[GithubLabel] = []
    for start in range(0, len(alerts), leaks.MAX_KEYS):
        chunk = alerts[start : start + leaks.MAX_KEYS]
        found = leaks.intake({a.token: a.url or None for a in chunk}, "github")
        ours = {finding.token: finding.ours for finding in found}
        labels.extend(
            GithubLabel(
                token_hash=github_signatures.token_hash(alert.token),
                token_type=alert.type or "",
                label="true_positive" if ours.get(alert.token) else "false_positive",
            )
            for alert in chunk
        )
    return labels


@router.route(
    "POST",
    "/v1/leaks/report",
    body=LeakReport,
    response=LeakReceived,
    status=202,
    auth=AUTH_NONE,
    replayable=False,
    problems=(429,),
)
def report_leak(call: Call[LeakReport, None]) -> Reply:
    """For any scanner or person who found keys where they should not be: no authentication.

    Always 202 with how many keys were named, whatever they are, in about the same time (no
    oracle of which keys exist); each live key of this deployment among them gets its project's
    leak action at once. Tokens whose checksum fails are dropped without a read. At most
    `KEYWARDEN_LEAK_REPORTS_PER_MINUTE` reports per source address and minute (then 429).
    """
    started = time.monotonic()
    source = _source_address(call)
    if not leaks.admitted(source):
        raise TooManyRequestsError("too many leak reports from this address; try again in a minute", retry_after=60)
    body = call.body
    leaks.intake({token: body.source_url for token in body.keys}, "report", reporter=body.reporter)
    # The answer takes at least the floor, so that acting on live keys does not show in its timing.
    rest = get_settings().leak_report_floor - (time.monotonic() - started)
    if rest > 0:
        time.sleep(rest)
    return Reply(LeakReceived(received=len(body.keys)), status=202)


@router.route("GET", "/.well-known/keywarden-leaks.json", response=LeaksDocument, auth=AUTH_NONE)
def leaks_document(call: Call[None, None]) -> Reply:
    """Where scanners report this deployment's leaked keys, and the patterns of its keys."""
    base = _base_url(call)
    prefix = get_settings().key_prefix
    document = LeaksDocument(
        report_url=f"{base}/v1/leaks/report",
        github_url=f"{base}/v1/leaks/github",
        # The deployment's opaque keys (and the default prefix's, which keep working after a
        # change), and JWT keys. Not HMAC tokens: every signed request carries one; no secret.
        key_patterns=[*(rf"\b{p}_{_BODY}\b" for p in dict.fromkeys((prefix, "kw"))), _JWT_KEY],
    )
    # The URLs follow the Host the caller reached: a shared cache must keep one per host.
    return Reply(document, headers={"Cache-Control": "public, max-age=3600", "Vary": "Host, X-Forwarded-Proto"})


def _source_address(call: Call[Any, None]) -> str:
    """The address the request came from, as API Gateway (or the local server) saw it."""
    identity = (call.request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def _base_url(call: Call[Any, None]) -> str:
    """This deployment's address, as the caller reached it (API Gateway tells the scheme)."""
    headers = call.request.headers
    host = headers.get("host") or "localhost"
    scheme = headers.get("x-forwarded-proto") or ("http" if get_settings().is_local else "https")
    return f"{scheme}://{host}"
