"""The audio service with a speech provider, against fakes on loopback that speak the
providers' real wire formats and record what they receive: the payloads, speed and
pitch (taken by the provider or applied with ffmpeg), splitting long scripts, retries
on 429/5xx honouring Retry-After, refusals (422), bad keys, answers not as documented
(502), the key kept out of every log line and answer; and the captions for each.

Against the real APIs when OPENAI_API_KEY / ELEVENLABS_API_KEY are set; skipped
otherwise."""

import logging
import os

import pytest

from common.logs import ContextFilter
from microservices.audio.app import create_app
from microservices.audio.config import AudioSettings
from microservices.audio.elevenlabs_speech import DEFAULT_VOICES
from tests.fakes.serving import served
from tests.fakes.speech_providers import (
    FREQUENCY,
    TONE_S_PER_CHAR,
    FakeElevenLabs,
    FakeOpenAISpeech,
    decoded,
    heard_frequency,
    seconds_for,
)
from tests.microservices.helpers_captions import assert_captions, fetch_captions
from tests.microservices.helpers_speech import assert_error, free_port

KEY = "sk-test-0123456789-secret"
SCRIPT = (
    "Bees dance to tell each other where the flowers are. "
    "The angle of the dance points to the sun! "
    "Does a longer dance mean a longer flight? It does."
)
SENTENCES = [
    "Bees dance to tell each other where the flowers are.",
    "The angle of the dance points to the sun!",
    "Does a longer dance mean a longer flight?",
    "It does.",
]


def request(**changes) -> dict:
    body = {
        "script_text": SCRIPT,
        "voice_id": "nova",
        "audio_speed": 1.0,
        "audio_pitch": 1.0,
        "language": "en",
    }
    return body | changes


async def generate(client, body: dict) -> tuple[dict, bytes, list]:
    response = await client.post("/generate", json=body)
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert set(answer) == {"url", "duration", "captions_url"}
    async with client.session.get(answer["url"]) as media:
        assert media.status == 200 and media.headers["Content-Type"] == "audio/mpeg"
        data = await media.read()
    cues = await fetch_captions(client.session, answer["captions_url"])
    assert_captions(cues, body["script_text"], answer["duration"])
    return answer, data, cues


def settings_for(tmp_path, url: str, provider: str, **changes) -> AudioSettings:
    values = {
        "media_dir": tmp_path / "media",
        "provider": provider,
        "provider_url": url,
        "provider_api_key": KEY,
        "provider_retry_budget_s": 5,
    }
    return AudioSettings(**(values | changes))


@pytest.fixture
async def openai(aiohttp_server) -> tuple[FakeOpenAISpeech, str]:
    return await served(aiohttp_server, FakeOpenAISpeech(KEY), "/v1")


@pytest.fixture
async def elevenlabs(aiohttp_server) -> tuple[FakeElevenLabs, str]:
    return await served(aiohttp_server, FakeElevenLabs(KEY))


@pytest.fixture
async def openai_client(aiohttp_client, tmp_path, openai):
    _, url = openai
    return await aiohttp_client(create_app(settings_for(tmp_path, url, "openai")))


@pytest.fixture
async def elevenlabs_client(aiohttp_client, tmp_path, elevenlabs):
    _, url = elevenlabs
    voices = {"nova": "my-own-nova"}
    settings = settings_for(tmp_path, url, "elevenlabs", provider_voices=voices)
    return await aiohttp_client(create_app(settings))


# --- OpenAI-compatible ------------------------------------------------------------------


