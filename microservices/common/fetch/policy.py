"""Where a URL a client gave may be fetched from, decided before anything is sent.

A URL is rewritten first (FETCH_REWRITES), then: http or https only; an origin the
deployment trusts (FETCH_TRUSTED_ORIGINS, and every rewrite's target) may be anything;
any other must use its scheme's default port and have every address its host resolves
to public (common/addresses.py). The addresses checked are what the connection is then
pinned to (pinning.py): the host is never resolved a second time."""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from yarl import URL

from common.addresses import IPAddress, address_class, is_canonical, literal_address
from common.origins import Origin, has_default_port, origin_of, parse_url
from microservices.common.fetch.errors import FetchFailed, URLRefused

# Every address a host name resolves to, for a TCP connection to `port`.
Resolve = Callable[[str, int], Awaitable[list[IPAddress]]]


async def system_resolve(host: str, port: int) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: dict[IPAddress, None] = {}
    for *_, sockaddr in infos:
        found[ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])] = None
    return list(found)


@dataclass(frozen=True)
class Destination:
    """A URL that may be fetched, and the only addresses its connection may go to."""

    url: URL
    origin: Origin
    addresses: tuple[IPAddress, ...]


@dataclass(frozen=True)
class FetchPolicy:
    trusted: frozenset[Origin] = frozenset()
    # URL prefixes rewritten before anything else: (from, to) pairs.
    rewrites: tuple[tuple[str, str], ...] = ()
    max_redirects: int = 3
    timeout_s: float = 60.0
    connect_timeout_s: float = 5.0
    concurrency: int = 8

    def rewrite(self, url: str) -> str:
        for source, target in self.rewrites:
            if url.startswith(source):
                return target + url[len(source) :]
        return url

    def trusts(self, origin: Origin) -> bool:
        return origin in self.trusted

    def precheck(self, url: str, field: str, verb: str = "points at") -> URL:
        """What can be refused without resolving a name: the scheme, the port, a literal
        address. The URL (rewritten) as it will be fetched, or URLRefused."""
        try:
            parsed = parse_url(self.rewrite(url))
        except ValueError:
            raise URLRefused(field, f"{field} {verb} a URL that is not absolute http(s)") from None
        origin = origin_of(parsed)
        if self.trusts(origin):
            return parsed
        if not has_default_port(parsed):
            raise URLRefused(
                field,
                f"{field} {verb} port {origin.port} of an untrusted origin: only the "
                "default port of http or https is fetched from one",
            )
        address = literal_address(origin.host)
        if address is not None:
            refused = address_class(address)
            if refused is not None:
                raise URLRefused(field, f"{field} {verb} {refused}, which is never fetched")
            if not is_canonical(origin.host, address):
                raise URLRefused(field, f"{field} {verb} an IP address in a legacy spelling")
        return parsed

    async def check(
        self, url: str, field: str, resolve: Resolve, verb: str = "points at"
    ) -> Destination:
        """The precheck, then the host resolved and every address it has checked."""
        parsed = self.precheck(url, field, verb)
        origin = origin_of(parsed)
        address = literal_address(origin.host)
        if address is not None:
            return Destination(parsed, origin, (address,))
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                addresses = tuple(await resolve(origin.host, origin.port))
        except (OSError, TimeoutError):
            addresses = ()
        if not addresses:
            raise FetchFailed(field, f"{field} could not be downloaded: its host has no address")
        if not self.trusts(origin):
            for address in addresses:
                refused = address_class(address)
                if refused is not None:
                    raise URLRefused(
                        field,
                        f"{field} {verb} {origin.host}, a name for {refused}, which is "
                        "never fetched",
                    )
        return Destination(parsed, origin, addresses)
