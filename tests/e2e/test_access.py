"""Access through the real processes on loopback, as a deployment configures them: the
edge and the orchestrator with the same API keys, gRPC over mutual TLS with certificates
made here, JSON logs; the caller is on both processes' lines for the request's id."""

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from common.devcerts import make_ca, make_leaf, write_pair
from tests.e2e.processes import (
    ROOT,
    Process,
    environment,
    free_port,
    procfile,
    stack_env,
    wait_until,
)

pytestmark = pytest.mark.e2e

KEY = "e2e-key-0123456789abcdef"


def call(url: str, headers: dict[str, str], body: dict | None = None) -> tuple[int, Any, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, json.loads(exc.read())


def lines(log: Path) -> list[dict[str, Any]]:
    found = []
    for line in log.read_text().splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found


def test_keys_and_mutual_tls_through_the_processes(tmp_path: Path) -> None:
    ca = make_ca("e2e CA")
    write_pair(tmp_path, "ca", ca)
    write_pair(tmp_path, "server", make_leaf(ca, "orchestrator", ["127.0.0.1"], server=True))
    write_pair(tmp_path, "edge", make_leaf(ca, "edge", [], server=False))
    edge_port, grpc_port = free_port(), free_port()
    env = environment(
        **stack_env(tmp_path, edge_port, grpc_port),
        LOG_FORMAT="json",
        LOG_LEVEL="DEBUG",
        AUTH_API_KEYS=f"ci:{KEY}",
        GRPC_TLS_CERT=str(tmp_path / "server.pem"),
        GRPC_TLS_KEY=str(tmp_path / "server-key.pem"),
        GRPC_TLS_CLIENT_CA=str(tmp_path / "ca.pem"),
        GRPC_TLS_CA=str(tmp_path / "ca.pem"),
        GRPC_TLS_CLIENT_CERT=str(tmp_path / "edge.pem"),
        GRPC_TLS_CLIENT_KEY=str(tmp_path / "edge-key.pem"),
    )
    commands = procfile()
    orchestrator = Process(commands["orchestrator"], env, tmp_path / "orchestrator.log")
    edge = Process(commands["edge"], env, tmp_path / "edge.log")
    try:
        base = f"http://127.0.0.1:{edge_port}"
        wait_until(f"{base}/readyz", timeout=30)
        status, headers, body = call(f"{base}/projects", {})
        assert (status, body["code"]) == (401, "UNAUTHENTICATED")
        assert headers["WWW-Authenticate"] == 'Bearer realm="ai_studio"'
        auth = {"Authorization": f"Bearer {KEY}", "X-Request-ID": "e2e-access-1"}
        status, _, created = call(f"{base}/projects", auth, {"title": "Closed door"})
        assert status == 201, created
        # The container healthcheck, configured by the same environment.
        check = subprocess.run(
            [sys.executable, "-m", "orchestrator.healthcheck"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=30,
        )
        assert check.returncode == 0, check.stderr
    finally:
        assert edge.stop() == 0
        assert orchestrator.stop() == 0
    edge_lines = [
        e
        for e in lines(tmp_path / "edge.log")
        if e["request_id"] == "e2e-access-1" and e["logger"] == "edge.http"
    ]
    assert [e.get("caller") for e in edge_lines] == ["ci"], edge_lines
    rpc_lines = [
        e
        for e in lines(tmp_path / "orchestrator.log")
        if e["request_id"] == "e2e-access-1" and e["logger"] == "orchestrator.rpc"
    ]
    assert rpc_lines and {e.get("caller") for e in rpc_lines} == {"ci"}, rpc_lines
    for log in ("edge.log", "orchestrator.log"):
        text = (tmp_path / log).read_text()
        assert KEY not in text
        assert "no access control" not in text  # loopback and keys: no warning
