"""The whole generation flow through the real processes, started from the Procfile's
commands as `make run` starts them: a project goes from draft to video_ready over HTTP,
each microservice a FakeService in this test process that records what it receives."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from fakes.microservice import FakeService
from tests.e2e.processes import Process, environment, free_port, procfile, stack_env, wait_until
from tests.integration.helpers import idempotency_key

pytestmark = pytest.mark.e2e

SERVICES = ("script", "audio", "image", "video")
NEW_PROJECT = {
    "title": "Bees",
    "language": "fr",
    "images": [{"prompt": "A hive"}, {"prompt": "A meadow"}],
}


@pytest.fixture
async def fakes(aiohttp_server) -> dict[str, FakeService]:
    made = {}
    for name in SERVICES:
        made[name] = FakeService()
        made[name].base_url = str((await aiohttp_server(made[name].app)).make_url("")).rstrip("/")
    return made


@pytest.fixture
async def base(tmp_path: Path, fakes: dict[str, FakeService]) -> AsyncIterator[str]:
    """The edge's URL, with the orchestrator behind it dialing the fakes."""
    edge_port, grpc_port = free_port(), free_port()
    env = environment(
        **stack_env(tmp_path, edge_port, grpc_port),
        VIDEO_POLL_S="0.1",
        SHUTDOWN_GRACE_S="1",
        **{f"{name.upper()}_SERVICE_URL": fake.base_url for name, fake in fakes.items()},
    )
    commands = procfile()
    processes = [
        Process(commands[name], env, tmp_path / f"{name}.log") for name in ("orchestrator", "edge")
    ]
    url = f"http://127.0.0.1:{edge_port}"
    try:
        # The fakes answer on this loop: never block it, even while waiting.
        await asyncio.to_thread(wait_until, f"{url}/readyz")
        yield url
    finally:
        codes = [await asyncio.to_thread(p.stop) for p in reversed(processes)]  # edge first
        assert codes == [0, 0], "\n".join(p.log.read_text() for p in processes)


async def answer(call, status: int) -> Any:
    async with call as resp:
        assert resp.status == status, await resp.text()
        return await resp.json()


async def test_a_project_goes_from_draft_to_video_ready(
    base: str, fakes: dict[str, FakeService]
) -> None:
    def media(service: str, name: str) -> str:
        return f"{fakes[service].base_url}/media/{name}"

    def last(service: str) -> tuple[str, Any, str]:
        call = fakes[service].received[-1]
        return call.path, call.body, call.headers["X-Request-ID"]

    async with aiohttp.ClientSession(base_url=base) as http:

        async def step(route: str, body: dict, status: int = 200) -> Any:
            rid = {"X-Request-ID": "e2e-" + route.replace("/", "-")}
            return await answer(
                http.post(f"/projects/{pid}/{route}", json=body, headers=rid), status
            )

        created = await answer(http.post("/projects", json=NEW_PROJECT), 201)
        pid = created["id"]
        assert created["status"] == "draft"

        script = await step("generate-script", {"style": "comedic"})
        assert (script["status"], script["script_text"]) == (
            "script_generated",
            "A script about Bees.",
        )
        assert last("script") == (
            "/generate",
            {
                "title": "Bees",
                "description": "",
                "use_case": "explanation",
                "language": "fr",
                "style": "comedic",
            },
            "e2e-generate-script",
        )

        audio = await step("generate-audio", {"voice_id": "onyx"})
        assert (audio["status"], audio["audio_path"], audio["captions_url"]) == (
            "audio_ready",
            media("audio", "audio-0.mp3"),
            media("audio", "captions-1.vtt"),
        )
        assert last("audio") == (
            "/generate",
            {
                "script_text": "A script about Bees.",
                "voice_id": "onyx",
                "audio_speed": 1.0,
                "audio_pitch": 1.0,
                "language": "fr",
            },
            "e2e-generate-audio",
        )

        images = await step("generate-images", {"style": "pixar"})
        assert images["status"] == "images_ready"
        assert images["images"] == [
            {"prompt": "A hive", "url": media("image", "image-0.png")},
            {"prompt": "A meadow", "url": media("image", "image-1.png")},
        ]
        assert last("image") == (
            "/generate-batch",
            {
                "images": [{"prompt": "A hive"}, {"prompt": "A meadow"}],
                "style": "pixar",
                "aspect_ratio": "16:9",
            },
            "e2e-generate-images",
        )

        one = await step("generate-images/1", {"prompt": "A bigger meadow"})
        assert one == {"image_url": media("image", "image-2.png"), "scene_index": 1}
        assert last("image") == (
            "/generate",
            {"prompt": "A bigger meadow", "style": "pixar", "aspect_ratio": "16:9"},
            "e2e-generate-images-1",
        )

        queued = await step("generate-video", {"resolution": "720p", "fps": 24}, 202)
        assert queued["status"] == "processing" and queued["project_id"] == pid
        assert queued["video_job"]["state"] == "queued"

        async with asyncio.timeout(10):
            while True:
                project = await answer(http.get(f"/projects/{pid}"), 200)
                if project["video_job"]["state"] not in ("queued", "rendering"):
                    break
                await asyncio.sleep(0.05)

    assert project["video_job"]["state"] == "succeeded", project["video_job"]
    assert project["status"] == "video_ready"
    assert (project["video_url"], project["thumbnail"], project["duration"]) == (
        media("video", "video-0.mp4"),
        media("video", "thumb-1.jpg"),
        30.0,
    )
    assert (project["resolution"], project["fps"]) == ("720p", 24)
    (render,) = fakes["video"].received
    assert render.path == "/render"
    assert render.body == {
        "audio_path": media("audio", "audio-0.mp3"),
        "images": [
            {"prompt": "A hive", "url": media("image", "image-0.png")},
            {"prompt": "A bigger meadow", "url": media("image", "image-2.png")},
        ],
        "resolution": "720p",
        "fps": 24,
        "template": "basic_fade",
        "background_music": "none",
        "aspect_ratio": "16:9",
        "subtitles": False,
        "captions_url": media("audio", "captions-1.vtt"),
    }
    assert render.headers["Idempotency-Key"] == idempotency_key(pid, project["video_job"])
    assert render.headers["X-Request-ID"] == f"job-{pid}"
    assert [len(fakes[name].received) for name in SERVICES] == [1, 1, 2, 1]
