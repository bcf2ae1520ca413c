"""WatchProject and WatchProjects over real gRPC: changes made through another
orchestrator sharing the SQLite file are streamed, in revision order; a watch resumed
from its last revision misses nothing; a revision older than the log keeps is told to
re-list; a deletion ends a project's stream, and shutdown ends every stream cleanly."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from ai_studio.v1 import project_service_pb2 as pbs
from ai_studio.v1.project_pb2 import Project
from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub
from google.protobuf.field_mask_pb2 import FieldMask

from orchestrator.config import OrchestratorSettings
from orchestrator.server import Orchestrator, create_server
from tests.integration.helpers import rpc_failure

# A bound on waiting for a message, so that a broken feed fails the test rather than hang
# it; not a measure of speed (that is make bench's).
PATIENCE_S = 10


async def started(data_dir: Path, **settings: Any) -> Orchestrator:
    server = await create_server(
        OrchestratorSettings(orchestrator_address="127.0.0.1:0", data_dir=data_dir, **settings)
    )
    await server.start()
    return server


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[tuple[ProjectServiceStub, ProjectServiceStub]]:
    """Two orchestrators on one store file, a stub to each."""
    first, second = await started(tmp_path), await started(tmp_path)
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{s.port}") for s in (first, second)]
    try:
        yield ProjectServiceStub(channels[0]), ProjectServiceStub(channels[1])
    finally:
        for channel in channels:
            await channel.close()
        await first.stop(0)
        await second.stop(0)


async def next_change(call: Any, bookmarks: bool = False) -> pbs.ProjectChange:
    """The next message of a watch; bookmarks skipped unless asked for."""
    while True:
        message = await asyncio.wait_for(call.read(), PATIENCE_S)
        assert message is not grpc.aio.EOF, "the stream ended"
        if bookmarks or message.WhichOneof("change"):
            return message


async def create(stub: ProjectServiceStub, title: str) -> Project:
    return await stub.CreateProject(pbs.CreateProjectRequest(project=Project(title=title)))


async def rename(stub: ProjectServiceStub, project_id: str, title: str) -> Project:
    return await stub.UpdateProject(
        pbs.UpdateProjectRequest(
            project=Project(id=project_id, title=title), update_mask=FieldMask(paths=["title"])
        )
    )


async def test_another_orchestrators_changes_are_streamed_in_order(pair) -> None:
    writer, watcher = pair
    call = watcher.WatchProjects(pbs.WatchProjectsRequest())
    start = await next_change(call, bookmarks=True)
    assert not start.WhichOneof("change")

    created = await create(writer, "One")
    renamed = await rename(writer, created.id, "Two")
    await writer.DeleteProject(pbs.DeleteProjectRequest(id=created.id))

    changes = [await next_change(call) for _ in range(3)]
    assert [c.project for c in changes[:2]] == [created, renamed]
    assert changes[2].deleted_id == created.id
    revisions = [c.revision for c in changes]
    assert revisions == sorted(revisions) and revisions[0] > start.revision
    assert revisions[:2] == [created.revision, renamed.revision]
    call.cancel()


async def test_a_watch_resumed_from_its_last_revision_misses_nothing(pair) -> None:
    writer, watcher = pair
    call = watcher.WatchProjects(pbs.WatchProjectsRequest())
    first = await create(writer, "Seen")
    seen = await next_change(call)
    call.cancel()

    missed = [await create(writer, f"Missed {i}") for i in range(3)]
    missed.append(await rename(writer, first.id, "Renamed"))
    resumed = watcher.WatchProjects(pbs.WatchProjectsRequest(after_revision=seen.revision))
    later = await create(writer, "Later")

    got = [await next_change(resumed) for _ in range(5)]
    assert [c.project for c in got] == [*missed, later]
    resumed.cancel()


async def test_a_revision_older_than_the_log_keeps_is_told_to_re_list(tmp_path: Path) -> None:
    server = await started(tmp_path, change_log_size=100)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = ProjectServiceStub(channel)
            project = await create(stub, "Busy")
            for i in range(200):
                await rename(stub, project.id, f"t{i}")

            for call in (
                stub.WatchProjects(pbs.WatchProjectsRequest(after_revision=project.revision)),
                stub.WatchProject(
                    pbs.WatchProjectRequest(id=project.id, after_revision=project.revision)
                ),
            ):
                failure = await rpc_failure(call.read())
                assert failure.code == grpc.StatusCode.OUT_OF_RANGE
                assert (failure.reason, failure.domain) == ("REVISION_EXPIRED", "ai_studio")
                assert "list" in failure.message
    finally:
        await server.stop(0)


async def test_a_project_watch_starts_with_the_project_and_ends_with_its_deletion(pair) -> None:
    writer, watcher = pair
    project = await create(writer, "Watched")
    other = await create(writer, "Not watched")
    call = watcher.WatchProject(pbs.WatchProjectRequest(id=project.id))

    assert (await next_change(call)).project == project
    await rename(writer, other.id, "Still not watched")
    renamed = await rename(writer, project.id, "Renamed")
    assert (await next_change(call)).project == renamed
    await writer.DeleteProject(pbs.DeleteProjectRequest(id=project.id))
    deleted = await next_change(call)
    assert deleted.deleted_id == project.id and deleted.revision > renamed.revision
    assert await asyncio.wait_for(call.read(), PATIENCE_S) is grpc.aio.EOF
    assert await call.code() == grpc.StatusCode.OK


async def test_a_project_watch_resumes_and_an_unknown_project_is_not_found(pair) -> None:
    writer, watcher = pair
    project = await create(writer, "Watched")
    renamed = await rename(writer, project.id, "Renamed")

    call = watcher.WatchProject(
        pbs.WatchProjectRequest(id=project.id, after_revision=project.revision)
    )
    assert (await next_change(call)).project == renamed
    call.cancel()

    for request in (
        pbs.WatchProjectRequest(id="unknown"),
        pbs.WatchProjectRequest(id="unknown", after_revision=1),
    ):
        failure = await rpc_failure(watcher.WatchProject(request).read())
        assert (failure.code, failure.reason) == (grpc.StatusCode.NOT_FOUND, "PROJECT_NOT_FOUND")


async def test_shutdown_ends_the_streams_cleanly(tmp_path: Path) -> None:
    server = await started(tmp_path)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = ProjectServiceStub(channel)
        project = await create(stub, "Watched")
        calls = [
            stub.WatchProjects(pbs.WatchProjectsRequest()),
            stub.WatchProject(pbs.WatchProjectRequest(id=project.id)),
        ]
        for call in calls:
            await next_change(call, bookmarks=True)
        await server.stop(5)
        for call in calls:
            while (message := await asyncio.wait_for(call.read(), PATIENCE_S)) is not grpc.aio.EOF:
                assert not message.WhichOneof("change")  # bookmarks, then the end
            assert await call.code() == grpc.StatusCode.OK
