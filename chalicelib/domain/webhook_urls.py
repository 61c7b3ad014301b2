"""Which URLs a webhook may point at, and which addresses a delivery may connect to.

Outside the local stage an endpoint must be https and must not reach the service's own
network: no private, loopback, link-local, multicast or reserved address, whether the
URL names it or a DNS name resolves to it. The name is resolved again when each attempt
is sent and the attempt connects to the address that was checked, so a name that
changes its answer after the check (DNS rebinding) gains nothing.

>>> url_problem("https://hooks.example.com/keywarden", local=False) is None
True
>>> url_problem("http://hooks.example.com/", local=False)
'must be https'
>>> is_public_address("169.254.169.254")
False
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

MAX_URL_LENGTH = 2048
# A DNS name as a resolver takes it: labels of 1 to 63 letters, digits and hyphens, not at either
# end, 253 characters at most; IDNs in their ASCII (xn--) form.
_HOSTNAME = re.compile(r"(?=.{1,253}\.?$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?")
# The blocks of IANA's special-purpose address registries that are not globally reachable
# (iana-ipv4-special-registry, iana-ipv6-special-registry), and multicast. `is_global` says
# as much only on recent Pythons (CPython mended its table in 2024, CVE-2024-4032, and added
# 3fff::/20 later): 3.11.7, ours, takes 192.0.0.192 for global, and 3.13.0 takes 3fff::1. The
# few anycast and identifier addresses IANA marks reachable inside these blocks (192.0.0.9,
# 2001:3::/32, ...) are no place for a webhook either: whole blocks give one answer on every Python.
_NOT_GLOBAL = tuple(
    ipaddress.ip_network(block)
    for block in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation (TEST-NET-1)
        "192.88.99.0/24",  # 6to4 relay anycast, deprecated (RFC 7526)
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation (TEST-NET-2)
        "203.0.113.0/24",  # documentation (TEST-NET-3)
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the limited broadcast address
        "::/128",
        "::1/128",
        "64:ff9b:1::/48",  # local-use IPv4/IPv6 translation
        "100::/64",  # discard-only
        "100:0:0:1::/64",  # dummy prefix
        "2001::/23",  # IETF protocol assignments (Teredo, benchmarking, ORCHID, ...)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing (SRv6) SIDs
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local, deprecated
        "ff00::/8",  # multicast
    )
)


def parse(url: str) -> SplitResult | None:
    """The parts of an absolute http(s) URL with a host, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number in range)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts


def url_problem(url: str, *, local: bool) -> str | None:
    """Why `url` cannot be a webhook endpoint, or None. Names are resolved elsewhere (I/O)."""
    if len(url) > MAX_URL_LENGTH:
        return f"must be at most {MAX_URL_LENGTH} characters"
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        return "must not contain spaces or control characters"
    parts = parse(url)
    if parts is None:
        return "must be an absolute http or https URL with a host"
    if parts.username is not None or parts.password is not None:
        return "must not carry credentials (they would be stored in plain text); authenticate with the signature"
    if parts.fragment:
        return "must not have a fragment"
    if parts.port == 0:
        return "must not use port 0"
    host = parts.hostname or ""
    if address_literal(host) is None and _HOSTNAME.fullmatch(host) is None:
        return "must name a host: DNS labels of letters, digits and hyphens (IDNs in their xn-- form), or an IP address"
    if local:
        return None
    if parts.scheme != "https":
        return "must be https"
    literal = address_literal(parts.hostname or "")
    if literal is not None and not is_public_address(literal):
        return "must not point at a private, loopback, link-local or reserved address"
    if (parts.hostname or "").rstrip(".").lower() in ("localhost",) or (parts.hostname or "").endswith(".localhost"):
        return "must not point at a private, loopback, link-local or reserved address"
    return None


def address_literal(host: str) -> str | None:
    """`host` when it is an IP address (IPv6 without brackets), else None."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def is_public_address(address: str) -> bool:
    """True for a globally reachable unicast address (an IPv6 address that embeds an IPv4 one,
    mapped, 6to4 or Teredo, is judged as that IPv4 address).

    >>> is_public_address("192.0.0.192"), is_public_address("2001:db8::1"), is_public_address("8.8.8.8")
    (False, False, True)
    """
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        # Addresses that carry an IPv4 address reach it: judge that one.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return is_public_address(str(embedded))
    if any(ip in block for block in _NOT_GLOBAL):
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)
