"""The orchestrator's background loops stop when told, whatever moment the stop lands at:
the change feed's poller as it is woken by a write, the health watcher as its ping
answers. (On Python 3.11 `asyncio.wait_for` swallowed a cancel that landed as the
awaited thing finished; the loop then went on, and the orchestrator's shutdown, so a
test's teardown, waited for ever.) A regression hangs here: the suite's per-test
timeout turns it into a failure with every thread's stack."""

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest
from grpc_health.v1 import health

from orchestrator.feed import Feed
from orchestrator.health import StoreWatcher
from orchestrator.store.revisions import Change
from orchestrator.store.sqlite import SqliteStore

# How many turns of the event loop pass between the wake-up (or the answer) and the
# stop: each lands the stop at another step of the loop's wait.
TURNS = [0, 1, 2, 3]


class ReadingStore(SqliteStore):
    """The embedded store, telling when the feed's poller has read the change log (it
    then goes straight on to wait for the next wake-up or poll)."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.read = asyncio.Event()

    async def changes_after(self, revision: int, limit: int) -> Sequence[Change]:
        try:
            return await super().changes_after(revision, limit)
        finally:
            self.read.set()


class GatedStore(SqliteStore):
    """The embedded store, whose ping answers when the test says so."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.pinged = asyncio.Event()
        self.answer = asyncio.Event()

    async def ping(self) -> None:
        self.pinged.set()
        await self.answer.wait()


async def turns(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


@pytest.mark.parametrize("between", TURNS)
async def test_the_feed_stops_when_a_write_wakes_it_at_the_same_time(
    tmp_path: Path, between: int
) -> None:
    store = ReadingStore(tmp_path)
    feed = Feed(store, poll_s=3600)
    try:
        await feed.start()
        await store.read.wait()  # the poller waits to be woken
        feed.wake()
        await turns(between)
        await feed.stop()
    finally:
        await store.close()


@pytest.mark.parametrize("between", TURNS)
async def test_the_health_watcher_stops_when_its_ping_answers_at_the_same_time(
    tmp_path: Path, between: int
) -> None:
    store = GatedStore(tmp_path)
    store.answer.set()  # the first check, at start
    watcher = StoreWatcher(store, health.aio.HealthServicer(), ("",), 0, 3600)
    try:
        await watcher.start()
        store.answer.clear()
        store.pinged.clear()
        await store.pinged.wait()  # the watcher's loop waits for the store
        store.answer.set()
        await turns(between)
        await watcher.stop()
    finally:
        await store.close()
