"""An orchestrator started for a test on the settings given, and stopped after it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from orchestrator.clock import Clock, system_clock
from orchestrator.config import OrchestratorSettings
from orchestrator.server import Orchestrator, create_server
from orchestrator.store.base import Store


@asynccontextmanager
async def running(
    settings: OrchestratorSettings, clock: Clock = system_clock, store: Store | None = None
) -> AsyncIterator[Orchestrator]:
    """`store`: the store to run on; None for the one the settings name."""
    server = await create_server(settings, clock=clock, store=store)
    await server.start()
    try:
        yield server
    finally:
        await server.stop(0)
