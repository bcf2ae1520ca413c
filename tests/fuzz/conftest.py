"""The stack the fuzz run targets, all on loopback in the test's event loop: one fake
microservice for the four services (fakes/microservice.py), the orchestrator on
an ephemeral port with a real SQLite file, and the edge on a real TCP port, so that a
separate schemathesis process can reach it. The edge records every status it answers."""

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from edge.app import create_app
from edge.config import EdgeSettings
from fakes.microservice import FakeService
from orchestrator.config import OrchestratorSettings
from orchestrator.server import Orchestrator
from tests.integration.running import running

SERVICES = ("script", "audio", "image", "video")


@dataclass
class Answers:
    """What the edge answered: a count per status, and each 5xx request."""

    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)

    async def record(self, request: web.Request, response: web.StreamResponse) -> None:
        self.statuses[response.status] += 1
        if response.status >= 500:
            self.server_errors.append(f"{request.method} {request.path_qs} {response.status}")


@dataclass
class Stack:
    url: str
    service: FakeService
    answers: Answers


@pytest.fixture
async def service(aiohttp_server) -> FakeService:
    fake = FakeService()
    server = await aiohttp_server(fake.app)
    fake.base_url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
async def orchestrator(tmp_path: Path, service: FakeService) -> AsyncIterator[Orchestrator]:
    settings = OrchestratorSettings(
        orchestrator_address="127.0.0.1:0",
        data_dir=tmp_path,
        metrics_port=0,
        video_poll_s=0.05,
        **{f"{name}_service_url": service.base_url for name in SERVICES},
    )
    async with running(settings) as server:
        yield server


@pytest.fixture
async def stack(orchestrator: Orchestrator, service: FakeService, aiohttp_server) -> Stack:
    # aiohttp_server after the orchestrator, so that the edge stops first at teardown.
    app = create_app(EdgeSettings(orchestrator_address=f"127.0.0.1:{orchestrator.port}"))
    answers = Answers()
    app.on_response_prepare.append(answers.record)
    server: TestServer = await aiohttp_server(app, host="127.0.0.1")
    return Stack(str(server.make_url("")).rstrip("/"), service, answers)
