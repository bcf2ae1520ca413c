"""The edge's read cache of projects, kept coherent by the orchestrator's change feed.

The edge follows WatchProjects (every project's changes, from the moment it connects)
and serves GET /projects/{id} from memory while that stream is live: a bounded LRU of
answers serialized once (edge/rendered.py), filled on a miss from GetProject and by the
answers of writes made through this edge (read-your-writes), updated by every change
the stream brings.

Never stale from a dead stream: the cache is used only while the stream is up and has
been heard from within STALE_AFTER_S (the orchestrator sends a bookmark every second);
when it drops, the cache is emptied and reads go to the orchestrator until a new stream
is up. Never older over newer: an entry is replaced only by a higher revision, and a
project read or written (a Ticket taken before the call) is kept only if the stream
brought no later change of it meanwhile: the revision of each project's last change is
remembered (RECENT of them; a fetch that began before the oldest forgotten one is not
kept), deletions included, so a fetch racing a change or a deletion never wins. A fetch
begun before the stream (re)started is not kept either (the changes between what it
read and where the new stream starts would never arrive).

Lists (GET /projects) are served from it too, under the same conditions (edge/
list_cache.py): a list's answer is kept until anything changes. Every change the stream
brings, every write made through this edge (whatever its outcome) and every start or
stop of the stream empties the lists, and a list fetched is kept only if none of those
happened while it was fetched.
"""

import asyncio
import contextlib
import contextvars
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, NamedTuple

import grpc
from ai_studio.v1 import project_service_pb2 as pb_service
from ai_studio.v1.project_pb2 import Project
from aiohttp import web
from aiohttp.typedefs import Handler

from edge.auth import forwarded
from edge.keys import CACHE, PROJECTS
from edge.list_cache import ListCache
from edge.listing import Listing, list_key
from edge.metrics import LIST_HITS, LIST_MISSES, PROJECT_HITS, PROJECT_MISSES
from edge.rendered import Rendered, RenderedList, render, render_list

log = logging.getLogger(__name__)

# Past this long without a message (a change or a bookmark), the stream counts as behind.
STALE_AFTER_S = 3.0
# How many projects' last change revisions, and how many deleted ids, are remembered.
RECENT = 10_000
TOMBSTONES = 10_000
RECONNECT_S = (0.1, 1.0)


class Ticket(NamedTuple):
    """Taken before a call whose answer is to be kept: the stream and where it was."""

    generation: int
    position: int


class ProjectCache:
    def __init__(
        self, capacity: int, stale_after_s: float = STALE_AFTER_S, lists: ListCache | None = None
    ) -> None:
        self.capacity, self.stale_after_s = capacity, stale_after_s
        self.entries: OrderedDict[str, Rendered] = OrderedDict()
        # The lists' answers (none kept unless given a ListCache with room).
        self.lists = lists if lists is not None else ListCache(0, 0)
        # The revision of the last change the stream brought of each project (deletions
        # too), the newest RECENT; and the newest revision forgotten from it.
        self.recent: OrderedDict[str, int] = OrderedDict()
        self.forgotten = 0
        # Projects deleted (ids are never used again): no fetch brings one back.
        self.deleted: OrderedDict[str, None] = OrderedDict()
        self.live = False
        self.generation = 0  # one per stream: fetches of another stream's time are dropped
        self.position = 0  # the revision the stream has reached
        self.heard = 0.0

    def usable(self) -> bool:
        return self.live and time.monotonic() - self.heard < self.stale_after_s

    def get(self, project_id: str) -> Rendered | None:
        if not self.usable():
            return None
        entry = self.entries.get(project_id)
        if entry is not None:
            self.entries.move_to_end(project_id)
        return entry

    def ticket(self) -> Ticket:
        return Ticket(self.generation, self.position)

    def listed(self, key: bytes) -> RenderedList | None:
        return self.lists.get(key) if self.usable() else None

    def offer_list(self, key: bytes, answer: RenderedList, ticket: int) -> None:
        """Keep a list fetched after `ticket` (ListCache.ticket), unless anything changed
        or the stream stopped or restarted since (each empties the lists)."""
        if self.live:
            self.lists.offer(key, answer, ticket)

    def wrote(self) -> None:
        """A write went through this edge: the next list must show it (read-your-writes),
        and the stream may not have brought it yet."""
        self.lists.clear()

    def offer(self, project: Rendered, ticket: Ticket) -> None:
        """Keep a project read or written after `ticket`, unless the stream brought a
        later change of it since (or may have, past what it remembers); in that case an
        entry older than `project` goes (it may predate this edge's own write)."""
        if not self.live or ticket.generation != self.generation or project.id in self.deleted:
            return
        if self.recent.get(project.id, -1) > project.revision or self.forgotten > ticket.position:
            known = self.entries.get(project.id)
            if known is not None and known.revision < project.revision:
                del self.entries[project.id]
            return
        self._put(project)

    def shown(self, project: Project) -> None:
        """A project as an event stream of this edge showed it to a client: it replaces an
        older entry, so that the client's next GET is not older than what it was shown
        (the cache's own stream may be a moment behind the event stream's). A snapshot
        from the orchestrator's log at its revision is never wrong to keep; only what is
        cached already is brought forward."""
        known = self.entries.get(project.id)
        if known is not None and known.revision < project.revision and self.usable():
            self._put(render(project))
        self._ahead(project.revision)

    def shown_deleted(self, project_id: str, revision: int) -> None:
        """A project's deletion an event stream of this edge showed a client: deletions
        are final (ids are never used again), so it is never served again."""
        self.forget(project_id)
        self._ahead(revision)

    def _ahead(self, revision: int) -> None:
        """A change shown before the cache's stream brought it: lists may not hold it."""
        if revision > self.position:
            self.lists.clear()

    def drop(self, project_id: str) -> None:
        self.entries.pop(project_id, None)

    def forget(self, project_id: str) -> None:
        """A project deleted: never served again."""
        self.entries.pop(project_id, None)
        self.deleted[project_id] = None
        while len(self.deleted) > TOMBSTONES:
            self.deleted.popitem(last=False)

    def _put(self, project: Rendered) -> None:
        known = self.entries.get(project.id)
        if known is not None and known.revision >= project.revision:
            return
        self.entries[project.id] = project
        self.entries.move_to_end(project.id)
        while len(self.entries) > self.capacity:
            self.entries.popitem(last=False)

    def _changed(self, project_id: str, revision: int) -> None:
        self.recent[project_id] = revision
        self.recent.move_to_end(project_id)
        while len(self.recent) > RECENT:
            self.forgotten = max(self.forgotten, self.recent.popitem(last=False)[1])

    # -- the stream ---------------------------------------------------------------------

    def started(self) -> None:
        self.generation += 1
        self.entries.clear()
        self.lists.clear()
        self.recent.clear()
        self.forgotten = 0
        self.live, self.heard = True, time.monotonic()

    def apply(self, change: pb_service.ProjectChange) -> None:
        self.heard = time.monotonic()
        self.position = max(self.position, change.revision)
        kind = change.WhichOneof("change")
        if kind is not None:  # not a bookmark: any change may change any list
            self.lists.clear()
        if kind == "project":
            self._changed(change.project.id, change.revision)
            if change.project.id in self.entries:  # only what was asked for is kept
                self._put(render(change.project))
        elif kind == "deleted_id":
            self._changed(change.deleted_id, change.revision)
            self.forget(change.deleted_id)

    def stopped(self) -> None:
        self.live = False
        self.generation += 1
        self.entries.clear()
        self.lists.clear()


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


