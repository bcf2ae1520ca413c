"""`python -m edge`: serve HTTP until SIGTERM or SIGINT, then finish in-flight requests."""

import logging

import uvloop
from aiohttp import web

from common.auth.exposure import warn_if_exposed
from common.logs import configure_logging
from edge.app import create_app
from edge.config import EdgeSettings


def main() -> None:
    settings = EdgeSettings()
    configure_logging(settings.log_level, settings.log_format)
    warn_if_exposed(logging.getLogger("edge"), settings.edge_host, settings.auth_on)
    web.run_app(
        create_app(settings),
        host=settings.edge_host,
        port=settings.edge_port,
        access_log=None,  # the middleware logs one line per request, with its id
        shutdown_timeout=settings.shutdown_grace_s,
        loop=uvloop.new_event_loop(),
        print=None,
    )


if __name__ == "__main__":
    main()
