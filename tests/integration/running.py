"""An orchestrator started for a test on the settings given, and stopped after it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from orchestrator.clock import Clock, system_clock
from orchestrator.config import OrchestratorSettings
from orchestrator.server import Orchestrator, create_server


@asynccontextmanager
async def running(
    settings: OrchestratorSettings, clock: Clock = system_clock
) -> AsyncIterator[Orchestrator]:
    server = await create_server(settings, clock=clock)
    await server.start()
    try:
        yield server
    finally:
        await server.stop(0)
