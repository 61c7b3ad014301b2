"""A key's IP allowlist, judged as the service judges it: is the request's client address inside
one of the key's networks?

The service sends a key's allowlist with its verification answer, so that an answer kept for
the cache bound (or a JWT key vouched for offline) is judged again for each request's address
without a call. An IPv4-mapped IPv6 address (`::ffff:203.0.113.5`, what a dual-stack socket
reports for an IPv4 peer) is also judged as the IPv4 address it carries. A missing or
unparsable address is inside nothing: a key with an allowlist is refused for it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    """Each CIDR (or bare address, a network of one) parsed, host bits ignored.

    An entry that is neither is left out: it admits nothing (the service checks every entry
    when the allowlist is set, so this is only ever a defence).
    """
    networks: list[Network] = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except (AttributeError, TypeError, ValueError):
            continue
    return tuple(networks)


def parse_address(text: str | None) -> Address | None:
    """The IP address `text` spells, or None (missing, a host name such as Starlette's test
    client's "testclient", or anything else that is not an address)."""
    if not text:
        return None
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def admits(networks: Iterable[Network], client_ip: str | None) -> bool:
    """Whether `client_ip` is inside one of `networks` (a missing or unparsable address never is)."""
    address = parse_address(client_ip)
    return address is not None and inside(address, networks)


def inside(address: Address, networks: Iterable[Network]) -> bool:
    """Whether `address` is in one of `networks`, an IPv4-mapped address in either of its forms
    (`::ffff:0:0/96` holds the one, `203.0.113.0/24` the other)."""
    mapped = address.ipv4_mapped if isinstance(address, IPv6Address) else None
    return any(address in network or (mapped is not None and mapped in network) for network in networks)
