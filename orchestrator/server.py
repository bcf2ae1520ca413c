"""The server factory main and tests share: servicers, health, reflection, lifecycle."""

import asyncio
import logging
from dataclasses import dataclass

import grpc
from ai_studio.v1 import project_service_pb2, project_service_pb2_grpc
from grpc_health.v1 import health, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from common.auth.verifier import Verifier
from orchestrator.auth import AuthInterceptor, open_prefixes
from orchestrator.clients import Clients
from orchestrator.clock import Clock, system_clock
from orchestrator.config import OrchestratorSettings
from orchestrator.feed import Feed
from orchestrator.health import StoreWatcher
from orchestrator.interceptors import ServerInterceptor
from orchestrator.media_urls import media_origins
from orchestrator.runner import JobRunner, RunnerPolicy
from orchestrator.servicers.projects import ProjectServicer
from orchestrator.store import open_store
from orchestrator.store.base import Store
from orchestrator.tls import server_credentials

log = logging.getLogger(__name__)

SERVICE_NAMES = (
    project_service_pb2.DESCRIPTOR.services_by_name["ProjectService"].full_name,
    health.SERVICE_NAME,
    reflection.SERVICE_NAME,
)


@dataclass
class Orchestrator:
    """A built server: start it, then stop it once."""

    server: grpc.aio.Server
    store: Store
    clients: Clients
    runner: JobRunner
    health: health.aio.HealthServicer
    watcher: StoreWatcher
    feed: Feed
    port: int
    verifier: Verifier | None = None

    async def start(self) -> None:
        if self.verifier is not None:
            await self.verifier.start()
        await self.clients.start()
        await self.feed.start()
        await self.server.start()
        await self.watcher.start()
        self.runner.start()
        log.info("gRPC listening on port %s", self.port)

    async def stop(self, grace: float) -> None:
        """Refuse new RPCs, let in-flight ones finish within `grace`, then close the store."""
        await self.watcher.stop()
        await self.health.enter_graceful_shutdown()
        await self.feed.stop()  # watch streams end cleanly rather than wait out the grace
        await asyncio.gather(self.server.stop(grace), self.runner.stop(grace))
        await self.clients.close()
        await self.store.close()
        if self.verifier is not None:
            await self.verifier.close()


async def create_server(
    settings: OrchestratorSettings,
    *,
    store: Store | None = None,
    clock: Clock = system_clock,
) -> Orchestrator:
    store = store or await open_store(settings)
    clients = Clients.from_settings(settings)
    runner = JobRunner(store, clients.video, clock, runner_policy(settings))
    verifier = Verifier(settings) if settings.auth_on else None
    interceptors: list[grpc.aio.ServerInterceptor] = [ServerInterceptor()]
    if verifier is not None or settings.grpc_tls_client_ca is not None:
        opened = open_prefixes(settings.grpc_auth_open_health, settings.grpc_auth_open_reflection)
        interceptors.insert(0, AuthInterceptor(verifier, opened))
    server = grpc.aio.server(interceptors=interceptors)
    feed = Feed(store, settings.watch_poll_s)
    project_service_pb2_grpc.add_ProjectServiceServicer_to_server(
        ProjectServicer(store, clients, clock, runner.wake, feed, media_origins(settings)),
        server,
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    watcher = StoreWatcher(
        store,
        health_servicer,
        ("", SERVICE_NAMES[0]),
        settings.health_interval_s,
        settings.store_timeout_s,
    )
    reflection.enable_server_reflection(SERVICE_NAMES, server)
    if settings.tls_on:
        port = server.add_secure_port(settings.orchestrator_address, server_credentials(settings))
    else:
        port = server.add_insecure_port(settings.orchestrator_address)
    if not port and not settings.orchestrator_address.startswith("unix:"):
        raise OSError(f"cannot listen on {settings.orchestrator_address}")
    return Orchestrator(
        server, store, clients, runner, health_servicer, watcher, feed, port, verifier
    )


def runner_policy(settings: OrchestratorSettings) -> RunnerPolicy:
    return RunnerPolicy(
        concurrency=settings.video_concurrency,
        lease_s=settings.video_lease_s,
        poll_s=settings.video_poll_s,
        max_attempts=settings.video_max_attempts,
        retry_base_s=settings.video_retry_base_s,
        retry_max_s=settings.video_retry_max_s,
        progress_s=settings.video_progress_s,
    )
