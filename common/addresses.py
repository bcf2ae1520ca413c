"""Which IP addresses a URL given by a client may make us connect to: public ones only.
Shared by the fetch policy of the services (microservices/common/fetch) and the
orchestrator's early check of render inputs (orchestrator/media_urls.py).

`ipaddress`'s own `is_global` is not enough on its own: on Python 3.11 it calls
multicast, IPv4-compatible (::7f00:1), 6to4 and NAT64 forms of private addresses
global. So each address is unwrapped to the IPv4 address it carries, if any, and must
then be global unicast."""

import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
PRIVATE = (  # RFC 1918 and unique local addresses
    ipaddress.IPv4Network("10.0.0.0/8"),
    ipaddress.IPv4Network("172.16.0.0/12"),
    ipaddress.IPv4Network("192.168.0.0/16"),
    ipaddress.IPv6Network("fc00::/7"),
)
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")


def literal_address(host: str) -> IPAddress | None:
    """The address a URL's host stands for when it is an IP literal, in any spelling a
    resolver accepts: dotted, bracketed IPv6, a trailing dot, and the legacy decimal
    (2130706433), hex (0x7f.1), octal (0177.0.0.1) and short (127.1) IPv4 forms.
    None for a name."""
    host = host.strip("[]").rstrip(".").lower()
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # a zone (fe80::1%eth0) aside
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def is_canonical(host: str, address: IPAddress) -> bool:
    """Whether `host` writes `address` the usual way (aiohttp refuses the legacy forms)."""
    if isinstance(address, ipaddress.IPv6Address):
        return True  # bracketed, so parsed by the rules of IPv6 alone
    return host.rstrip(".").lower() == str(address)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def address_class(address: IPAddress) -> str | None:
    """What makes `address` one we never connect to for a client ("a loopback
    address", "a private address"...), or None for a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            return address_class(inner)
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in CGNAT:
        return "a shared (CGNAT) address"
    if any(address in network for network in PRIVATE):
        return "a private address"
    if isinstance(address, ipaddress.IPv6Address) and (
        address not in GLOBAL_UNICAST_V6 or address.is_site_local
    ):
        return "an address that is not global"
    if address.is_reserved or not address.is_global:
        return "an address that is not global"
    return None
