"""How the bench's own servers (the baseline, the fake services) run: aiohttp on uvloop
on loopback, as the edge runs, with no access log, so that they cost as little as they can."""

import uvloop
from aiohttp import web


def serve(app: web.Application, port: int) -> None:
    """Serve `app` on 127.0.0.1:`port` until the process is stopped."""
    web.run_app(
        app,
        host="127.0.0.1",
        port=port,
        access_log=None,
        loop=uvloop.new_event_loop(),
        print=None,
    )
