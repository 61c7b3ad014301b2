"""The address a request came from, as both middlewares pass it to the verifier (`client_ip`).

It is the peer's (the other end of the connection) unless the app runs behind proxies it names
in `trusted_proxies` (addresses or CIDRs). Only when the peer is one of them is
`X-Forwarded-For` read, from the right, since each proxy appends the address it received the
request from: addresses of trusted proxies are skipped, and the first one that is not a trusted
proxy's is the client's. What lies to its left was written by the client and proves nothing. A
malformed entry stops the walk (the last address read stands: the client cannot turn a bad
entry into a choice of address). Without trusted proxies `X-Forwarded-For` is never read, so a
client cannot pick the address its key is judged by.

A peer that is not an IP address (a Unix socket, Starlette's "testclient") gives no address:
a key with an IP allowlist is then refused, as the service refuses it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from keywarden._ip_allowlist import Address, Network, inside, parse_address


class TrustedProxies:
    """The proxies in front of the app whose `X-Forwarded-For` is believed.

    Example::

        proxies = TrustedProxies(["10.0.0.0/8", "2001:db8::1"])
        proxies.client_ip("10.1.2.3", ["198.51.100.7, 10.0.0.5"])  # "198.51.100.7"
        proxies.client_ip("198.51.100.9", ["1.2.3.4"])  # "198.51.100.9": not from a proxy
    """

    def __init__(self, proxies: Iterable[str] = ()) -> None:
        if isinstance(proxies, str):
            raise TypeError("trusted_proxies is a list of addresses or CIDRs, not one string")
        networks: list[Network] = []
        for proxy in proxies:
            try:
                networks.append(ipaddress.ip_network(proxy.strip(), strict=False))
            except ValueError:
                # A typo here would silently believe no one (or the wrong hosts): refuse to start.
                raise ValueError(f"trusted_proxies: {proxy!r} is not an IP address or CIDR") from None
        self._networks = tuple(networks)

    def __bool__(self) -> bool:
        return bool(self._networks)

    def trusts(self, address: Address) -> bool:
        return inside(address, self._networks)

    def client_ip(self, peer: str | None, forwarded_for: Iterable[str] = ()) -> str | None:
        """The client's address: `peer`'s, or when `peer` is a trusted proxy, the rightmost
        address of `forwarded_for` (every `X-Forwarded-For` header, in order) that is not."""
        address = parse_address(peer)
        if address is None or peer is None:
            return None
        client = peer.strip()  # as written (`::ffff:203.0.113.5` stays readable): the service parses it
        if not self.trusts(address):
            return client  # X-Forwarded-For is anyone's to write: not read
        hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
        for hop in reversed(hops):
            forwarded = parse_address(hop)
            if forwarded is None:
                break
            client = hop
            if not self.trusts(forwarded):
                break
        return client
