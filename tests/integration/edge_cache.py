"""What the edge cache's tests share: waiting for the cache's stream (up, or caught up
with a revision), holding the changes it brings, and the orchestrator's count of RPCs
(its own metric), which shows whether a read reached it."""

import asyncio
import time

from ai_studio.v1.project_service_pb2 import ProjectChange
from aiohttp.test_utils import TestClient
from prometheus_client import REGISTRY

from edge.cache import ProjectCache
from edge.keys import CACHE

# Bounds on waiting, so that a broken cache fails the test rather than hang it; not
# measures of speed (make bench measures how soon a change is served).
PATIENCE_S = 10


def cache_of(client: TestClient) -> ProjectCache:
    cache = client.app[CACHE]
    assert cache is not None
    return cache


async def live(client: TestClient) -> None:
    cache = cache_of(client)
    async with asyncio.timeout(PATIENCE_S):
        while True:  # the stream sets no event the test can wait on: poll it
            if cache.usable():
                return
            await asyncio.sleep(0.01)


async def caught_up(client: TestClient, revision: int) -> None:
    """Once the cache's stream has brought every change up to `revision`."""
    cache = cache_of(client)
    async with asyncio.timeout(PATIENCE_S):
        while True:
            if cache.position >= revision:
                return
            await asyncio.sleep(0.01)


class Held:
    """The changes the cache's stream brings, held back (the stream still heard from, so
    the cache stays usable) until release(): what a client sees before a change reaches
    the edge, made to last."""

    def __init__(self, client: TestClient) -> None:
        self.cache = cache_of(client)
        self.apply = self.cache.apply
        self.held: list[ProjectChange] = []
        self.cache.apply = self._hold

    def _hold(self, change: ProjectChange) -> None:
        self.cache.heard = time.monotonic()
        self.held.append(change)

    def release(self) -> None:
        self.cache.apply = self.apply
        for change in self.held:
            self.apply(change)


def rpcs(method: str, code: str = "OK") -> float:
    """How many `method` RPCs the orchestrators of this process answered with `code`."""
    return REGISTRY.get_sample_value("ai_studio_rpcs_total", {"method": method, "code": code}) or 0
