"""SIGTERM during in-flight requests lets them finish: the edge's and the orchestrator's.

A script service fake in the test process answers after a delay, so that a
generate-script request is in flight through both processes when the signal comes."""

import asyncio
import signal

import aiohttp
import pytest

from fakes.microservice import FakeService, served
from tests.e2e.processes import Process, environment, free_port, procfile, until_ready

pytestmark = pytest.mark.e2e

DELAY_S = 1.5


@pytest.fixture
async def slow_script(aiohttp_server) -> FakeService:
    service = await served(aiohttp_server)
    service.delay = DELAY_S
    return service


@pytest.fixture
def processes(tmp_path, slow_script):
    edge_port, grpc_port = free_port(), free_port()
    env = environment(
        EDGE_PORT=str(edge_port),
        ORCHESTRATOR_ADDRESS=f"127.0.0.1:{grpc_port}",
        DATA_DIR=str(tmp_path / "data"),
        SCRIPT_SERVICE_URL=slow_script.base_url,
        METRICS_PORT="0",
        SHUTDOWN_GRACE_S="10",
    )
    commands = procfile()
    started = {
        name: Process(commands[name], env, tmp_path / f"{name}.log")
        for name in ("orchestrator", "edge")
    }
    yield started, f"http://127.0.0.1:{edge_port}"
    for process in started.values():
        process.stop()


@pytest.mark.parametrize("stopped", ["edge", "orchestrator"])
async def test_sigterm_lets_an_in_flight_request_finish(processes, slow_script, stopped) -> None:
    started, base = processes
    async with aiohttp.ClientSession() as session:
        await until_ready(session, base)
        async with session.post(f"{base}/projects", json={"title": "Finish me"}) as answer:
            project = await answer.json()
        in_flight = asyncio.create_task(
            session.post(f"{base}/projects/{project['id']}/generate-script")
        )
        await slow_script.called()

        started[stopped].signal(signal.SIGTERM)

        answer = await in_flight
        body = await answer.json()
        answer.release()
    assert answer.status == 200, body
    assert body["status"] == "script_generated" and body["script_text"]
    assert await asyncio.to_thread(started[stopped].wait) == 0
