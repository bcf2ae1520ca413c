"""The README walk-through as a Short (issues #11, #13): `"aspect_ratio": "9:16",
"subtitles": true`, through the real edge, orchestrator and script, audio and image
services. The audio service's captions land on the project as `captions_url`, the
pictures are drawn upright, and the render request carries the aspect, the subtitles
and the captions: asserted on a recording fake video service. The reference video
service's vertical MP4 of such a request, through every process, is test_providers.py's
(the video service renders what it is sent, whoever made the pictures and the voice)."""

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from PIL import Image

from fakes.microservice import FakeService
from tests.e2e.processes import BEES, call, download, free_port, start_product, until_ready
from tests.microservices.helpers_captions import assert_captions, fetch_captions
from tests.microservices.helpers_media import probe

pytestmark = pytest.mark.e2e

SHORT = {"aspect_ratio": "9:16", "subtitles": True}


@pytest.fixture
async def video_fake() -> AsyncIterator[FakeService]:
    """A recording video service on loopback, for the orchestrator's process to call."""
    fake = FakeService()
    runner = web.AppRunner(fake.app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    fake.base_url = f"http://127.0.0.1:{port}"
    yield fake
    await runner.cleanup()


async def walk_through(
    session: aiohttp.ClientSession, base: str, tmp_path: Path
) -> tuple[str, dict[str, Any]]:
    """The README's steps for a Short; the project's URL and the project once drawn."""
    await until_ready(session, base)
    project = await call(session, "POST", f"{base}/projects", {**BEES, **SHORT})
    assert {k: project[k] for k in SHORT} == SHORT and project["captions_url"] is None
    url = f"{base}/projects/{project['id']}"
    await call(session, "POST", f"{url}/generate-script", {"style": "casual"})
    spoken = await call(session, "POST", f"{url}/generate-audio", {"voice_id": "nova"})
    assert spoken["captions_url"] and spoken["captions_url"].endswith(".vtt"), spoken
    cues = await fetch_captions(session, spoken["captions_url"])
    narration = probe(await download(session, spoken["audio_path"], tmp_path / "voice.mp3"))
    assert_captions(cues, spoken["script_text"], narration.duration)
    # The quickest style: the aspect is the point here, not the drawing.
    drawn = await call(session, "POST", f"{url}/generate-images", {"style": "flat_design"})
    for scene in drawn["images"]:
        async with session.get(scene["url"]) as answer:
            picture = Image.open(io.BytesIO(await answer.read()))
        assert picture.height > picture.width, "drawn upright for 9:16"
    return url, drawn


async def rendered(session: aiohttp.ClientSession, url: str, within: float) -> dict[str, Any]:
    queued = await call(session, "POST", f"{url}/generate-video", {"resolution": "720p"})
    assert {k: queued["video_job"]["requested"][k] for k in SHORT} == SHORT
    async with asyncio.timeout(within):
        while (done := await call(session, "GET", url))["status"] != "video_ready":
            assert done["video_job"]["state"] in ("queued", "rendering"), done["video_job"]
            await asyncio.sleep(0.5)
    return done


async def test_a_short_sends_its_aspect_subtitles_and_captions_to_the_video_service(
    tmp_path: Path, video_fake: FakeService
) -> None:
    base, processes = start_product(tmp_path, {}, {"video": video_fake.base_url})
    try:
        async with aiohttp.ClientSession() as session:
            url, drawn = await walk_through(session, base, tmp_path)
            done = await rendered(session, url, within=30)
    finally:
        for process in processes:
            process.stop()

    (render,) = video_fake.received
    assert render.path == "/render"
    assert render.body == {
        "audio_path": drawn["audio_path"],
        "images": [{"prompt": s["prompt"], "url": s["url"]} for s in drawn["images"]],
        "resolution": "720p",
        "fps": 30,
        "template": "basic_fade",
        "background_music": "none",
        "aspect_ratio": "9:16",
        "subtitles": True,
        "captions_url": drawn["captions_url"],
    }
    assert {k: done[k] for k in SHORT} == SHORT
