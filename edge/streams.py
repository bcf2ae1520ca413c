"""The Server-Sent Event streams an edge has open: bounded, and all ended on shutdown.

aiohttp waits for in-flight handlers at shutdown (up to the grace), and an event stream
never finishes on its own: on_shutdown tells each to end, so that it closes cleanly (the
browser's EventSource reconnects, with Last-Event-ID, to whichever edge is up).
"""

import asyncio

from aiohttp import web

from edge.errors import HttpError


class EventStreams:
    def __init__(self, limit: int, retry_after_s: int) -> None:
        self.limit, self.retry_after_s = limit, retry_after_s
        self.open: set[asyncio.Event] = set()  # each stream's "end now"
        self.closing = False

    def enter(self) -> asyncio.Event:
        """A new stream's end signal; 503 with Retry-After past the limit or at shutdown."""
        if self.closing or len(self.open) >= self.limit:
            raise TooManyStreams(self.retry_after_s)
        ended = asyncio.Event()
        self.open.add(ended)
        return ended

    def leave(self, ended: asyncio.Event) -> None:
        self.open.discard(ended)

    async def on_shutdown(self, app: web.Application) -> None:
        self.closing = True
        for ended in self.open:
            ended.set()


class TooManyStreams(HttpError):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            503, "TOO_MANY_STREAMS", "this edge has as many event streams open as it serves"
        )
        self.retry_after_s = retry_after_s

    def response(self) -> web.Response:
        response = super().response()
        response.headers["Retry-After"] = str(self.retry_after_s)
        return response
