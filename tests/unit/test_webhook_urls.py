"""Where webhooks may point: checked when saved, and the addresses a delivery connects to."""

from __future__ import annotations

import pytest

from chalicelib.domain.webhook_urls import is_public_address, url_problem


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/keywarden",
        "https://hooks.example.com:8443/in?token=abc",
        "https://93.184.215.14/hook",
        "https://[2606:4700:4700::1111]/hook",
        "https://xn--bcher-kva.example/hook",  # an IDN in its ASCII form
        "https://hooks.example.com./hook",  # fully qualified
    ],
)
def test_public_https_endpoints_are_accepted_in_every_stage(url: str) -> None:
    assert url_problem(url, local=False) is None
    assert url_problem(url, local=True) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "https://10.1.2.3/",
        "https://172.16.0.1/",
        "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data",  # the instance metadata service
        "https://100.64.0.1/",  # carrier-grade NAT
        "https://0.0.0.0/",
        "https://[::1]/",
        "https://[fe80::1]/",
        "https://[fd00::1]/",
        "https://[::ffff:10.0.0.1]/",  # IPv4-mapped
        "https://224.0.0.1/",
        "https://localhost/",
        "https://api.localhost/",
    ],
)
def test_inner_addresses_are_refused_outside_the_local_stage(url: str) -> None:
    assert url_problem(url, local=False) == "must not point at a private, loopback, link-local or reserved address"


def test_plain_http_is_refused_outside_the_local_stage_only() -> None:
    assert url_problem("http://hooks.example.com/", local=False) == "must be https"
    assert url_problem("http://127.0.0.1:9000/hook", local=True) is None


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("hooks.example.com/x", "absolute http or https"),
        ("ftp://hooks.example.com/", "absolute http or https"),
        ("https:///nohost", "absolute http or https"),
        ("https://hooks.example.com:99999/", "absolute http or https"),
        ("https://user:pw@hooks.example.com/", "credentials"),
        ("https://hooks.example.com/a b", "spaces or control characters"),
        ("https://hooks.example.com/\r\nX-Injected: 1", "spaces or control characters"),
        ("https://hooks.example.com/#frag", "fragment"),
        ("https://hooks.example.com/" + "a" * 2048, "at most 2048"),
        ("https://%zz/", "must name a host"),
        ("https://" + "a" * 64 + ".example.com/", "must name a host"),
        ("https://-hooks.example.com/", "must name a host"),
        ("https://hooks_1.example.com/", "must name a host"),
        ("http://127.0.0.1:0/", "port 0"),
    ],
)
def test_malformed_urls_are_refused_in_every_stage(url: str, words: str) -> None:
    for local in (True, False):
        problem = url_problem(url, local=local)
        assert problem is not None and words in problem


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.53", False),
        ("10.0.0.1", False),
        ("169.254.169.254", False),
        ("::ffff:169.254.169.254", False),
        ("fe80::1", False),
        ("::", False),
        ("255.255.255.255", False),
    ],
)
def test_only_globally_routable_unicast_addresses_are_public(address: str, public: bool) -> None:
    assert is_public_address(address) is public


@pytest.mark.parametrize("address", ["2002:7f00:1::1", "2002:a00:5::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2"])
def test_ipv6_addresses_that_carry_an_inner_ipv4_address_are_judged_by_it(address: str) -> None:
    assert is_public_address(address) is False  # 6to4 of 127.0.0.1 and 10.0.0.5; Teredo of 192.0.2.45


# IANA's special-purpose blocks that are not globally reachable, at both ends of each: no
# webhook may point at one, whatever the Python in use thinks of it (3.11.7 calls 192.0.0.192 global).
SPECIAL_PURPOSE = [
    "0.1.2.3",  # "this network"
    "100.64.0.1",  # shared address space (carrier-grade NAT)
    "100.127.255.254",
    "192.0.0.0",  # IETF protocol assignments
    "192.0.0.192",
    "192.0.0.255",
    "192.0.2.1",  # TEST-NET-1
    "192.88.99.1",  # the deprecated 6to4 relay anycast
    "198.18.0.1",  # benchmarking
    "198.19.255.254",
    "198.51.100.7",  # TEST-NET-2
    "203.0.113.9",  # TEST-NET-3
    "240.0.0.1",  # reserved
    "254.255.255.255",
    "239.255.255.250",  # multicast (SSDP)
    "2001:db8::1",  # documentation
    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
    "3fff::1",  # documentation (RFC 9637)
    "2001:2::1",  # benchmarking
    "2001:10::1",  # ORCHID
    "2001:1ff:ffff::1",  # the end of the IETF protocol assignments
    "64:ff9b:1::1",  # local-use IPv4/IPv6 translation
    "100::1",  # discard-only
    "5f00::1",  # SRv6 SIDs
    "fec0::1",  # site-local, deprecated
    "ff0e::1",  # global-scope multicast
    # IPv4 special-purpose addresses carried in IPv6: mapped, 6to4, Teredo.
    "::ffff:192.0.0.192",
    "::ffff:198.18.0.1",
    "2002:c000:c0::1",  # 6to4 of 192.0.0.192
    "2002:6440:1::1",  # 6to4 of 100.64.0.1
    "2001:0:4136:e378:8000:63bf:3fff:ff3f",  # Teredo of 192.0.0.192
]


@pytest.mark.parametrize("address", SPECIAL_PURPOSE)
def test_special_purpose_addresses_are_not_public(address: str) -> None:
    assert is_public_address(address) is False


@pytest.mark.parametrize("address", SPECIAL_PURPOSE)
def test_a_webhook_url_naming_a_special_purpose_address_is_refused(address: str) -> None:
    host = f"[{address}]" if ":" in address else address
    assert url_problem(f"https://{host}/hook", local=False) == (
        "must not point at a private, loopback, link-local or reserved address"
    )
    assert url_problem(f"http://{host}/hook", local=True) is None  # the local stack delivers anywhere


@pytest.mark.parametrize(
    "address",
    [
        "1.1.1.1",
        "192.0.1.255",  # next to 192.0.0.0/24
        "192.0.3.1",  # next to TEST-NET-1
        "198.17.255.254",  # next to the benchmarking block
        "198.20.0.1",
        "100.63.255.254",  # next to the shared address space
        "100.128.0.1",
        "223.255.255.254",  # the last unicast block before multicast
        "2001:200::1",  # just past 2001::/23
        "2001:db9::1",  # next to 2001:db8::/32
        "::ffff:8.8.8.8",  # mapped, 6to4 and Teredo of a public address
        "2002:808:808::1",
        "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
    ],
)
def test_public_neighbours_of_the_special_purpose_blocks_stay_public(address: str) -> None:
    assert is_public_address(address) is True


def test_the_event_types_schemas_accept_are_the_domain_s() -> None:
    from typing import get_args

    from chalicelib.api.webhook_schemas import EventType
    from chalicelib.domain.events import EVENT_TYPES

    assert get_args(EventType) == EVENT_TYPES
