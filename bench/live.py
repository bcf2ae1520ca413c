"""How quickly a change reaches readers, on the cache section's product stack (cache on):

- SSE fan-out: STREAMS clients hold `GET /projects/{id}/events` open on one project; a
  PATCH through the edge changes it; the time from the PATCH's answer until the last
  stream has the new revision (FANOUT_CHANGES times). The clients run in the bench's own
  process, on the same two cores: their reading is in the figure.
- convergence of the edge's cache: a project is read through the edge (so that it is
  cached there), then changed over gRPC (UpdateProject straight to the orchestrator) or
  through a second edge (PATCH); the time from the write's answer until a GET through
  the first edge serves that revision, its GETs sent back to back (CONVERGENCE_CHANGES
  of each kind, on projects in turn).
"""

import asyncio
import time
from collections.abc import Callable

import aiohttp
import grpc
from ai_studio.v1 import project_service_pb2 as pbs
from ai_studio.v1.project_pb2 import Project
from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub
from google.protobuf.field_mask_pb2 import FieldMask

from bench.processes import (
    HOST,
    Process,
    ProductStack,
    free_port,
    wait_until_answers,
)
from bench.stats import summary

STREAMS = 500
FANOUT_CHANGES = 5
CONVERGENCE_CHANGES = 100
TARGET_P99_MS = 100.0
PATIENCE_S = 30.0  # a bound on waiting, so that a broken stream fails the bench


def second_edge(stack: ProductStack) -> tuple[Process, str]:
    """Another edge on the stack's orchestrator, as the stack's own is started."""
    port = free_port()
    process = stack.edge("edge-2", port)
    url = f"http://{HOST}:{port}"
    wait_until_answers(f"{url}/projects?page=1&limit=1", [process])
    return process, url


