"""The whole product offline, as `make run` starts it: edge, orchestrator and the four
reference services from the Procfile, a project taken from its title to a real MP4
through the REST API, and the MP4 inspected with ffmpeg itself."""

import io

import aiohttp
import pytest
from PIL import Image

from tests.e2e.processes import BEES, call, create_project, download, until_ready, until_video_ready
from tests.microservices.helpers_media import probe

pytestmark = pytest.mark.e2e

SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}


# One render through the processes, its template, resolution and fps each other than
# the default, so that each is seen to travel from the REST body to the MP4. Every
# template at each resolution and fps is the video service's tests' (test_video.py).
@pytest.mark.parametrize(("template", "resolution", "fps"), [("ken_burns", "720p", 24)])
async def test_a_project_becomes_a_playable_mp4(product, tmp_path, template, resolution, fps):
    base = product
    async with aiohttp.ClientSession() as session:
        await until_ready(session, base)
        url = await create_project(session, base, BEES)

        scripted = await call(session, "POST", f"{url}/generate-script", {"style": "casual"})
        assert scripted["status"] == "script_generated" and "bees" in scripted["script_text"]
        # A two-sentence narration for a render of seconds, not of a whole Short: the
        # settings' way to the MP4 is the point here. The generated script spoken by the
        # processes is test_short_form's walk-through (and, sent as stored, the audio
        # service's request in test_generation_flow).
        said = {"voice_id": "nova", "script_text": BEES["description"]}
        spoken = await call(session, "POST", f"{url}/generate-audio", said)
        assert spoken["status"] == "audio_ready" and spoken["audio_path"].endswith(".mp3")
        # The quickest style (each style is test_image.py's; the style sent through the
        # processes, test_generation_flow's).
        drawn = await call(session, "POST", f"{url}/generate-images", {"style": "flat_design"})
        assert drawn["status"] == "images_ready" and all(s["url"] for s in drawn["images"])
        redrawn = await call(session, "POST", f"{url}/generate-images/1", {"prompt": "a hive"})
        assert redrawn["scene_index"] == 1 and redrawn["image_url"].endswith(".png")

        queued = await call(
            session,
            "POST",
            f"{url}/generate-video",
            {
                "resolution": resolution,
                "fps": fps,
                "template": template,
                "background_music": "soft",
            },
        )
        assert queued["status"] == "processing"
        done = await until_video_ready(session, url)

        narration = probe(await download(session, done["audio_path"], tmp_path / "voice.mp3"))
        video = probe(await download(session, done["video_url"], tmp_path / "video.mp4"))
        async with session.get(done["thumbnail"]) as answer:
            thumbnail = Image.open(io.BytesIO(await answer.read()))

    assert abs(video.duration - narration.duration) <= 0.05 * narration.duration
    assert abs(done["duration"] - narration.duration) <= 0.05 * narration.duration
    assert [s.codec for s in video.of("Video")] == ["h264"]
    assert [s.codec for s in video.of("Audio")] == ["aac"]
    assert video.size == SIZES[resolution] and round(video.fps) == fps
    assert thumbnail.format == "JPEG" and thumbnail.size == SIZES[resolution]
    assert (done["resolution"], done["fps"], done["video_template_id"]) == (
        resolution,
        fps,
        template,
    )
