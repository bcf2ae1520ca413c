"""The edge's read cache of projects, kept coherent by the orchestrator's change feed.

The edge follows WatchProjects (every project's changes, from the moment it connects)
and serves GET /projects/{id} from memory while that stream is live: a bounded LRU,
filled on a miss from GetProject and by the answers of writes made through this edge
(read-your-writes), updated by every change the stream brings.

Never stale from a dead stream: the cache is used only while the stream is up and has
been heard from within STALE_AFTER_S (the orchestrator sends a bookmark every second);
when it drops, the cache is emptied and reads go to the orchestrator until a new stream
is up. Never older over newer: an entry is replaced only by a higher revision, a
deleted project's id is remembered so that a fetch racing its deletion cannot bring it
back, and a fetch begun before the stream (re)started is not kept (the changes between
what it read and where the new stream starts would never arrive).
Lists always go to the orchestrator.
"""

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator

import grpc
from ai_studio.v1 import project_service_pb2 as pb_service
from ai_studio.v1.project_pb2 import Project
from aiohttp import web

from edge.keys import CACHE, PROJECTS

log = logging.getLogger(__name__)

# Past this long without a message (a change or a bookmark), the stream counts as behind.
STALE_AFTER_S = 3.0
# How many deleted ids are remembered.
TOMBSTONES = 10_000
RECONNECT_S = (0.1, 1.0)


class ProjectCache:
    def __init__(self, capacity: int, stale_after_s: float = STALE_AFTER_S) -> None:
        self.capacity, self.stale_after_s = capacity, stale_after_s
        self.entries: OrderedDict[str, Project] = OrderedDict()
        self.deleted: OrderedDict[str, None] = OrderedDict()
        self.live = False
        self.generation = 0  # one per stream: fetches of another stream's time are dropped
        self.heard = 0.0

    def usable(self) -> bool:
        return self.live and time.monotonic() - self.heard < self.stale_after_s

    def get(self, project_id: str) -> Project | None:
        if not self.usable():
            return None
        project = self.entries.get(project_id)
        if project is not None:
            self.entries.move_to_end(project_id)
        return project

    def offer(self, project: Project, generation: int) -> None:
        """Keep a project read or written at `generation`, unless something newer is."""
        if not self.live or generation != self.generation:
            return
        self._put(project)

    def forget(self, project_id: str) -> None:
        self.entries.pop(project_id, None)

    def _put(self, project: Project) -> None:
        if project.id in self.deleted:
            return
        known = self.entries.get(project.id)
        if known is not None and known.revision >= project.revision:
            return
        self.entries[project.id] = project
        self.entries.move_to_end(project.id)
        while len(self.entries) > self.capacity:
            self.entries.popitem(last=False)

    # -- the stream ---------------------------------------------------------------------

    def started(self) -> None:
        self.generation += 1
        self.entries.clear()
        self.live, self.heard = True, time.monotonic()

    def apply(self, change: pb_service.ProjectChange) -> None:
        self.heard = time.monotonic()
        kind = change.WhichOneof("change")
        if kind == "project":
            if change.project.id in self.entries:  # only what was asked for is kept
                self._put(change.project)
        elif kind == "deleted_id":
            self.entries.pop(change.deleted_id, None)
            self.deleted[change.deleted_id] = None
            while len(self.deleted) > TOMBSTONES:
                self.deleted.popitem(last=False)

    def stopped(self) -> None:
        self.live = False
        self.generation += 1
        self.entries.clear()


async def follow(app: web.Application) -> None:
    """Keep the cache on the orchestrator's WatchProjects stream, reconnecting."""
    cache = app[CACHE]
    assert cache is not None
    wait = RECONNECT_S[0]
    while True:
        call = app[PROJECTS].WatchProjects(pb_service.WatchProjectsRequest())
        try:
            async for change in call:
                if not cache.live:
                    cache.started()
                    wait = RECONNECT_S[0]
                cache.apply(change)
        except grpc.aio.AioRpcError as exc:
            log.debug("the cache's stream failed: %s", exc.code())
        finally:
            cache.stopped()
            call.cancel()
        await asyncio.sleep(wait)
        wait = min(RECONNECT_S[1], wait * 2)


async def cache_ctx(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(follow(app), name="edge-cache")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


# -- what the handlers call -------------------------------------------------------------


def generation(request: web.Request) -> int:
    """Taken before a call whose answer is to be kept (see offer)."""
    cache = request.app[CACHE]
    return -1 if cache is None else cache.generation


def cached(request: web.Request, project_id: str) -> Project | None:
    cache = request.app[CACHE]
    return None if cache is None else cache.get(project_id)


def remember(request: web.Request, project: Project, generation: int) -> Project:
    cache = request.app[CACHE]
    if cache is not None:
        cache.offer(project, generation)
    return project


def forget(request: web.Request, project_id: str) -> None:
    cache = request.app[CACHE]
    if cache is not None:
        cache.forget(project_id)
