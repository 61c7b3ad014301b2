"""The web console on the local stack: `/console/` serves console/dist (built by `make dev`), `/` redirects there.

Files are served from the build's directory only (a path that leaves it is 404). A path
with no file extension that names no file is the single-page app's own route, answered
with index.html. `config.json` is not a file: it tells the console how people sign in
here: the embedded issuer's form, or, when `KEYWARDEN_CONSOLE_OIDC_CLIENT_ID` names the
console's client at the configured `KEYWARDEN_OIDC_ISSUER`, that issuer (authorization
code with PKCE; the CSP then lets the console reach the issuer). Hashed assets are cached
for a year; index.html and config.json are revalidated every time.
"""

from __future__ import annotations

import json
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path

from chalicelib.console import SECURITY_HEADERS, content_security_policy

PREFIX = "/console/"
# KEYWARDEN_CONSOLE_DIST serves another build (a test's, say); by default `make console`'s.
BUILT = Path(__file__).resolve().parent.parent / "console" / "dist"
DIST = Path(os.environ.get("KEYWARDEN_CONSOLE_DIST") or BUILT).resolve()
IMMUTABLE = "public, max-age=31536000, immutable"
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def handles(path: str) -> bool:
    """Whether the console answers this path (query string removed)."""
    return path in ("/", "/console") or path.startswith(PREFIX)


def answer(path: str, dist: Path = DIST) -> Answer | None:
    """The console's answer to a GET of `path`, or None when it is no file of the console (then a 404 problem)."""
    if path in ("/", "/console"):
        return Answer(302, {"Location": PREFIX, "Cache-Control": "no-store"}, b"")
    relative = path[len(PREFIX) :]
    if relative == "config.json":
        return _file_answer(_config(), ".json", "no-store")
    if not (dist / "index.html").is_file():
        return None
    target = (dist / relative).resolve() if relative else dist / "index.html"
    if not target.is_relative_to(dist.resolve()):
        return None
    if target.is_file():
        cache = IMMUTABLE if relative.startswith("assets/") else "no-cache"
        return _file_answer(target.read_bytes(), target.suffix, cache)
    if "." in relative.rsplit("/", 1)[-1]:
        return None  # a missing file, not a route of the app
    return _file_answer((dist / "index.html").read_bytes(), ".html", "no-cache")


def _issuer() -> str | None:
    """The OIDC issuer the console signs people in with, if one is configured for it."""
    if os.environ.get("KEYWARDEN_CONSOLE_OIDC_CLIENT_ID"):
        return os.environ.get("KEYWARDEN_OIDC_ISSUER") or None
    return None


def _config() -> bytes:
    admin_group = os.environ.get("KEYWARDEN_ADMIN_GROUP") or "keywarden-admins"
    issuer = _issuer()
    if issuer is None:
        return json.dumps({"auth": "local", "admin_group": admin_group}).encode()
    return json.dumps(
        {
            "auth": "oidc",
            "issuer": issuer,
            "client_id": os.environ["KEYWARDEN_CONSOLE_OIDC_CLIENT_ID"],
            "scope": os.environ.get("KEYWARDEN_CONSOLE_OIDC_SCOPE") or "openid profile",
            "admin_group": admin_group,
        }
    ).encode()


def _file_answer(body: bytes, suffix: str, cache: str) -> Answer:
    content_type = _TYPES.get(suffix) or mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream"
    headers = {
        "Content-Type": content_type,
        "Cache-Control": cache,
        "Content-Security-Policy": content_security_policy(_issuer()),
        **SECURITY_HEADERS,
    }
    return Answer(200, headers, body)
