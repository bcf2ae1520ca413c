"""The change feed: what WatchProject and WatchProjects stream, fed by the store's change
log (store/revisions.py), so that a change made by ANY orchestrator sharing the store
reaches every watcher of every orchestrator.

One poller per process reads the log after its cursor every WATCH_POLL_S (50 ms by
default), and at once when this process wrote (Store.listeners): changes made here are
streamed within a few milliseconds, others' within the poll interval. It fans each change
out to the subscriptions, one bounded queue each; a watcher too slow to keep up (its
queue full) is not waited for: it reads the log again from its last revision.

A watch resuming from a revision registers first, then reads the log from that
revision until the log has nothing more, then takes the live queue, skipping what it
already sent: every change after the revision is sent exactly once, in order. When the
log no longer keeps some change after it, RevisionExpired (OUT_OF_RANGE): re-list.
Every BOOKMARK_S the poller sends a bookmark (its cursor) to WatchProjects streams: a
watcher that hears nothing for several of them knows its stream is behind or dead.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from ai_studio.v1.project_service_pb2 import ProjectChange

from orchestrator.errors import ProjectNotFound
from orchestrator.store.base import Store, StoreError
from orchestrator.store.revisions import Change, RevisionExpired

log = logging.getLogger(__name__)

# How many changes one read of the log takes.
BATCH = 500
# How many changes a watcher may have waiting before it is sent back to the log.
QUEUE_SIZE = 1000
# How often the poller tells WatchProjects streams how far it has got.
BOOKMARK_S = 1.0


@dataclass(frozen=True, slots=True)
class Bookmark:
    revision: int


END = None  # the feed stops: the stream ends

Item = Change | Bookmark | None


@dataclass(eq=False)
class Subscription:
    queue: asyncio.Queue[Item] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    lagging: bool = False

    def end(self) -> None:
        """Queue the end, making room for it: nothing after it matters."""
        while True:
            try:
                self.queue.put_nowait(END)
                return
            except asyncio.QueueFull:
                self.queue.get_nowait()

    def put(self, item: Item) -> None:
        if self.lagging:
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.lagging = True  # the watch goes back to the log
            self.queue = asyncio.Queue(QUEUE_SIZE)


def message(change: Change) -> ProjectChange:
    if change.project is None:
        return ProjectChange(revision=change.revision, deleted_id=change.project_id)
    return ProjectChange(revision=change.revision, project=change.project)


class Feed:
    def __init__(self, store: Store, poll_s: float, bookmark_s: float = BOOKMARK_S) -> None:
        self.store, self.poll_s, self.bookmark_s = store, poll_s, bookmark_s
        self.cursor = 0  # every change up to here was published
        self._subscriptions: set[Subscription] = set()
        self._woken = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    def wake(self) -> None:
        """This process wrote: read the log now rather than at the next poll."""
        self._woken.set()

    async def start(self) -> None:
        self.cursor = await self.store.current_revision()
        self.store.listeners.append(self.wake)
        self._task = asyncio.create_task(self._run(), name="change-feed")

    async def stop(self) -> None:
        """End every stream (cleanly), then the poller."""
        self._stopped = True
        for subscription in self._subscriptions:
            subscription.end()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # -- the poller --------------------------------------------------------------------

    async def _run(self) -> None:
        bookmarked = time.monotonic()
        while True:
            try:
                changes = await self.store.changes_after(self.cursor, BATCH)
            except RevisionExpired:
                # The poller itself fell behind the log: every watcher re-reads it (and is
                # told to re-list when its revision is gone too).
                log.warning("the change feed fell behind the log; watchers re-read it")
                for subscription in self._subscriptions:
                    subscription.lagging = True
                self.cursor = await self._current()
                continue
            except StoreError as exc:
                log.warning("the change feed cannot read the log: %s", exc)
                await asyncio.sleep(self.poll_s)
                continue
            for change in changes:
                for subscription in self._subscriptions:
                    subscription.put(change)
            if changes:
                self.cursor = changes[-1].revision
            if len(changes) == BATCH:
                continue
            now = time.monotonic()
            if now - bookmarked >= self.bookmark_s:
                bookmarked = now
                for subscription in self._subscriptions:
                    subscription.put(Bookmark(self.cursor))
            self._woken.clear()
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel
            # that lands just as the event is set, and stop() would then wait forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_s):
                    await self._woken.wait()

    async def _current(self) -> int:
        try:
            return await self.store.current_revision()
        except StoreError:
            return self.cursor

    # -- watches -----------------------------------------------------------------------

    async def watch_all(self, after: int | None) -> AsyncIterator[ProjectChange]:
        """WatchProjects: every change after `after`, with bookmarks; from now if None."""
        async with self._subscribed() as subscription:
            if after is None:
                after = self.cursor
                yield ProjectChange(revision=after)
            async for item in self._follow(subscription, after):
                if isinstance(item, Bookmark):
                    yield ProjectChange(revision=item.revision)
                else:
                    yield message(item)

    async def watch_one(self, project_id: str, after: int | None) -> AsyncIterator[ProjectChange]:
        """WatchProject: the project now (when `after` is None), then each change to it
        after `after`, until it is deleted."""
        async with self._subscribed() as subscription:
            if after is None:
                project = await self.store.get(project_id)
                if project is None:
                    raise ProjectNotFound(project_id)
                after = project.revision
                yield ProjectChange(revision=project.revision, project=project)
            known = False
            async for item in self._follow(subscription, after, project_id):
                if isinstance(item, Bookmark):
                    # Caught up with the log: a project neither changed nor existing is
                    # unknown (its deletion, if any, would have come first).
                    if not known and await self.store.get(project_id) is None:
                        raise ProjectNotFound(project_id)
                    known = True
                    continue
                known = True
                yield message(item)
                if item.project is None:
                    return

    @contextlib.asynccontextmanager
    async def _subscribed(self) -> AsyncIterator[Subscription]:
        subscription = Subscription()
        if self._stopped:
            subscription.end()
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    async def _follow(
        self, subscription: Subscription, after: int, project_id: str | None = None
    ) -> AsyncIterator[Change | Bookmark]:
        """The changes after `after` (of one project, when named), from the log then
        live, each once; a Bookmark once caught up with the log (and, live, the poller's);
        ends when the feed stops."""
        last = after
        while True:
            # From the log, until it has nothing more: everything committed before the
            # subscription was registered is there, everything after is in the queue.
            subscription.lagging = False
            while True:
                backlog = await self.store.changes_after(last, BATCH)
                for change in backlog:
                    last = change.revision
                    if project_id is None or change.project_id == project_id:
                        yield change
                if len(backlog) < BATCH:
                    break
            yield Bookmark(last)
            while not subscription.lagging:
                item = await subscription.queue.get()
                if item is END:
                    return
                if isinstance(item, Bookmark):
                    if project_id is None and item.revision >= last:
                        yield item
                    continue
                if item.revision <= last:
                    continue  # sent from the log already
                last = item.revision
                if project_id is None or item.project_id == project_id:
                    yield item
