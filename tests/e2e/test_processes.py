"""The real processes over loopback, started as `make run` starts them."""

import json
import signal
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.processes import Process, environment, free_port, procfile, wait_until

pytestmark = pytest.mark.e2e


def call(method: str, url: str, body: dict | None = None) -> tuple[int, dict | list | None]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@dataclass
class Stack:
    start: Callable[[str, str], Process]
    base: str
    grpc_port: int
    metrics_port: int


@pytest.fixture
def stack(tmp_path: Path):
    """Ports, environment and log files for one run; every process stopped after."""
    edge_port, grpc_port, metrics_port = free_port(), free_port(), free_port()
    # The reference services on free ports too, with their media under tmp_path.
    services = {
        name: {
            f"{name.upper()}_SERVICE_PORT": str(port),
            f"{name.upper()}_SERVICE_MEDIA_DIR": str(tmp_path / "media" / name),
            f"{name.upper()}_SERVICE_URL": f"http://127.0.0.1:{port}",
        }
        for name, port in (("script", free_port()), ("audio", free_port()),
                           ("image", free_port()), ("video", free_port()))
    }  # fmt: skip
    env = environment(
        EDGE_PORT=str(edge_port),
        ORCHESTRATOR_ADDRESS=f"127.0.0.1:{grpc_port}",
        DATA_DIR=str(tmp_path / "data"),
        METRICS_PORT=str(metrics_port),
        **{key: value for variables in services.values() for key, value in variables.items()},
    )
    started: list[Process] = []

    def start(name: str, command: str) -> Process:
        process = Process(command, env, tmp_path / f"{name}.log")
        started.append(process)
        return process

    stack = Stack(start, f"http://127.0.0.1:{edge_port}", grpc_port, metrics_port)
    yield stack
    for process in started:
        process.stop()


def test_crud_through_the_processes_survives_an_orchestrator_restart(stack) -> None:
    start, base = stack.start, stack.base
    commands = procfile()
    orchestrator = start("orchestrator", commands["orchestrator"])
    edge = start("edge", commands["edge"])
    wait_until(f"{base}/projects")

    status, created = call("POST", f"{base}/projects", {"title": "Restart me", "fps": 60})
    assert status == 201
    project_url = f"{base}/projects/{created['id']}"
    status, updated = call("PUT", project_url, {"description": "kept across restarts"})
    assert status == 200 and updated["description"] == "kept across restarts"

    with urllib.request.urlopen(f"http://127.0.0.1:{stack.metrics_port}/metrics") as answer:
        metrics = answer.read().decode()
    assert 'ai_studio_rpcs_total{code="OK",method="CreateProject"} 1.0' in metrics
    assert 'ai_studio_rpcs_total{code="OK",method="UpdateProject"} 1.0' in metrics

    assert call("GET", f"{base}/readyz") == (200, {"status": "ready"})
    with urllib.request.urlopen(f"{base}/metrics") as answer:
        metrics = answer.read().decode()
    assert 'method="POST",route="/projects",status="201"} 1.0' in metrics
    assert 'method="PUT",route="/projects/{id}",status="200"} 1.0' in metrics

    assert orchestrator.stop() == 0, "SIGTERM must stop the orchestrator cleanly"
    status, body = call("GET", project_url)
    assert (status, body["code"]) == (503, "ORCHESTRATOR_UNAVAILABLE")
    status, body = call("GET", f"{base}/readyz")
    assert (status, body["code"]) == (503, "NOT_READY")
    assert call("GET", f"{base}/healthz") == (200, {"status": "ok"})

    start("orchestrator-again", commands["orchestrator"])
    wait_until(project_url)
    status, found = call("GET", project_url)
    assert status == 200 and found == updated
    status, listed = call("GET", f"{base}/projects")
    assert [p["id"] for p in listed] == [created["id"]]

    assert edge.stop() == 0, "SIGTERM must stop the edge cleanly"


def test_honcho_runs_both_processes_and_ctrl_c_stops_both(stack) -> None:
    start, base, grpc_port = stack.start, stack.base, stack.grpc_port
    honcho = start("honcho", "honcho start -f Procfile")
    wait_until(f"{base}/projects")
    status, _ = call("POST", f"{base}/projects", {"title": "Through make run"})
    assert status == 201

    honcho.signal(signal.SIGINT)
    honcho.wait(20)
    edge_port = int(base.rsplit(":", 1)[1])
    for port in (edge_port, grpc_port):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still served"
