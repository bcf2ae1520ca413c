"""The whole product with a speech provider: the audio service pointed at a fake
OpenAI-compatible speech API on loopback (its real wire format, real MP3 tones back), a
project taken from its title to an MP4 through the REST API, whose narration is the
provider's audio; and the audio service's captions of such a narration."""

from pathlib import Path

import aiohttp
import pytest

from tests.e2e.processes import call, download, until_ready, until_video_ready
from tests.fakes.serving import served
from tests.fakes.speech_providers import FREQUENCY, FakeOpenAISpeech, decoded, heard_frequency
from tests.microservices.helpers_captions import assert_captions, fetch_captions
from tests.microservices.helpers_media import probe

pytestmark = pytest.mark.e2e
KEY = "sk-e2e-secret-key"


@pytest.fixture
async def speech_api(aiohttp_server) -> tuple[FakeOpenAISpeech, str]:
    return await served(aiohttp_server, FakeOpenAISpeech(KEY), "/v1")


@pytest.fixture
def product_env(speech_api) -> dict[str, str]:
    _, url = speech_api
    return {
        "AUDIO_SERVICE_PROVIDER": "openai",
        "AUDIO_SERVICE_PROVIDER_URL": url,
        "AUDIO_SERVICE_PROVIDER_API_KEY": KEY,
    }


def tone_of(path: Path) -> float:
    return heard_frequency(decoded(path.read_bytes()))


async def test_the_narration_is_the_providers(product, speech_api, tmp_path):
    fake, _ = speech_api
    base = product
    async with aiohttp.ClientSession() as session:
        await until_ready(session, base)
        images = [{"prompt": "a bee"}, {"prompt": "a hive"}]
        body = {"title": "Why bees matter", "images": images}
        project = await call(session, "POST", f"{base}/projects", body)
        url = f"{base}/projects/{project['id']}"
        await call(session, "POST", f"{url}/generate-script", {"style": "casual"})
        spoken = await call(session, "POST", f"{url}/generate-audio", {"voice_id": "onyx"})
        assert spoken["status"] == "audio_ready"
        await call(session, "POST", f"{url}/generate-images", {})
        await call(session, "POST", f"{url}/generate-video", {"resolution": "720p", "fps": 24})
        done = await until_video_ready(session, url)
        narration = await download(session, done["audio_path"], tmp_path / "voice.mp3")
        video = await download(session, done["video_url"], tmp_path / "video.mp4")
        # The project does not hold captions_url yet (a later change): ask the audio
        # service itself for the same narration, and read its captions.
        audio_service = done["audio_path"].split("/media/")[0]
        again = await call(
            session,
            "POST",
            f"{audio_service}/generate",
            {
                "script_text": done["script_text"],
                "voice_id": "onyx",
                "audio_speed": 1.0,
                "audio_pitch": 1.0,
                "language": "en",
            },
        )
        cues = await fetch_captions(session, again["captions_url"])
    assert_captions(cues, done["script_text"], again["duration"])
    assert fake.received and all(r.body["voice"] == "onyx" for r in fake.received)
    assert all(r.headers["Authorization"] == f"Bearer {KEY}" for r in fake.received)
    assert abs(tone_of(narration) - FREQUENCY) < FREQUENCY * 0.05
    assert abs(tone_of(video) - FREQUENCY) < FREQUENCY * 0.05
    assert abs(probe(video).duration - probe(narration).duration) < 0.5
