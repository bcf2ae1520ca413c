"""The edge cache through the real processes: with access control on and callers'
credentials forwarded (no ORCHESTRATOR_TOKEN), the cache's stream carries the edge's own
EDGE_CACHE_TOKEN, reads of a project and of a list are served from the cache (no RPC for
them in the orchestrator's log), every caller is still checked before a cached answer is
served, and a change made over gRPC reaches the cache. Then an edge of several workers
(EDGE_WORKERS) on one port: it answers, stops whole on SIGTERM, and stops (exit code 1)
when a worker dies."""

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import grpc
import pytest
from ai_studio.v1 import project_service_pb2 as pbs
from ai_studio.v1.project_pb2 import Project
from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub
from google.protobuf.field_mask_pb2 import FieldMask

from tests.e2e.processes import Process, environment, free_port, procfile, stack_env, wait_until
from tests.e2e.test_access import call, lines

pytestmark = pytest.mark.e2e

KEY = "e2e-caller-key-0123456789"
CACHE_KEY = "e2e-edge-cache-key-0123456789"
# A bound on waiting, so that a broken stream fails the test rather than hang it.
PATIENCE_S = 30


def rpc_lines(log: Path, request_id: str) -> list[dict[str, Any]]:
    return [
        e
        for e in lines(log)
        if e.get("request_id") == request_id and e.get("logger") == "orchestrator.rpc"
    ]


def cached_read(url: str, auth: dict[str, str], log: Path) -> Any:
    """GET a project or a list until one answer comes from the cache (no RPC logged for
    its request id: the orchestrator logs an RPC before it answers); that answer."""
    deadline = time.monotonic() + PATIENCE_S
    n = 0
    while time.monotonic() < deadline:
        n += 1
        request_id = f"e2e-cached-read-{n}"
        status, _, body = call(url, {**auth, "X-Request-ID": request_id})
        assert status == 200, body
        if not rpc_lines(log, request_id):
            return body
        time.sleep(0.05)  # the cache's stream is not up yet
    raise AssertionError("no read was served from the cache")


async def write_over_grpc(port: int, project_id: str, title: str) -> int:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        project = await ProjectServiceStub(channel).UpdateProject(
            pbs.UpdateProjectRequest(
                project=Project(id=project_id, title=title), update_mask=FieldMask(paths=["title"])
            ),
            metadata=(("authorization", f"Bearer {KEY}"),),
        )
    return project.revision


def started(
    tmp_path: Path, both: dict[str, str], orchestrator: dict[str, str], edge: dict[str, str]
) -> tuple[str, int, Process, Process]:
    """The orchestrator and the edge as the Procfile runs them, each with `both` and its
    own settings; the edge's URL once it is ready, the gRPC port, and the processes."""
    edge_port, grpc_port = free_port(), free_port()
    common = stack_env(tmp_path, edge_port, grpc_port, **both)
    commands = procfile()
    processes = (
        Process(commands[name], environment(**common, **env), tmp_path / f"{name}.log")
        for name, env in (("orchestrator", orchestrator), ("edge", edge))
    )
    base = f"http://127.0.0.1:{edge_port}"
    return base, grpc_port, *processes


def test_the_cache_with_access_control_and_forwarded_credentials(tmp_path: Path) -> None:
    base, grpc_port, orchestrator, edge = started(
        tmp_path,
        {"LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG"},
        {"AUTH_API_KEYS": f"ci:{KEY},edge-cache:{CACHE_KEY}"},
        {"AUTH_API_KEYS": f"ci:{KEY}", "EDGE_CACHE_TOKEN": CACHE_KEY},
    )
    orchestrator_log = tmp_path / "orchestrator.log"
    try:
        wait_until(f"{base}/readyz", timeout=30)
        auth = {"Authorization": f"Bearer {KEY}"}
        status, _, created = call(f"{base}/projects", auth, {"title": "Cached, closed door"})
        assert status == 201, created
        project_id = created["id"]

        served = cached_read(f"{base}/projects/{project_id}", auth, orchestrator_log)
        assert served["id"] == project_id
        listed = cached_read(f"{base}/projects?_page=1&_per_page=5", auth, orchestrator_log)
        assert [p["id"] for p in listed["data"]] == [project_id] and listed["items"] == 1

        for refused in ({}, {"Authorization": "Bearer not-a-key-0123456789"}):
            status, headers, body = call(f"{base}/projects/{project_id}", refused)
            assert (status, body["code"]) == (401, "UNAUTHENTICATED"), body
            assert "title" not in body and "ETag" not in headers
            status, headers, body = call(f"{base}/projects?_page=1&_per_page=5", refused)
            assert (status, body["code"]) == (401, "UNAUTHENTICATED"), body
            assert "data" not in body and "X-Total-Count" not in headers
        # The edge's own key is the stream's only: the edge does not take it from callers.
        status, _, body = call(
            f"{base}/projects/{project_id}", {"Authorization": f"Bearer {CACHE_KEY}"}
        )
        assert status == 401, body

        revision = asyncio.run(write_over_grpc(grpc_port, project_id, "Changed over gRPC"))
        deadline = time.monotonic() + PATIENCE_S
        while time.monotonic() < deadline:  # the cache's stream brings the change
            body = cached_read(f"{base}/projects/{project_id}", auth, orchestrator_log)
            if body["revision"] >= revision:
                break
        assert (body["title"], body["revision"]) == ("Changed over gRPC", revision)
        # The stream has brought it: the list shows it too, fetched once and then cached.
        listed = cached_read(f"{base}/projects?_per_page=5&_page=1", auth, orchestrator_log)
        assert [(p["title"], p["revision"]) for p in listed["data"]] == [
            (body["title"], body["revision"])
        ]
    finally:
        assert edge.stop() == 0
        assert orchestrator.stop() == 0
    watches = [e for e in lines(orchestrator_log) if "WatchProjects" in e.get("message", "")]
    assert watches and {e.get("caller") for e in watches} == {"edge-cache"}, watches
    for log in ("edge.log", "orchestrator.log"):
        text = (tmp_path / log).read_text()
        assert KEY not in text and CACHE_KEY not in text


def worker_pids(edge: Process) -> list[int]:
    """The edge's workers: its children but multiprocessing's resource tracker."""
    pid = edge.popen.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(c)
        for c in children
        if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()
    ]


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")


@pytest.mark.parametrize("ending", ["sigterm", "a worker dies"])
def test_an_edge_of_several_workers_serves_and_stops_whole(tmp_path: Path, ending: str) -> None:
    base, _, orchestrator, edge = started(tmp_path, {"EDGE_WORKERS": "3"}, {}, {})
    try:
        wait_until(f"{base}/readyz", timeout=30)
        workers = worker_pids(edge)
        assert len(workers) == 2, workers  # and the first process itself
        for n in range(20):  # new connections, spread among the workers by the kernel
            status, _, body = call(f"{base}/projects", {}, {"title": f"Worker {n}"})
            assert status == 201, body
            status, _, read = call(f"{base}/projects/{body['id']}", {})
            assert (status, read) == (200, body)
        if ending == "sigterm":
            assert edge.stop() == 0
        else:
            os.kill(workers[0], signal.SIGKILL)
            assert edge.wait(timeout=PATIENCE_S) == 1
            assert "exited: stopping the edge" in (tmp_path / "edge.log").read_text()
        assert all(gone(pid) for pid in workers)
    finally:
        edge.stop()
        assert orchestrator.stop() == 0
    assert "Traceback" not in (tmp_path / "edge.log").read_text()
