"""Video jobs across real orchestrator processes sharing one embedded store file:
a process killed with SIGKILL mid-render, and the only process restarted mid-render.
The video service is a fake in this test process that takes 1-2 s per render, counts
renders per project and records any overlap of two renders of one project."""

import asyncio
import random
import signal
from collections import Counter
from pathlib import Path

import grpc
import pytest
from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1 import project_service_pb2 as rpc
from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub
from aiohttp import web

from tests.e2e.processes import Process, environment, free_port, procfile
from tests.fakes.serving import served

pytestmark = pytest.mark.e2e

LEASE_S = 3.0  # longer than any render here: a live claim is never taken over


class SlowRenderer:
    """The video service: slow, counting, and watching for overlapping renders."""

    def __init__(self, low: float = 1.0, high: float = 2.0) -> None:
        self.low, self.high = low, high
        self.renders: Counter[str] = Counter()
        self.active: Counter[str] = Counter()
        self.overlaps: list[str] = []
        self._arrival = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_post("/render", self.render)

    async def render(self, request: web.Request) -> web.Response:
        body = await request.json()
        project = body["audio_path"].rsplit("/", 1)[-1]
        self.renders[project] += 1
        self._arrival.set()
        self.active[project] += 1
        if self.active[project] > 1:
            self.overlaps.append(project)
        try:
            await asyncio.sleep(random.uniform(self.low, self.high))
        finally:
            self.active[project] -= 1
        base = f"http://media.test/{project}"
        return web.json_response(
            {"url": f"{base}.mp4", "thumbnail": f"{base}.jpg", "duration": 12.0}
        )

    async def started(self, count: int) -> None:
        """Wait until `count` renders have started."""
        while sum(self.renders.values()) < count:
            self._arrival.clear()
            await self._arrival.wait()


class Orchestrators:
    """Orchestrator processes on one data directory, each on its own gRPC port."""

    def __init__(self, tmp_path: Path, video_url: str) -> None:
        self.tmp_path = tmp_path
        self.video_url = video_url
        self.processes: list[Process] = []

    def start(self, port: int) -> Process:
        env = environment(
            ORCHESTRATOR_ADDRESS=f"127.0.0.1:{port}",
            DATA_DIR=str(self.tmp_path / "data"),
            VIDEO_SERVICE_URL=self.video_url,
            VIDEO_LEASE_S=str(LEASE_S),
            VIDEO_POLL_S="0.2",
            SHUTDOWN_GRACE_S="0.5",
            METRICS_PORT="0",
        )
        log = self.tmp_path / f"orchestrator-{port}-{len(self.processes)}.log"
        process = Process(procfile()["orchestrator"], env, log)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            process.stop()


@pytest.fixture
async def renderer(aiohttp_server) -> tuple[SlowRenderer, str]:
    return await served(aiohttp_server, SlowRenderer())


@pytest.fixture
def orchestrators(tmp_path, renderer):
    fleet = Orchestrators(tmp_path, renderer[1])
    yield fleet
    fleet.stop_all()


async def stub_for(port: int):
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    await asyncio.wait_for(channel.channel_ready(), 20)
    return channel, ProjectServiceStub(channel)


async def renderable_project(stub, name: str) -> str:
    project = pb.Project(
        title=name,
        audio_path=f"http://media.test/{name}",
        images=[pb.Scene(prompt="a scene", url="http://media.test/1.png")],
    )
    created = await stub.CreateProject(rpc.CreateProjectRequest(project=project), timeout=10)
    return created.id


async def wait_for_jobs(stub, ids: list[str], within: float) -> dict[str, pb.VideoJob]:
    """Every project's job once none is queued or rendering any more."""
    done = {pb.VIDEO_JOB_STATE_SUCCEEDED, pb.VIDEO_JOB_STATE_FAILED}
    async with asyncio.timeout(within):
        while True:
            jobs = {
                i: await stub.GetVideoJob(rpc.GetVideoJobRequest(id=i), timeout=10) for i in ids
            }
            if all(job.state in done for job in jobs.values()):
                return jobs
            await asyncio.sleep(0.3)


async def test_renders_survive_a_killed_orchestrator(renderer, orchestrators) -> None:
    service, _ = renderer
    ports = [free_port(), free_port()]
    victim = orchestrators.start(ports[0])
    orchestrators.start(ports[1])
    channels = [await stub_for(port) for port in ports]
    stubs = [stub for _, stub in channels]
    ids = [await renderable_project(stubs[0], f"p{i:02d}") for i in range(20)]
    for i, project_id in enumerate(ids):
        await stubs[i % 2].GenerateVideo(rpc.GenerateVideoRequest(id=project_id), timeout=10)

    await service.started(4)  # both are rendering by now
    victim.signal(signal.SIGKILL)
    await asyncio.to_thread(victim.wait)

    jobs = await wait_for_jobs(stubs[1], ids, within=120)
    assert {job.state for job in jobs.values()} == {pb.VIDEO_JOB_STATE_SUCCEEDED}
    for project_id in ids:
        project = await stubs[1].GetProject(rpc.GetProjectRequest(id=project_id), timeout=10)
        assert project.status == pb.PROJECT_STATUS_VIDEO_READY
        assert project.video_url == f"http://media.test/{project.title}.mp4"
    assert service.overlaps == [], "two renders of one project ran at once"
    assert set(service.renders) == {f"p{i:02d}" for i in range(20)}
    for channel, _ in channels:
        await channel.close()


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
async def test_a_render_completes_after_its_only_orchestrator_restarts(
    renderer, orchestrators, how
) -> None:
    service, _ = renderer
    port = free_port()
    first = orchestrators.start(port)
    channel, stub = await stub_for(port)
    project_id = await renderable_project(stub, "restart")
    await stub.GenerateVideo(rpc.GenerateVideoRequest(id=project_id), timeout=10)
    await service.started(1)

    first.signal(how)
    await asyncio.to_thread(first.wait)
    await channel.close()
    orchestrators.start(port)
    channel, stub = await stub_for(port)

    jobs = await wait_for_jobs(stub, [project_id], within=60)
    assert jobs[project_id].state == pb.VIDEO_JOB_STATE_SUCCEEDED
    project = await stub.GetProject(rpc.GetProjectRequest(id=project_id), timeout=10)
    assert project.status == pb.PROJECT_STATUS_VIDEO_READY
    assert service.renders["restart"] == 2, "the interrupted render ran again, once"
    await channel.close()