async def test_openai_speaks_sentence_by_sentence(openai_client, openai, caplog):
    fake, _ = openai
    caplog.handler.addFilter(ContextFilter())
    caplog.set_level(logging.DEBUG)
    # the first sentence answers last: the pieces still come back in order
    fake.delays[SENTENCES[0]] = 0.3
    headers = {"X-Request-ID": "req-openai-1"}
    response = await openai_client.post("/generate", json=request(audio_speed=1.2), headers=headers)
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert sorted(r.body["input"] for r in fake.received) == sorted(SENTENCES)
    for received in fake.received:
        assert received.path == "/v1/audio/speech"
        assert received.headers["Authorization"] == f"Bearer {KEY}"
        assert received.headers["X-Request-ID"] == "req-openai-1"
        assert received.body == {
            "model": "gpt-4o-mini-tts",
            "input": received.body["input"],
            "voice": "nova",
            "speed": 1.2,  # OpenAI takes the speed itself
            "response_format": "mp3",
        }
    async with openai_client.session.get(answer["url"]) as media:
        data = await media.read()
    # the duration is the decoded audio's: the provider's pieces, in order, joined
    expected = sum(seconds_for(s) for s in SENTENCES)
    assert abs(answer["duration"] - expected) < 0.2, (answer["duration"], expected)
    assert abs(len(decoded(data)) / 2 / 24000 - answer["duration"]) < 0.1
    cues = await fetch_captions(openai_client.session, answer["captions_url"])
    assert_captions(cues, SCRIPT, answer["duration"])
    # sentence timings: each sentence's cues start where its audio does
    starts, at = [], 0.0
    for sentence in SENTENCES:
        starts.append(at)
        at += seconds_for(sentence)
    openers = {s.split()[0] for s in SENTENCES}
    sentence_starts = [c.start for c in cues if c.lines[0].split()[0] in openers]
    assert len(sentence_starts) == 4
    for got, want in zip(sentence_starts, starts, strict=True):
        assert abs(got - want) < 0.15, (sentence_starts, starts)
    assert KEY not in caplog.text
    assert any("openai call: 200" in r.getMessage() for r in caplog.records)


async def test_openai_pitch_is_applied_with_ffmpeg(openai_client, openai):
    fake, _ = openai
    plain, plain_data, _ = await generate(openai_client, request())
    high, high_data, _ = await generate(openai_client, request(audio_pitch=1.3))
    assert {r.body["speed"] for r in fake.received} == {1.0}  # pitch is not sent
    assert "pitch" not in fake.received[-1].body
    assert abs(heard_frequency(decoded(plain_data)) - FREQUENCY) < FREQUENCY * 0.03
    assert abs(heard_frequency(decoded(high_data)) - FREQUENCY * 1.3) < FREQUENCY * 0.05
    # the pitch changes, not the length
    assert abs(high["duration"] - plain["duration"]) < 0.1 * plain["duration"]


async def test_openai_splits_a_sentence_longer_than_its_limit(openai_client, openai):
    fake, _ = openai
    long_sentence = " ".join(f"word{i}" for i in range(1100))  # ~7,000 chars, no full stop
    script = f"A short start. {long_sentence}. The end."
    answer, _, _ = await generate(openai_client, request(script_text=script))
    inputs = [r.body["input"] for r in fake.received]
    assert len(inputs) == 2 + -(-len(long_sentence) // 4096)  # 3 pieces of it
    assert all(len(i) <= 4096 for i in inputs)
    assert " ".join(sorted(inputs, key=script.index)) == script
    assert answer["duration"] > 0.9 * seconds_for(script.replace(" ", ""))


async def test_a_429_is_retried_after_its_retry_after(openai_client, openai):
    fake, _ = openai
    error = {"error": {"message": "Rate limit", "type": "requests", "param": None, "code": None}}
    fake.answer_next(429, error, {"Retry-After": "1"})
    fake.answer_next(500, {"error": {"message": "boom", "type": "server_error"}})
    answer, _, _ = await generate(openai_client, request(script_text="One sentence only."))
    assert len(fake.received) == 3
    # That the wait is at least the one asked for: tests/unit/test_provider_waits.py.
    assert answer["duration"] > 0


async def test_endless_429_is_503_within_the_budget(aiohttp_client, tmp_path, openai):
    fake, url = openai
    settings = settings_for(tmp_path, url, "openai", provider_attempts=3)
    client = await aiohttp_client(create_app(settings))
    for _ in range(5):
        fake.answer_next(429, {"error": {"message": "slow down"}}, {"Retry-After": "0"})
    response = await client.post("/generate", json=request(script_text="Hello there."))
    await assert_error(response, 503, "PROVIDER_RATE_LIMITED")
    assert len(fake.received) == 3
    # a Retry-After past the budget is not waited for
    fake.script.clear()
    fake.received.clear()
    fake.answer_next(429, {"error": {"message": "slow down"}}, {"Retry-After": "3600"})
    response = await client.post("/generate", json=request(script_text="Hello there."))
    await assert_error(response, 503, "PROVIDER_RATE_LIMITED")
    assert len(fake.received) == 1
    assert [p for p in (tmp_path / "media").rglob("*") if p.is_file()] == []


async def test_a_refusal_is_422_naming_the_script(openai_client, openai):
    fake, _ = openai
    error = {
        "message": "Your request was rejected as a result of our safety system.",
        "type": "invalid_request_error",
        "param": None,
        "code": "content_policy_violation",
    }
    fake.answer_next(400, {"error": error})
    response = await openai_client.post("/generate", json=request(script_text="Say it."))
    body = await assert_error(response, 422, "CONTENT_REFUSED")
    assert body["errors"][0]["field"] == "script_text"
    assert "safety system" in body["detail"]


async def test_a_bad_key_is_a_clear_configuration_error(aiohttp_client, tmp_path, openai, caplog):
    fake, url = openai
    caplog.set_level(logging.DEBUG)
    settings = settings_for(tmp_path, url, "openai").model_copy(
        update={"provider_api_key": AudioSettings(provider_api_key="sk-wrong-key").provider_api_key}
    )
    client = await aiohttp_client(create_app(settings))
    response = await client.post("/generate", json=request())
    body = await assert_error(response, 502, "PROVIDER_AUTH_FAILED")
    assert "AUDIO_SERVICE_PROVIDER_API_KEY" in body["detail"]
    assert "sk-wrong-key" not in str(body) and "sk-wrong-key" not in caplog.text
    inputs = [r.body["input"] for r in fake.received]
    assert inputs and len(inputs) == len(set(inputs))  # no call retried
    assert all(r.headers["Authorization"] == "Bearer sk-wrong-key" for r in fake.received)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"audio": "not here"}', "application/json"),  # JSON, not audio
        (b"\x00\x01 this is no mp3 at all" * 40, "audio/mpeg"),  # undecodable
        (b"", "audio/mpeg"),  # nothing
        (b"<html>proxy login</html>", "text/html"),
    ],
)
async def test_an_answer_not_as_documented_is_502(
    openai_client, openai, tmp_path, body, content_type
):
    fake, _ = openai
    fake.answer_next(200, body, content_type=content_type)
    response = await openai_client.post("/generate", json=request(script_text="Just one."))
    await assert_error(response, 502, "PROVIDER_BAD_ANSWER")
    assert [p for p in (tmp_path / "media").rglob("*") if p.is_file()] == []  # no work file left