def cache_ctx(credential: str) -> Callable[[web.Application], AsyncIterator[None]]:
    """The task following the stream, its calls carrying `credential` (edge/auth.py's
    interceptor sends it as it would a caller's; "" adds nothing)."""

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        context = contextvars.copy_context()
        if credential:
            context.run(forwarded.set, credential)
        task = asyncio.create_task(follow(app), name="edge-cache", context=context)
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return lifecycle


# -- what the handlers call -------------------------------------------------------------


def cached(request: web.Request, project_id: str) -> Rendered | None:
    cache = request.app[CACHE]
    if cache is None:
        return None
    hit = cache.get(project_id)
    (PROJECT_MISSES if hit is None else PROJECT_HITS).inc()
    return hit


async def listed(
    request: web.Request,
    message: pb_service.ListProjectsRequest,
    listing: Listing,
    call: Callable[[], Awaitable[pb_service.ListProjectsResponse]],
) -> RenderedList:
    """A list's answer: from the cache, else what `call` answers, rendered and offered to
    the cache with the ticket taken before the call is sent (see offer_list). Only
    answers are kept: a refused request raises, and the next one asks again."""
    cache = request.app[CACHE]
    if cache is None:
        return render_list(await call(), listing.envelope)
    key = list_key(message, listing)
    hit = cache.listed(key)
    if hit is not None:
        LIST_HITS.inc()
        return hit
    LIST_MISSES.inc()
    since = cache.lists.ticket()
    answer = render_list(await call(), listing.envelope)
    cache.offer_list(key, answer, since)
    return answer


def writes(handler: Handler) -> Handler:
    """A handler that may change projects: once it has answered, whatever the outcome (a
    write that timed out may still be made), the cached lists are emptied, so that the
    client's next list through this edge shows its write."""

    async def write(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        finally:
            cache = request.app[CACHE]
            if cache is not None:
                cache.wrote()

    return write


async def remembered(request: web.Request, call: Callable[[], Awaitable[Project]]) -> Rendered:
    """The project `call` answers (a read, or a write's answer), rendered and offered to
    the cache with the ticket taken before the call is sent: a change the stream brings
    meanwhile wins over it (see offer)."""
    cache = request.app[CACHE]
    if cache is None:
        return render(await call())
    since = cache.ticket()
    project = render(await call())
    cache.offer(project, since)
    return project


def shown(request: web.Request, project: Project) -> None:
    """A project an event stream sent to its client (see ProjectCache.shown)."""
    cache = request.app[CACHE]
    if cache is not None:
        cache.shown(project)


def shown_deleted(request: web.Request, project_id: str, revision: int) -> None:
    """A deletion an event stream sent to its client (see ProjectCache.shown_deleted)."""
    cache = request.app[CACHE]
    if cache is not None:
        cache.shown_deleted(project_id, revision)


def forget(request: web.Request, project_id: str) -> None:
    """A project deleted through this edge."""
    cache = request.app[CACHE]
    if cache is not None:
        cache.forget(project_id)


async def stored_again(request: web.Request, project_id: str, options: dict[str, Any]) -> None:
    """After a write whose answer holds no project (a scene drawn again, a render queued):
    the project read back replaces the cached one, so that this edge reads its own write;
    if it cannot be read, the entry goes (the next read fetches it)."""
    cache = request.app[CACHE]
    if cache is None:
        return
    try:
        await remembered(
            request,
            lambda: request.app[PROJECTS].GetProject(
                pb_service.GetProjectRequest(id=project_id), **options
            ),
        )
    except grpc.aio.AioRpcError:
        cache.drop(project_id)
