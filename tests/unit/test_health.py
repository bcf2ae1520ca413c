"""The orchestrator's gRPC health follows its store: NOT_SERVING while the store does
not answer, SERVING again once it does, NOT_SERVING for good on shutdown."""

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from orchestrator.config import OrchestratorSettings
from orchestrator.server import create_server
from orchestrator.store.base import StoreUnavailable
from orchestrator.store.sqlite import SqliteStore

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class FlakyStore(SqliteStore):
    """The embedded store, with a switch that makes the database unreachable."""

    down = False

    async def ping(self) -> None:
        if self.down:
            raise StoreUnavailable("switched off by the test")
        await super().ping()


async def status(stub, service: str = "") -> int:
    reply = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    return reply.status


async def test_health_follows_the_store_and_shutdown(tmp_path) -> None:
    settings = OrchestratorSettings(
        orchestrator_address="127.0.0.1:0", data_dir=tmp_path, health_interval_s=3600
    )
    store = FlakyStore(tmp_path)
    orchestrator = await create_server(settings, store=store)
    await orchestrator.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{orchestrator.port}")
    stub = health_pb2_grpc.HealthStub(channel)
    try:
        assert await status(stub) == SERVING
        assert await status(stub, "ai_studio.v1.ProjectService") == SERVING

        store.down = True
        assert await orchestrator.watcher.check() is False
        assert await status(stub) == NOT_SERVING
        assert await status(stub, "ai_studio.v1.ProjectService") == NOT_SERVING

        store.down = False
        assert await orchestrator.watcher.check() is True
        assert await status(stub) == SERVING

        await orchestrator.health.enter_graceful_shutdown()
        assert await status(stub) == NOT_SERVING
    finally:
        await channel.close()
        await orchestrator.stop(0)
