"""The walk-through with real-model providers (issue #11's "done when", as a Short from
issue #13): every process of the product, the audio service on a fake OpenAI-compatible
speech API and the image service on a fake OpenAI images API, both on loopback, speaking
the real wire formats and recording what they receive. The MP4 at the end is vertical,
its narration is the speech provider's audio, its pictures are the image provider's, and
the project holds the captions of what was said."""

from pathlib import Path

import aiohttp
import pytest
from PIL import Image
from yarl import URL

from tests.e2e.processes import call, create_project, download, until_ready, until_video_ready
from tests.fakes.picture_providers import COLOURS, FakeOpenAI
from tests.fakes.speech_providers import FREQUENCY, FakeOpenAISpeech, decoded, heard_frequency
from tests.microservices.helpers_captions import assert_captions, fetch_captions
from tests.microservices.helpers_media import probe, run_ffmpeg

pytestmark = pytest.mark.e2e
KEY = "sk-e2e-provider-key"
SCENES = ["scene 0: a bee on a flower", "scene 1: a beehive"]
# What is spoken: four sentences (the provider is called per sentence), about 6 s of the
# fake's tone, rather than the generated script's minute: the providers' way to the MP4
# is the point here. The generated script spoken through the processes is
# test_short_form's.
SAID = (
    "Bees carry pollen from flower to flower. Many of our fruits need them. "
    "A hive can hold fifty thousand bees. Without them, the fields go quiet."
)


@pytest.fixture
async def speech_api(aiohttp_server) -> tuple[FakeOpenAISpeech, str]:
    fake = FakeOpenAISpeech(KEY)
    server = await aiohttp_server(fake.app)
    return fake, str(server.make_url("/v1"))


@pytest.fixture
async def images_api(aiohttp_server) -> FakeOpenAI:
    fake = FakeOpenAI()
    fake.answer_urls = True  # pictures handed out as URLs: fetched under the fetch policy
    server = await aiohttp_server(fake.app)
    fake.base_url = str(server.make_url("")).rstrip("/")
    return fake


def colour_at(video: Path, seconds: float, out: Path) -> tuple[int, ...]:
    """The colour at the middle of the frame shown at `seconds` (subtitles sit lower)."""
    run_ffmpeg("-ss", f"{seconds}", "-i", str(video), "-frames:v", "1", str(out))
    with Image.open(out) as frame:
        rgb = frame.convert("RGB")
        return rgb.getpixel((rgb.width // 2, rgb.height // 2))  # type: ignore[return-value]


def near(colour: tuple[int, ...], expected: tuple[int, int, int], within: int = 16) -> bool:
    return all(abs(a - b) <= within for a, b in zip(colour, expected, strict=True))


@pytest.fixture
def product_env(speech_api, images_api) -> dict[str, str]:
    """The product's audio and image services on the fake providers."""
    _, speech_url = speech_api
    return {
        "AUDIO_SERVICE_PROVIDER": "openai",
        "AUDIO_SERVICE_PROVIDER_URL": speech_url,
        "AUDIO_SERVICE_PROVIDER_API_KEY": KEY,
        "IMAGE_SERVICE_PROVIDER": "openai",
        "IMAGE_SERVICE_PROVIDER_URL": images_api.base_url + "/v1",
        "IMAGE_SERVICE_PROVIDER_API_KEY": KEY,
        "IMAGE_SERVICE_PROVIDER_MODEL": "dall-e-3",
        # The fake hands its pictures out on loopback: an origin this deployment trusts.
        "IMAGE_SERVICE_FETCH_TRUSTED_ORIGINS": str(URL(images_api.base_url).origin()),
    }


async def test_a_short_made_by_providers(product, speech_api, images_api, tmp_path):
    speech, _ = speech_api
    async with aiohttp.ClientSession() as session:
        await until_ready(session, product)
        body = {
            "title": "Why bees matter",
            "aspect_ratio": "9:16",
            "subtitles": True,
            "images": [{"prompt": p} for p in SCENES],
        }
        url = await create_project(session, product, body)
        await call(session, "POST", f"{url}/generate-script", {"style": "casual"})
        said = {"voice_id": "nova", "script_text": SAID}
        spoken = await call(session, "POST", f"{url}/generate-audio", said)
        drawn = await call(session, "POST", f"{url}/generate-images", {"style": "anime"})
        settings = {"resolution": "720p", "fps": 24, "template": "basic_fade"}
        await call(session, "POST", f"{url}/generate-video", settings)
        done = await until_video_ready(session, url)
        narration = await download(session, done["audio_path"], tmp_path / "voice.mp3")
        video = await download(session, done["video_url"], tmp_path / "short.mp4")
        cues = await fetch_captions(session, done["captions_url"])
        pictures = [
            await download(session, s["url"], tmp_path / f"{k}.png")
            for k, s in enumerate(done["images"])
        ]

    # Speech: the provider spoke the script with the contract's voice, with our key.
    assert speech.received and all(r.body["voice"] == "nova" for r in speech.received)
    assert all(r.headers["Authorization"] == f"Bearer {KEY}" for r in speech.received)
    # (one call per sentence, some at once: compared as a multiset of words)
    spoken_words = " ".join(r.body["input"] for r in speech.received).split()
    assert sorted(spoken_words) == sorted(SAID.split())
    pcm = decoded(narration.read_bytes())  # 16-bit mono at 24 kHz
    assert abs(heard_frequency(pcm) - FREQUENCY) < FREQUENCY * 0.05
    # Captions: on the project, timed within the narration, the script's words.
    assert done["captions_url"] == spoken["captions_url"]
    # Against the narration's length to the sample: `ffmpeg -i` says it to 10 ms only,
    # and the last cue of a short script may end within those.
    assert_captions(cues, SAID, len(pcm) / 2 / 24000)
    # Pictures: one call per scene, vertical, the provider's own pixels, fetched by URL.
    assert [r.body["size"] for r in images_api.received] == ["1024x1792", "1024x1792"]
    prompts = [r.body["prompt"] for r in images_api.received]
    assert sorted(next(p for p in SCENES if p in prompt) for prompt in prompts) == SCENES
    assert len(images_api.downloads) == 2
    for k, path in enumerate(pictures):
        with Image.open(path) as picture:
            assert picture.size == (1080, 1920)
            assert picture.convert("RGB").getpixel((540, 960)) == COLOURS[k]
    assert [s["url"] for s in drawn["images"]] == [s["url"] for s in done["images"]]
    # The video: vertical, the provider's voice and the provider's pictures in order.
    info = probe(video)
    assert info.size == (720, 1280)
    assert abs(info.duration - probe(narration).duration) < 0.5
    assert abs(heard_frequency(decoded(video.read_bytes())) - FREQUENCY) < FREQUENCY * 0.05
    assert near(colour_at(video, 0.2, tmp_path / "first.png"), COLOURS[0])
    last = colour_at(video, info.duration - 0.3, tmp_path / "last.png")
    assert near(last, COLOURS[1])
