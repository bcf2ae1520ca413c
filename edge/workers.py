"""Serving, in one process or several on one port (EDGE_WORKERS).

With several, the first process serves and watches over the others, each of which is a
process of its own (spawned: nothing of the first's event loop or gRPC channel is
inherited) listening on the same port with SO_REUSEPORT, so that the kernel spreads
connections among them. Each worker has its own gRPC channel, its own cache following its
own WatchProjects stream, its own event streams (SSE_MAX_STREAMS each) and metrics.

They stop together: SIGTERM or Ctrl-C to the first is passed on to the others, which
finish their in-flight requests as it does; a worker that exits on its own stops the
first (exit code 1), so that the supervisor restarts the whole edge; and the kernel sends
a worker SIGTERM if the first dies (Linux), so none is left serving alone.
"""

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import AsyncIterator
from multiprocessing.process import BaseProcess

import uvloop
from aiohttp import web

from common.logs import configure_logging
from edge.app import create_app
from edge.config import EdgeSettings

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


def serve(settings: EdgeSettings, app: web.Application, reuse_port: bool = False) -> None:
    web.run_app(
        app,
        host=settings.edge_host,
        port=settings.edge_port,
        reuse_port=reuse_port,
        access_log=None,  # the middleware logs one line per request, with its id
        shutdown_timeout=settings.shutdown_grace_s,
        loop=uvloop.new_event_loop(),
        print=None,
    )


def _worker(settings: EdgeSettings) -> None:
    """A spawned worker's life."""
    # A group of its own: a terminal's Ctrl-C reaches the first process alone, which
    # passes it on once (a second signal would cut a graceful stop short).
    os.setpgrp()
    if sys.platform == "linux":  # SIGTERM when the first process dies
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    configure_logging(settings.log_level, settings.log_format)
    serve(settings, create_app(settings), reuse_port=True)


class Workers:
    """The other workers, as the first process sees them."""

    def __init__(self, settings: EdgeSettings) -> None:
        spawn = multiprocessing.get_context("spawn")
        self.processes: list[BaseProcess] = [
            spawn.Process(target=_worker, args=(settings,), name=f"edge-worker-{n}")
            for n in range(2, settings.edge_workers + 1)
        ]
        self.join_s = settings.shutdown_grace_s + 5
        self.failed: list[str] = []
        self.stopping = False
        self.signalled: set[int] = set()

    def signal(self) -> None:
        """SIGTERM to each worker, once (a second one would cut its graceful stop short)."""
        for process in self.processes:
            if process.pid is not None and process.pid not in self.signalled:
                self.signalled.add(process.pid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)

    async def on_shutdown(self, app: web.Application) -> None:
        self.stopping = True
        self.signal()  # they finish their requests while the first finishes its own

    async def watch(self, app: web.Application) -> AsyncIterator[None]:
        """Until shutdown, a worker's exit (its sentinel becomes readable) stops the edge."""
        loop = asyncio.get_running_loop()

        def ended(process: BaseProcess) -> None:
            loop.remove_reader(process.sentinel)  # it stays readable: once is enough
            if self.stopping:
                return
            self.failed.append(process.name)
            log.error("edge worker %s exited: stopping the edge", process.name)
            os.kill(os.getpid(), signal.SIGTERM)

        for process in self.processes:
            loop.add_reader(process.sentinel, ended, process)
        yield
        for process in self.processes:
            loop.remove_reader(process.sentinel)

    def join(self) -> None:
        self.signal()
        for process in self.processes:
            process.join(self.join_s)
            if process.is_alive():
                process.kill()
                process.join()


def run(settings: EdgeSettings) -> int:
    """Serve until stopped; the exit code."""
    app = create_app(settings)
    if settings.edge_workers == 1:
        serve(settings, app)
        return 0
    workers = Workers(settings)
    app.on_shutdown.append(workers.on_shutdown)
    app.cleanup_ctx.append(workers.watch)
    for process in workers.processes:
        process.start()
    try:
        serve(settings, app, reuse_port=True)
    finally:
        workers.join()
    return 1 if workers.failed else 0