class Stream:
    """One open event stream: the revision of each `id:` line, and when it came."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.revision = -1  # none yet (a project seeded into the file is at revision 0)
        self.arrived = 0.0
        self.changed = asyncio.Event()

    async def read(self) -> None:
        async for line in self.response.content:
            if line.startswith(b"id: "):
                self.revision, self.arrived = int(line[4:]), time.perf_counter()
                self.changed.set()

    async def reached(self, revision: int) -> float:
        while self.revision < revision:
            self.changed.clear()
            await self.changed.wait()
        return self.arrived


async def _patch(session: aiohttp.ClientSession, url: str, project_id: str, title: str) -> int:
    async with session.patch(f"{url}/projects/{project_id}", json={"title": title}) as response:
        if response.status != 200:
            raise RuntimeError(f"PATCH answered {response.status}: {await response.text()}")
        return int((await response.json())["revision"])


async def _fanout(url: str, project_id: str, say: Callable[[str], None]) -> dict:
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        streams: list[Stream] = []
        readers = []
        try:
            for start in range(0, STREAMS, 50):
                opened = await asyncio.gather(
                    *(
                        session.get(f"{url}/projects/{project_id}/events")
                        for _ in range(start, min(STREAMS, start + 50))
                    )
                )
                for response in opened:
                    if response.status != 200:
                        raise RuntimeError(f"events answered {response.status}")
                    stream = Stream(response)
                    streams.append(stream)
                    readers.append(asyncio.create_task(stream.read()))
            async with asyncio.timeout(PATIENCE_S):  # each has the project as it is
                await asyncio.gather(*(s.reached(0) for s in streams))
            say(f"  fan-out: {len(streams)} streams open")
            lasts, firsts = [], []
            for n in range(FANOUT_CHANGES):
                await asyncio.sleep(0.5)
                revision = await _patch(session, url, project_id, f"Fan-out change {n}")
                answered = time.perf_counter()
                async with asyncio.timeout(PATIENCE_S):
                    arrived = await asyncio.gather(*(s.reached(revision) for s in streams))
                lasts.append((max(arrived) - answered) * 1e3)
                firsts.append((min(arrived) - answered) * 1e3)
                say(
                    f"  fan-out change {n + 1}: the last of {len(streams)} streams after "
                    f"{lasts[-1]:.1f} ms"
                )
        finally:
            for task in readers:
                task.cancel()
            for stream in streams:
                stream.response.close()
    return {
        "streams": STREAMS,
        "changes": FANOUT_CHANGES,
        "last_stream_ms": summary(lasts),
        "first_stream_ms": summary(firsts),
    }


async def _served(session: aiohttp.ClientSession, url: str, project_id: str, revision: int) -> int:
    """GET until the edge serves `revision` (or later); how many GETs it took."""
    gets = 0
    async with asyncio.timeout(PATIENCE_S):
        while True:
            gets += 1
            async with session.get(f"{url}/projects/{project_id}") as response:
                body = await response.json()
            if body["revision"] >= revision:
                return gets


async def _convergence(stack: ProductStack, other: str, ids: list[str]) -> dict:
    figures = {}
    async with (
        aiohttp.ClientSession() as session,
        grpc.aio.insecure_channel(f"{HOST}:{stack.grpc_port}") as channel,
    ):
        stub = ProjectServiceStub(channel)

        async def over_grpc(project_id: str, title: str) -> int:
            project = await stub.UpdateProject(
                pbs.UpdateProjectRequest(
                    project=Project(id=project_id, title=title),
                    update_mask=FieldMask(paths=["title"]),
                )
            )
            return project.revision

        async def through_edge(project_id: str, title: str) -> int:
            return await _patch(session, other, project_id, title)

        for name, write in (("grpc", over_grpc), ("other_edge", through_edge)):
            times, gets = [], []
            for n in range(CONVERGENCE_CHANGES):
                project_id = ids[n % len(ids)]
                async with session.get(f"{stack.url}/projects/{project_id}") as response:
                    await response.read()  # cached at the edge now
                revision = await write(project_id, f"Convergence {name} {n}")
                written = time.perf_counter()
                gets.append(await _served(session, stack.url, project_id, revision))
                times.append((time.perf_counter() - written) * 1e3)
            figures[name] = {"ms": summary(times), "gets": summary([float(g) for g in gets])}
    return figures


def measure(stack: ProductStack, ids: list[str], say: Callable[[str], None]) -> dict:
    other, other_url = second_edge(stack)
    try:
        fanout = asyncio.run(_fanout(stack.url, ids[-1], say))
        convergence = asyncio.run(_convergence(stack, other_url, ids))
        other.check_alive()
    finally:
        other.stop()
    p99 = max(c["ms"]["p99"] for c in convergence.values())
    return {
        "fanout": fanout,
        "convergence": convergence,
        "target": {"p99_ms": p99, "threshold_ms": TARGET_P99_MS, "pass": p99 <= TARGET_P99_MS},
    }


def report(f: dict) -> str:
    fan = f["fanout"]
    lines = [
        f"  SSE fan-out: {fan['streams']} streams on one project, {fan['changes']} changes "
        "(PATCH answered → the stream has it):",
        f"    last stream p50 {fan['last_stream_ms']['p50']:.1f} ms, max "
        f"{fan['last_stream_ms']['max']:.1f} ms; first stream p50 "
        f"{fan['first_stream_ms']['p50']:.1f} ms",
        "  cache convergence (the write answered → a GET through this edge serves it):",
    ]
    for name, c in f["convergence"].items():
        lines.append(
            f"    {name:<11} p50 {c['ms']['p50']:.2f} ms, p99 {c['ms']['p99']:.2f} ms, "
            f"max {c['ms']['max']:.2f} ms over {c['ms']['count']} changes "
            f"(GETs until served: p50 {c['gets']['p50']:g}, max {c['gets']['max']:g})"
        )
    t = f["target"]
    lines.append(
        f"TARGET convergence p99: {t['p99_ms']:.2f} ms (target <= {t['threshold_ms']:g} ms) "
        + ("PASS" if t["pass"] else "MISS")
    )
    return "\n".join(lines)
