"""The progress of a render in flight, by its Idempotency-Key: ffmpeg's `-progress`
output read as it comes, GET /renders/{key} answering {progress, stage}."""

import asyncio
from pathlib import Path

import pytest
from aiohttp import web

from microservices.video import ffmpeg
from microservices.video.app import create_app
from microservices.video.config import VideoSettings
from tests.microservices.helpers_media import (
    FFMPEG,
    assert_error,
    make_image,
    make_tone,
    post_json,
    serve,
)


async def test_ffmpeg_reports_the_seconds_encoded_as_it_goes(tmp_path: Path) -> None:
    encoded: list[float] = []
    await ffmpeg.run(
        FFMPEG,
        ["-f", "lavfi", "-i", "sine=duration=3", "-c:a", "pcm_s16le", str(tmp_path / "a.wav")],
        60,
        "encode a tone",
        on_progress=encoded.append,
    )
    assert encoded and encoded == sorted(encoded)
    assert encoded[-1] == pytest.approx(3.0, abs=0.1)


@pytest.fixture
async def inputs(aiohttp_server, tmp_path: Path):
    root = tmp_path / "inputs"
    root.mkdir()
    make_tone(root / "narration.mp3", 3.0)
    make_image(root / "scene.png", 0)
    app = web.Application()
    app.router.add_static("/files", root)
    return await aiohttp_server(app)


async def test_a_renders_progress_is_answered_by_its_key(inputs, tmp_path: Path) -> None:
    settings = VideoSettings(
        host="127.0.0.1",
        port=0,
        media_dir=tmp_path / "media",
        # The inputs' server is on loopback, which the fetch policy trusts only when told.
        fetch_trusted_origins=str(inputs.make_url("/").origin()),
    )
    body = {
        "audio_path": str(inputs.make_url("/files/narration.mp3")),
        "images": [{"prompt": "a scene", "url": str(inputs.make_url("/files/scene.png"))}],
        "resolution": "720p",
        "fps": 24,
        "template": "basic_fade",
        "background_music": "none",
    }
    async with serve(create_app(settings), settings) as video:
        seen: list[tuple[str, float]] = []

        async def watch() -> None:
            while True:
                async with video.session.get(video.url("/renders/job-1:1")) as resp:
                    if resp.status == 200:
                        answer = await resp.json()
                        seen.append((answer["stage"], answer["progress"]))
                await asyncio.sleep(0.01)

        watching = asyncio.create_task(watch())
        status, answer = await post_json(video, "/render", body, {"Idempotency-Key": "job-1:1"})
        watching.cancel()
        assert status == 200, answer

        async with video.session.get(video.url("/renders/job-1:1")) as resp:
            assert await resp.json() == {"progress": 1.0, "stage": "done"}
        async with video.session.get(video.url("/renders/unknown")) as resp:
            assert_error(resp.status, await resp.json(), 404, "RENDER_NOT_FOUND")
    stages = [stage for stage, _ in seen]
    assert set(stages) <= {"queued", "fetching", "encoding", "done"}
    encoding = [progress for stage, progress in seen if stage == "encoding"]
    assert encoding == sorted(encoding) and all(0 <= p <= 1 for p in encoding)
