"""The connection goes to the addresses that were checked, and nowhere else.

aiohttp asks its resolver for a host's addresses when it opens a connection (IP literals
aside, which it connects to as they are). The fetcher's connector has this resolver, which
resolves nothing: it answers the addresses the policy checked for the request running in
the current task (a ContextVar, set around each request), and fails for any other host.
So a name is resolved once, by the check, and a DNS answer that changes in between (DNS
rebinding) cannot move the connection. The URL keeps its host name, so the Host header
and the TLS server name (SNI, certificate check) are the name's."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from aiohttp.abc import AbstractResolver, ResolveResult

from microservices.common.fetch.policy import Destination

_pinned: ContextVar[Destination | None] = ContextVar("fetch_pinned", default=None)


@contextmanager
def pinned(destination: Destination) -> Iterator[None]:
    """Connections opened in this task, in this block, go to `destination`'s addresses."""
    token = _pinned.set(destination)
    try:
        yield
    finally:
        _pinned.reset(token)


def _key(host: str) -> str:
    return host.lower().rstrip(".")


class PinnedResolver(AbstractResolver):
    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        destination = _pinned.get()
        if destination is None or (_key(host), port) != destination.origin[1:]:
            raise OSError(f"{host} was not checked by the fetch policy")
        results: list[ResolveResult] = []
        for address in destination.addresses:
            found = socket.AF_INET6 if address.version == 6 else socket.AF_INET
            if family in (socket.AF_UNSPEC, found):
                results.append(
                    ResolveResult(
                        hostname=host, host=str(address), port=port, family=found, proto=0, flags=0
                    )
                )
        if not results:
            raise OSError(f"{host} has no checked address of the family asked")
        return results

    async def close(self) -> None:
        pass
