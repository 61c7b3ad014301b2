"""A key's IP allowlist: IPv4 and IPv6 CIDRs, checked on the hot path in a few microseconds.

A list is validated and written in one canonical form when it is set (`normalized`); the
check (`allows`) turns it once into sorted, merged integer ranges per IP version (cached per
list, bounded) and finds the client's address with one binary search, whatever the length.
An IPv4-mapped IPv6 address (`::ffff:203.0.113.5`, what a dual-stack socket reports for an
IPv4 client) is judged as the IPv4 address it carries.

>>> allows(normalized(["203.0.113.0/24", "2001:db8::/32"]), "203.0.113.9")
True
>>> allows(("203.0.113.0/24",), "::ffff:203.0.113.9"), allows(("203.0.113.0/24",), None)
(True, False)
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache

MAX_ENTRIES = 100
# The longest form of an IPv6 CIDR with an embedded IPv4 address is 49 characters.
_MAX_ENTRY_LENGTH = 64


class AllowlistError(ValueError):
    """An allowlist that cannot be set: `index` is the entry at fault (None: the list itself)."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


def normalized(entries: Sequence[str]) -> tuple[str, ...]:
    """The list in canonical form (`203.0.113.7` is `203.0.113.7/32`, IPv6 compressed), each
    entry once, in the given order. A CIDR with host bits set is refused, not silently widened
    or narrowed: `203.0.113.7/24` most likely means a mistake about what is allowed."""
    if len(entries) > MAX_ENTRIES:
        raise AllowlistError(f"at most {MAX_ENTRIES} entries")
    seen: dict[str, None] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, str) or not entry or len(entry) > _MAX_ENTRY_LENGTH or entry != entry.strip():
            raise AllowlistError("must be an IPv4 or IPv6 address or CIDR, such as 203.0.113.0/24", index)
        try:
            network = ipaddress.ip_network(entry, strict=True)
        except ValueError as error:
            message = str(error)
            if "host bits set" in message:
                loose = ipaddress.ip_network(entry, strict=False)
                raise AllowlistError(f"has host bits set; the network is {loose}", index) from None
            raise AllowlistError("must be an IPv4 or IPv6 address or CIDR, such as 203.0.113.0/24", index) from None
        if network.version == 6 and network.prefixlen >= 96 and network[0].ipv4_mapped is not None:
            # An IPv4-mapped IPv6 range is the IPv4 range it maps: one form, as addresses are judged.
            mapped = ipaddress.ip_network(f"{network[0].ipv4_mapped}/{network.prefixlen - 96}")
            network = mapped
        seen.setdefault(str(network))
    return tuple(seen)


class _Ranges:
    """Sorted, merged [first, last] integer ranges of one IP version."""

    __slots__ = ("firsts", "lasts")

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        merged: list[tuple[int, int]] = []
        for first, last in sorted(spans):
            if merged and first <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], last))
            else:
                merged.append((first, last))
        self.firsts = [first for first, _ in merged]
        self.lasts = [last for _, last in merged]

    def __contains__(self, value: int) -> bool:
        index = bisect_right(self.firsts, value) - 1
        return index >= 0 and value <= self.lasts[index]


@lru_cache(maxsize=4096)
def _ranges(allowlist: tuple[str, ...]) -> tuple[_Ranges, _Ranges]:
    spans: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
    for entry in allowlist:
        network = ipaddress.ip_network(entry, strict=False)
        spans[network.version].append((int(network.network_address), int(network.broadcast_address)))
    return _Ranges(spans[4]), _Ranges(spans[6])


@lru_cache(maxsize=8192)
def _address(client_ip: str) -> tuple[int, int] | None:
    """(version, value) of an address, IPv4-mapped IPv6 as IPv4; None when it is no address."""
    if len(client_ip) > 45:
        return None
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return 4, int(address.ipv4_mapped)
    return address.version, int(address)


def allows(allowlist: tuple[str, ...], client_ip: str | None) -> bool:
    """Whether a key with `allowlist` (normalized; empty: no restriction) may be used from
    `client_ip`. Without an address, or with one that is no address, a restricted key is refused."""
    if not allowlist:
        return True
    if client_ip is None:
        return False
    found = _address(client_ip)
    if found is None:
        return False
    version, value = found
    v4, v6 = _ranges(allowlist)
    return value in (v4 if version == 4 else v6)


def is_address(client_ip: str) -> bool:
    """Whether `client_ip` is an IPv4 or IPv6 address (what verification's `client_ip` takes)."""
    return _address(client_ip) is not None
