"""The address policy sees through IPv6 forms that carry an IPv4 address (issue 10 item 5)."""

from __future__ import annotations

import ipaddress

import pytest

from app.harvest.fetch import AddressPolicy, AddressRefused, is_public

EMBEDDED_PRIVATE = [
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
    "64:ff9b::c0a8:101",  # NAT64 of 192.168.1.1
    "64:ff9b:1::a00:1",  # local-use NAT64 prefix (RFC 8215)
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "::7f00:1",  # IPv4-compatible 127.0.0.1
    "::a00:1",  # IPv4-compatible 10.0.0.1
    "::ffff:10.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
]


@pytest.mark.parametrize("address", EMBEDDED_PRIVATE)
def test_ipv6_forms_of_private_ipv4_addresses_are_refused(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))
    with pytest.raises(AddressRefused, match="refused to connect"):
        AddressPolicy.parse("").check("feed.example.org", [address])


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"])
def test_ipv6_forms_of_public_ipv4_addresses_stay_allowed(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))
    AddressPolicy.parse("").check("feed.example.org", [address])