@pytest.mark.parametrize("status", [400, 404, 422])
async def test_other_errors_are_502(openai_client, openai, status):
    fake, _ = openai
    error = {"message": "no such model", "type": "invalid_request_error"}
    fake.answer_next(status, {"error": error})
    response = await openai_client.post("/generate", json=request(script_text="Just one."))
    await assert_error(response, 502, "PROVIDER_REJECTED")


async def test_an_unreachable_provider_is_502(aiohttp_client, tmp_path):
    url = f"http://127.0.0.1:{free_port()}/v1"
    settings = settings_for(tmp_path, url, "openai", provider_retry_budget_s=0.5)
    client = await aiohttp_client(create_app(settings))
    response = await client.post("/generate", json=request())
    await assert_error(response, 502, "PROVIDER_UNREACHABLE")


async def test_a_slow_provider_is_504(aiohttp_client, tmp_path, openai):
    fake, url = openai
    fake.delays["Slow."] = 2
    settings = settings_for(tmp_path, url, "openai", provider_timeout_s=0.3)
    client = await aiohttp_client(create_app(settings))
    response = await client.post("/generate", json=request(script_text="Slow."))
    await assert_error(response, 504, "PROVIDER_TIMEOUT")


async def test_health_names_the_engine_and_never_the_key(openai_client):
    response = await openai_client.get("/healthz")
    body = await response.json()
    assert body == {"status": "ok", "engine": "openai", "model": "gpt-4o-mini-tts"}
    assert KEY not in await response.text()


async def test_a_local_server_without_a_key(aiohttp_client, tmp_path):
    # kokoro-fastapi, LocalAI: no key, voices of their own
    fake = FakeOpenAISpeech()
    server = await aiohttp_client(fake.app)
    settings = AudioSettings(
        media_dir=tmp_path,
        provider="openai",
        provider_url=str(server.make_url("/v1")),
        provider_model="kokoro",
        provider_voices={"nova": "af_nova"},
        provider_takes_speed=False,  # it ignores `speed`: ffmpeg applies it
    )
    client = await aiohttp_client(create_app(settings))
    answer, _, _ = await generate(client, request(script_text="Local speech.", audio_speed=1.3))
    (received,) = fake.received
    assert "Authorization" not in received.headers
    assert received.body["model"] == "kokoro" and received.body["voice"] == "af_nova"
    assert received.body["speed"] == 1.0
    assert abs(answer["duration"] - seconds_for("Local speech.") / 1.3) < 0.1


# --- ElevenLabs -------------------------------------------------------------------------


