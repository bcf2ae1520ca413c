"""Which URLs a project may hold: absolute http(s), of a sane length, and never at a
link-local, multicast or cloud-metadata host. The URLs we store are fetched later by
browsers and by the video service: one pointing at 169.254.169.254 (under any spelling)
would turn the video service into a way to read cloud credentials. Loopback stays
allowed (the local reference services live there), and so does 0.0.0.0, which reaches
nothing loopback does not."""

import ipaddress
from urllib.parse import urlsplit

from common.addresses import literal_address

MAX_URL = 2048
FORBIDDEN_NAMES = frozenset({"metadata.google.internal", "metadata"})


def forbidden_host(host: str) -> bool:
    host = host.strip("[]").rstrip(".").lower()
    if host in FORBIDDEN_NAMES:
        return True
    address = literal_address(host)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address is None:
        return False
    return address.is_link_local or address.is_multicast


def is_media_url(url: str) -> bool:
    """An absolute http(s) URL with a host we may hand out and fetch."""
    if len(url) > MAX_URL:
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an invalid IPv6 literal
        return False
    if not host:
        return False
    return parts.scheme in ("http", "https") and not forbidden_host(host)
