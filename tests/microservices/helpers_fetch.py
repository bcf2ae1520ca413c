"""The outer boundary of the fetch policy, faked so that it can be watched: a resolver
that answers from a table, and a network (a connector) that records every address a
connection is opened to and delivers it to a loopback test server (the "public" ones
among them, since the tests have no other network). A canary server stands for the
private network: it must never be reached."""

import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from common.addresses import IPAddress


@dataclass
class Resolver:
    """Answers names from `table`; records every question."""

    table: dict[str, list[str]] = field(default_factory=dict)
    asked: list[tuple[str, int]] = field(default_factory=list)

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.asked.append((host, port))
        answer = self.table.get(host)
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(a) for a in answer]


@dataclass
class Network:
    """Where connections go: (address, port) -> a loopback port, anything else to the
    canary's port. `opened` is every (address, port) a connection was opened to."""

    routes: dict[tuple[str, int], int] = field(default_factory=dict)
    fallback: int = 0
    opened: list[tuple[str, int]] = field(default_factory=list)

    def connector(self, **kwargs: Any) -> aiohttp.TCPConnector:
        return Relay(self, **kwargs)


class Relay(aiohttp.TCPConnector):
    """A connector whose sockets reach the test servers (aiohttp's one seam below the
    resolver: the address list it connects to)."""

    def __init__(self, network: Network, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.network = network

    async def _wrap_create_connection(self, *args: Any, addr_infos: list, **kwargs: Any):  # type: ignore[override]
        relayed: list[Any] = []
        for *_, sockaddr in addr_infos:
            target = (str(sockaddr[0]), int(sockaddr[1]))
            self.network.opened.append(target)
            port = self.network.routes.get(target, self.network.fallback)
            relayed.append(
                (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", port))
            )
        return await super()._wrap_create_connection(*args, addr_infos=relayed, **kwargs)


@dataclass
class Recorder:
    """A server's requests: (Host header, path)."""

    seen: list[tuple[str, str]] = field(default_factory=list)


def recording_app(recorder: Recorder, routes: web.RouteTableDef | None = None) -> web.Application:
    @web.middleware
    async def record(request: web.Request, handler):
        recorder.seen.append((request.headers.get("Host", ""), request.path_qs))
        return await handler(request)

    async def secret(request: web.Request) -> web.Response:
        return web.Response(text="secret")

    app = web.Application(middlewares=[record])
    if routes is not None:
        app.add_routes(routes)
    else:
        app.router.add_route("*", "/{tail:.*}", secret)
    return app