async def test_elevenlabs_speaks_with_word_timings(elevenlabs_client, elevenlabs, caplog):
    fake, _ = elevenlabs
    caplog.set_level(logging.DEBUG)
    answer, _, cues = await generate(elevenlabs_client, request(voice_id="onyx"))
    (received,) = fake.received  # a short script is one call
    assert received.path == f"/v1/text-to-speech/{DEFAULT_VOICES['onyx']}/with-timestamps"
    assert received.query == {"output_format": "mp3_44100_128"}
    assert received.headers["xi-api-key"] == KEY
    assert received.body == {
        "text": SCRIPT,
        "model_id": "eleven_multilingual_v2",
        "language_code": "en",
        "voice_settings": {"speed": 1.0},
    }
    assert abs(answer["duration"] - seconds_for(SCRIPT)) < 0.15
    # word timings: each cue starts when the alignment says its first word does
    for cue in cues:
        first = cue.lines[0].split()[0]
        index = SCRIPT.index(first, max(0, round(cue.start / TONE_S_PER_CHAR) - 3))
        assert abs(cue.start - index * TONE_S_PER_CHAR) < 0.02, (cue, index)
    assert KEY not in caplog.text


async def test_elevenlabs_voices_map_and_speed_past_its_range_is_applied_after(
    elevenlabs_client, elevenlabs
):
    fake, _ = elevenlabs
    plain, _, plain_cues = await generate(elevenlabs_client, request())
    fast, _, cues = await generate(elevenlabs_client, request(audio_speed=1.3))
    slow, _, _ = await generate(elevenlabs_client, request(audio_speed=0.7, audio_pitch=0.8))
    speeds = [r.body["voice_settings"]["speed"] for r in fake.received]
    assert speeds == [1.0, 1.2, 0.7]  # ElevenLabs takes 0.7-1.2
    assert all("my-own-nova" in r.path for r in fake.received)
    # the fake ignores the speed, so what is left of it is ffmpeg's: 1.0, 1.3/1.2, 1.0
    assert abs(fast["duration"] - plain["duration"] * 1.2 / 1.3) < 0.1
    assert abs(slow["duration"] - plain["duration"]) < 0.1
    # the captions follow the tempo ffmpeg applied
    assert [c.text for c in cues] == [c.text for c in plain_cues]
    for sped, cue in zip(cues, plain_cues, strict=True):
        assert abs(sped.start - cue.start * 1.2 / 1.3) < 0.01, (sped, cue)


async def test_elevenlabs_splits_a_long_script_with_context(elevenlabs_client, elevenlabs):
    fake, _ = elevenlabs
    sentence = "The quick brown fox jumps over the lazy dog near the riverbank. "
    script = (sentence * 180).strip()  # ~11,500 characters
    answer, _, cues = await generate(elevenlabs_client, request(script_text=script))
    texts = [r.body["text"] for r in fake.received]
    assert len(texts) == 3 and all(len(t) <= 5000 for t in texts)
    ordered = sorted(fake.received, key=lambda r: script.index(r.body["text"]))
    assert " ".join(r.body["text"] for r in ordered) == script
    assert "previous_text" not in ordered[0].body and ordered[0].body["next_text"]
    assert ordered[1].body["previous_text"] and ordered[1].body["next_text"]
    assert "next_text" not in ordered[2].body
    # the second piece's words start after the first piece's audio
    first_piece = seconds_for(ordered[0].body["text"])
    second_start = next(c for c in cues if c.start >= first_piece - 0.05)
    assert second_start.lines[0].startswith("The quick")
    assert abs(answer["duration"] - sum(seconds_for(t) for t in texts)) < 0.5


async def test_elevenlabs_refusal_is_422(elevenlabs_client, elevenlabs):
    fake, _ = elevenlabs
    detail = {"status": "bad_prompt", "message": "Your text appears to violate our Terms."}
    fake.answer_next(400, {"detail": detail})
    response = await elevenlabs_client.post("/generate", json=request())
    body = await assert_error(response, 422, "CONTENT_REFUSED")
    assert body["errors"] == [
        {"field": "script_text", "message": "Your text appears to violate our Terms."}
    ]


async def test_elevenlabs_bad_key_is_a_clear_error(aiohttp_client, tmp_path, elevenlabs):
    fake, url = elevenlabs
    settings = settings_for(tmp_path, url, "elevenlabs").model_copy(
        update={"provider_api_key": AudioSettings(provider_api_key="xi-wrong").provider_api_key}
    )
    client = await aiohttp_client(create_app(settings))
    body = await assert_error(
        await client.post("/generate", json=request()), 502, "PROVIDER_AUTH_FAILED"
    )
    assert "xi-wrong" not in str(body)
    assert len(fake.received) == 1  # not retried


