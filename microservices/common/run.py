"""Running a reference service as a process: uvloop, its media URLs set from the port it
really listens on, and a graceful stop on SIGTERM/SIGINT."""

import asyncio
import signal
from collections.abc import Callable
from typing import TypeVar

import uvloop
from aiohttp import web

from common.logs import configure_logging
from microservices.common.app import MEDIA
from microservices.common.config import ServiceSettings


async def start(app: web.Application, settings: ServiceSettings) -> web.AppRunner:
    """Serve `app`; the runner, to clean up. Tests use it too."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=settings.shutdown_grace_s)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    port = runner.addresses[0][1]
    if MEDIA in app:
        app[MEDIA].base_url = settings.base_url(port)
    return runner


Settings = TypeVar("Settings", bound=ServiceSettings)


async def _serve(build: Callable[[Settings], web.Application], settings: Settings) -> None:
    runner = await start(build(settings), settings)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await stopping.wait()
    await runner.cleanup()


def run_service(build: Callable[[Settings], web.Application], settings: Settings) -> None:
    configure_logging(settings.log_level, settings.log_format)
    uvloop.run(_serve(build, settings))
