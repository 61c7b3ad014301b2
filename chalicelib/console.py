"""The web console's security headers, one source for the local stack and for infra/.

The console is served from the API's own origin (`/console/`: by the local stack, and
deployed by CloudFront in front of API Gateway), so its calls are same-origin and the API
sends no CORS headers at all. Its Content-Security-Policy allows only its own scripts and
styles (no inline script, no eval), calls to its own origin and, deployed, to the OIDC
issuer (discovery, token endpoint), and no framing.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def content_security_policy(issuer: str | None = None, also_connect: tuple[str, ...] = ()) -> str:
    """The CSP of every console response.

    `issuer` (an OIDC issuer URL) adds its origin to connect-src; `also_connect` adds the
    origins of URLs the OIDC client calls elsewhere (Amazon Cognito's token endpoint is on
    the user pool's own domain, not the issuer's).
    """
    connect = ["'self'"]
    for url in (issuer, *also_connect):
        parts = urlsplit(url or "")
        origin = f"{parts.scheme}://{parts.netloc}"
        if parts.scheme in ("https", "http") and parts.netloc and origin not in connect:
            connect.append(origin)
    directives = {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": connect,
        "manifest-src": ["'self'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


# Sent with every console file, besides the CSP.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin-allow-popups",
}