ALIGNMENT = {
    "characters": ["H", "i"],
    "character_start_times_seconds": [0.0, 0.1],
    "character_end_times_seconds": [0.1, 0.2],
}


@pytest.mark.parametrize(
    "body",
    [
        {"audio_base64": "not base64!!", "alignment": ALIGNMENT},
        {"audio_base64": "", "alignment": ALIGNMENT},
        {"alignment": ALIGNMENT},
        {"audio_base64": "SUQz"},  # no alignment
        {"audio_base64": "SUQz", "alignment": ALIGNMENT | {"characters": ["H"]}},
        {"audio_base64": "SUQz", "alignment": ALIGNMENT | {"character_end_times_seconds": [0, -1]}},
        {"audio_base64": "SUQzAAAA", "alignment": ALIGNMENT},  # base64, but not audio
        ["not", "an", "object"],
    ],
)
async def test_elevenlabs_answer_not_as_documented_is_502(elevenlabs_client, elevenlabs, body):
    fake, _ = elevenlabs
    fake.answer_next(200, body)
    response = await elevenlabs_client.post("/generate", json=request(script_text="Hi"))
    await assert_error(response, 502, "PROVIDER_BAD_ANSWER")


def test_elevenlabs_needs_a_key(tmp_path):
    with pytest.raises(ValueError, match="AUDIO_SERVICE_PROVIDER_API_KEY"):
        create_app(AudioSettings(media_dir=tmp_path, provider="elevenlabs"))


def test_provider_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("AUDIO_SERVICE_PROVIDER", "elevenlabs")
    monkeypatch.setenv("AUDIO_SERVICE_PROVIDER_API_KEY", KEY)
    monkeypatch.setenv("AUDIO_SERVICE_PROVIDER_VOICES", '{"alloy": "abc", "onyx": "def"}')
    settings = AudioSettings()
    assert settings.provider == "elevenlabs"
    assert settings.provider_voices == {"alloy": "abc", "onyx": "def"}
    assert KEY not in repr(settings) and KEY not in str(settings.model_dump())
    monkeypatch.setenv("AUDIO_SERVICE_PROVIDER_VOICES", '{"bob": "abc"}')
    with pytest.raises(ValueError, match="bob"):
        AudioSettings()


# --- the real APIs, when keys are given ---------------------------------------------------


@pytest.mark.skipif(not os.environ.get("OPENAI_API_KEY"), reason="OPENAI_API_KEY is not set")
async def test_real_openai(aiohttp_client, tmp_path):
    settings = AudioSettings(
        media_dir=tmp_path, provider="openai", provider_api_key=os.environ["OPENAI_API_KEY"]
    )
    client = await aiohttp_client(create_app(settings))
    answer, _, _ = await generate(client, request(script_text="Hello. This is a test."))
    assert answer["duration"] > 0.5


@pytest.mark.skipif(
    not os.environ.get("ELEVENLABS_API_KEY"), reason="ELEVENLABS_API_KEY is not set"
)
async def test_real_elevenlabs(aiohttp_client, tmp_path):
    settings = AudioSettings(
        media_dir=tmp_path,
        provider="elevenlabs",
        provider_api_key=os.environ["ELEVENLABS_API_KEY"],
    )
    client = await aiohttp_client(create_app(settings))
    answer, _, _ = await generate(client, request(script_text="Hello. This is a test."))
    assert answer["duration"] > 0.5


async def test_a_spent_quota_is_not_retried(openai_client, openai, elevenlabs_client, elevenlabs):
    fake, _ = openai
    error = {"message": "You exceeded your current quota.", "type": "insufficient_quota"}
    fake.answer_next(429, {"error": error | {"code": "insufficient_quota"}}, {"Retry-After": "0"})
    response = await openai_client.post("/generate", json=request(script_text="Once."))
    await assert_error(response, 502, "PROVIDER_QUOTA_EXCEEDED")
    assert len(fake.received) == 1
    fake, _ = elevenlabs
    detail = {"status": "quota_exceeded", "message": "This request exceeds your quota."}
    fake.answer_next(401, {"detail": detail})
    response = await elevenlabs_client.post("/generate", json=request(script_text="Once."))
    await assert_error(response, 502, "PROVIDER_QUOTA_EXCEEDED")
    assert len(fake.received) == 1
