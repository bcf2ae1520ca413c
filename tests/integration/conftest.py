"""One real stack per test: the orchestrator (grpc.aio on an ephemeral loopback port, the
embedded SQLite store in tmp_path, a fake clock), a gRPC stub to it, and the edge app
served by pytest-aiohttp, dialing that orchestrator over real gRPC.

The test's own gRPC channel and HTTP client move the fake clock on after each request
they make, so timestamps are deterministic: the n-th request of a test (from 0) runs at
START + n * step.

grpc.aio objects are made inside async fixtures, so they bind to the test's event loop.

The generation tests use `stack` instead of `orchestrator` (their modules override
`orchestrator` with it, so stub, client and api reach it): its four service URLs point
at one FakeService each (`fakes`), with short timeouts and a fast render runner, on the
system clock (the runner's leases and backoff must pass in real time).
"""

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub
from aiohttp import TraceConfig
from aiohttp.test_utils import TestClient, TestServer

from edge.app import create_app
from edge.config import EdgeSettings
from fakes.microservice import FakeService
from orchestrator.config import OrchestratorSettings
from orchestrator.server import Orchestrator
from orchestrator.store.base import Store
from tests.integration.callers import listening
from tests.integration.helpers import (
    FRONTEND,
    SERVICES,
    STACK_SETTINGS,
    Api,
    FakeClock,
    Fakes,
    RequestIds,
)
from tests.integration.running import running


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def store() -> Store | None:
    """The store the orchestrator runs on: None for its embedded one in tmp_path (a
    module overrides this fixture to run on another adapter)."""
    return None


@pytest.fixture
async def orchestrator(
    tmp_path: Path, clock: FakeClock, store: Store | None
) -> AsyncIterator[Orchestrator]:
    settings = OrchestratorSettings(orchestrator_address="127.0.0.1:0", data_dir=tmp_path)
    async with running(settings, clock, store) as server:
        yield server


class _TickAfterEachCall(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    async def intercept_unary_unary(self, continuation, client_call_details, request):
        call = await continuation(client_call_details, request)
        try:
            await call
        except grpc.aio.AioRpcError:
            pass  # the caller awaits the call again and gets the error itself
        finally:
            self.clock.tick()
        return call


@pytest.fixture
async def channel(orchestrator: Orchestrator, clock: FakeClock) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(
        f"127.0.0.1:{orchestrator.port}", interceptors=[_TickAfterEachCall(clock)]
    ) as opened:
        yield opened


@pytest.fixture
def stub(channel: grpc.aio.Channel) -> ProjectServiceStub:
    return ProjectServiceStub(channel)


@pytest.fixture
def edge_settings(orchestrator: Orchestrator) -> EdgeSettings:
    return EdgeSettings(
        orchestrator_address=f"127.0.0.1:{orchestrator.port}", frontend_url=FRONTEND
    )


def ticker(clock: FakeClock) -> TraceConfig:
    """A client trace that moves the clock on once each HTTP request is answered."""

    async def tick(*_: Any) -> None:
        clock.tick()

    trace = TraceConfig()
    trace.on_request_end.append(tick)
    trace.on_request_exception.append(tick)
    return trace


@pytest.fixture
def ticking(clock: FakeClock) -> TraceConfig:
    return ticker(clock)


@pytest.fixture
async def client(edge_settings: EdgeSettings, ticking: TraceConfig, aiohttp_client) -> TestClient:
    # aiohttp_client after the orchestrator, so that the edge stops first at teardown.
    return await aiohttp_client(create_app(edge_settings), trace_configs=[ticking])


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_store() -> Store | None:
    """`store` for `shared`: a module overrides it to run its one stack on another adapter."""
    return None


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(
    tmp_path_factory: pytest.TempPathFactory, shared_store: Store | None
) -> AsyncIterator[Api]:
    """The stack of `api` (the orchestrator on its embedded store, the edge over real HTTP
    and gRPC, a clock ticked after each request), started once for a module whose tests
    change nothing (refused input, reads): they run on the module's loop
    (`pytest.mark.asyncio(loop_scope="module")`)."""
    clock = FakeClock()
    settings = OrchestratorSettings(
        orchestrator_address="127.0.0.1:0", data_dir=tmp_path_factory.mktemp("shared")
    )
    async with running(settings, clock, shared_store) as orchestrator:
        edge = EdgeSettings(
            orchestrator_address=f"127.0.0.1:{orchestrator.port}", frontend_url=FRONTEND
        )
        client = TestClient(TestServer(create_app(edge)), trace_configs=[ticker(clock)])
        await client.start_server()
        try:  # the edge stops before the orchestrator
            yield Api(client)
        finally:
            await client.close()


@pytest.fixture
def rpc_request_ids() -> Iterator[RequestIds]:
    """The request ids the orchestrator's RPCs ran under."""
    # Successful RPCs log at DEBUG.
    with listening("orchestrator.rpc", RequestIds(), logging.DEBUG) as handler:
        yield handler


@pytest.fixture
async def fakes(aiohttp_server) -> Fakes:
    services, servers = {}, {}
    for name in SERVICES:
        service = FakeService()
        servers[name] = await aiohttp_server(service.app)
        service.base_url = str(servers[name].make_url(""))  # kept: shut() needs the server
        services[name] = service
    return Fakes(**services, servers=servers)


@pytest.fixture
def stack_settings() -> dict[str, Any]:
    """Orchestrator settings a test changes for `stack`: parametrize it to override."""
    return {}


@pytest.fixture
async def stack(
    tmp_path: Path, fakes: Fakes, stack_settings: dict[str, Any]
) -> AsyncIterator[Orchestrator]:
    urls = {f"{name}_service_url": fakes[name].base_url for name in SERVICES}
    settings = OrchestratorSettings(
        orchestrator_address="127.0.0.1:0",
        data_dir=tmp_path,
        **{**urls, **STACK_SETTINGS, **stack_settings},
    )
    async with running(settings) as server:
        yield server
