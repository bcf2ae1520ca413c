"""The orchestrator's gRPC health: SERVING only while its store answers.

A watcher pings the store every few seconds and flips the standard health service
(grpc.health.v1) between SERVING and NOT_SERVING; shutdown sets NOT_SERVING for good
(server.py). The edge's /readyz and the compose healthcheck read it.
"""

import asyncio
import contextlib
import logging

from grpc_health.v1 import health, health_pb2

from orchestrator.store.base import Store, StoreError

log = logging.getLogger(__name__)

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class StoreWatcher:
    def __init__(
        self,
        store: Store,
        servicer: health.aio.HealthServicer,
        services: tuple[str, ...],
        interval_s: float,
        timeout_s: float,
    ) -> None:
        self.store, self.servicer, self.services = store, servicer, services
        self.interval_s, self.timeout_s = interval_s, timeout_s
        self._task: asyncio.Task | None = None
        self._healthy: bool | None = None

    async def check(self) -> bool:
        """Ping the store once and publish the result."""
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel
            # that lands just as the ping answers, and stop() would then wait forever.
            async with asyncio.timeout(self.timeout_s):
                await self.store.ping()
            healthy = True
        except (StoreError, TimeoutError) as exc:
            healthy = False
            if self._healthy is not False:
                log.warning("the store is unreachable: %s", exc)
        if healthy != self._healthy:
            if healthy and self._healthy is False:
                log.info("the store is reachable again")
            for name in self.services:
                await self.servicer.set(name, SERVING if healthy else NOT_SERVING)
            self._healthy = healthy
        return healthy

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            await self.check()

    async def start(self) -> None:
        await self.check()
        self._task = asyncio.create_task(self._watch(), name="store-health")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
