"""The edge's read cache, kept coherent by the change feed: two edges and a direct gRPC
writer interleave writes and reads in a random order; every edge reads its own writes,
each client's reads never go back in revisions, both edges converge on the store's
projects, and once the orchestrator is stopped reads fail rather than go stale. The
steps whose answer holds no project (a scene drawn again, a render queued) store the
project's new version in the cache rather than drop it."""

import asyncio
import json
import logging
import random
from pathlib import Path
from typing import Any

import grpc
import pytest
from ai_studio.v1 import project_service_pb2 as pbs
from ai_studio.v1.project_pb2 import Project
from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub
from aiohttp.test_utils import TestClient
from google.protobuf.field_mask_pb2 import FieldMask
from pydantic import SecretStr

from edge.app import create_app
from edge.config import EdgeSettings
from edge.keys import CACHE
from orchestrator.config import OrchestratorSettings
from orchestrator.server import Orchestrator, create_server
from tests.integration.edge_cache import PATIENCE_S, live
from tests.integration.helpers import Api, Fakes

RENDERABLE: dict[str, Any] = {
    "title": "Cached",
    "status": "images_ready",
    "script_text": "Bees dance.",
    "audio_path": "https://cdn.example/audio.mp3",
    "images": [
        {"prompt": "A hive", "url": "https://cdn.example/1.png"},
        {"prompt": "A bee", "url": "https://cdn.example/2.png"},
    ],
}


@pytest.fixture
def orchestrator(stack: Orchestrator) -> Orchestrator:
    """The conftest's client reaches the orchestrator wired to the fake services."""
    return stack


async def revision_read(client: TestClient, project_id: str) -> int:
    resp = await client.get(f"/projects/{project_id}")
    assert resp.status == 200, await resp.text()
    return int((await resp.json())["revision"])


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_two_edges_and_a_grpc_writer_stay_coherent(
    seed: int, tmp_path: Path, aiohttp_client
) -> None:
    rng = random.Random(seed)
    server = await create_server(
        OrchestratorSettings(orchestrator_address="127.0.0.1:0", data_dir=tmp_path)
    )
    await server.start()
    stopped = False
    try:
        settings = EdgeSettings(orchestrator_address=f"127.0.0.1:{server.port}")
        edges = [await aiohttp_client(create_app(settings)) for _ in range(2)]
        for edge in edges:
            await live(edge)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = ProjectServiceStub(channel)
            ids = []
            for k in range(3):
                resp = await edges[k % 2].post("/projects", json={"title": f"p{k}"})
                ids.append((await resp.json())["id"])
            seen = [dict.fromkeys(ids, 0) for _ in edges]  # per edge: the last revision read

            for step in range(150):
                project_id = rng.choice(ids)
                actor = rng.randrange(3)
                if rng.random() < 0.4:  # a write
                    title = f"step {step}"
                    if actor == 2:
                        await stub.UpdateProject(
                            pbs.UpdateProjectRequest(
                                project=Project(id=project_id, title=title),
                                update_mask=FieldMask(paths=["title"]),
                            )
                        )
                        continue
                    edge = edges[actor]
                    resp = await edge.patch(f"/projects/{project_id}", json={"title": title})
                    written = int((await resp.json())["revision"])
                    read = await revision_read(edge, project_id)
                    assert read >= written, "an edge reads its own writes"
                    seen[actor][project_id] = max(seen[actor][project_id], read)
                else:
                    reader = actor % 2
                    read = await revision_read(edges[reader], project_id)
                    assert read >= seen[reader][project_id], "reads never go back"
                    seen[reader][project_id] = read

            for project_id in ids:
                truth = await stub.GetProject(pbs.GetProjectRequest(id=project_id))
                for edge in edges:
                    async with asyncio.timeout(PATIENCE_S):
                        while True:  # converges once the edge's stream brings it
                            if await revision_read(edge, project_id) == truth.revision:
                                break
                            await asyncio.sleep(0.01)
            assert all(edge.app[CACHE].entries for edge in edges), "the cache was used"

        await server.stop(0)
        stopped = True
        for edge in edges:
            for project_id in ids:
                resp = await edge.get(f"/projects/{project_id}")
                assert resp.status == 503, "never a stale project from a dead stream"
    finally:
        if not stopped:
            await server.stop(0)


async def test_the_cache_can_be_turned_off(orchestrator, aiohttp_client) -> None:
    settings = EdgeSettings(orchestrator_address=f"127.0.0.1:{orchestrator.port}", edge_cache=False)
    client = await aiohttp_client(create_app(settings))
    assert client.app[CACHE] is None
    resp = await client.post("/projects", json={"title": "Uncached"})
    assert (await client.get(f"/projects/{(await resp.json())['id']}")).status == 200


def cached_json(client: TestClient, project_id: str) -> dict[str, Any]:
    cache = client.app[CACHE]
    assert cache is not None and project_id in cache.entries, "the project is in the cache"
    return json.loads(cache.entries[project_id].body)


async def test_a_scene_drawn_again_and_a_queued_render_are_stored_not_dropped(
    client: TestClient, api: Api, fakes: Fakes
) -> None:
    await live(client)
    project = await api.create(**RENDERABLE)
    fakes.video.delay = 3600  # the render runs until the stack stops

    resp = await client.post(f"/projects/{project['id']}/generate-images/1", json={})
    assert resp.status == 200, await resp.text()
    url = (await resp.json())["image_url"]
    drawn = cached_json(client, project["id"])  # before any read: stored by the step
    assert drawn["images"][1]["url"] == url and drawn["revision"] > project["revision"]
    assert await api.get(project["id"]) == drawn

    resp = await client.post(f"/projects/{project['id']}/generate-video")
    assert resp.status == 202, await resp.text()
    queued = cached_json(client, project["id"])
    assert queued["video_job"] is not None and queued["revision"] > drawn["revision"]
    assert (await api.get(project["id"]))["revision"] >= queued["revision"]


def test_with_access_on_the_cache_needs_a_credential_of_the_edge_s_own(caplog) -> None:
    keys = SecretStr("ci:a-caller-key-0123456789")
    alone = EdgeSettings(auth_api_keys=keys)
    with caplog.at_level(logging.WARNING, logger="edge.app"):
        assert create_app(alone)[CACHE] is None
    assert "EDGE_CACHE_TOKEN" in caplog.text
    for own in (
        {"edge_cache_token": SecretStr("an-edge-cache-key-0123456789")},
        {"orchestrator_token": SecretStr("an-edge-key-0123456789")},
    ):
        assert create_app(EdgeSettings(auth_api_keys=keys, **own))[CACHE] is not None
