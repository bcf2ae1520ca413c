"""The audio service over real HTTP: real speech from eSpeak NG encoded to MP3, fetched
back from the URL it answers and checked with ffmpeg; voices, speed, pitch and
languages; validation; media served safely; failures of the engine and the encoder;
the scaffold's health, request ids and shutdown."""

import array
import asyncio
import hashlib
import itertools
import math
import operator
import os
import re
import statistics
import typing
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest

from microservices.audio import speech
from microservices.audio.app import create_app
from microservices.audio.config import AudioSettings
from microservices.audio.models import Language, VoiceId
from microservices.audio.voices import LANGUAGES, VOICES, voice_for
from tests.fakes.ffmpeg_runs import ffmpeg
from tests.microservices.helpers_captions import assert_captions, fetch_captions
from tests.microservices.helpers_logs import logged_for
from tests.microservices.helpers_speech import (
    assert_error,
    fields_of,
    raw_status,
    service_process,
)

MEDIA_URL = re.compile(r"http://127\.0\.0\.1:\d+/media/audio/[0-9a-f]{32}\.mp3")
VTT_URL = re.compile(r"http://127\.0\.0\.1:\d+/media/captions/[0-9a-f]{32}\.vtt")

SENTENCES = {
    "en": "Bees dance to tell each other where the flowers are.",
    "fr": "Les abeilles dansent pour indiquer où se trouvent les fleurs.",
    "es": "Las abejas bailan para indicar dónde están las flores.",
    "de": "Bienen tanzen, um einander zu zeigen, wo die Blumen sind.",
    "it": "Le api danzano per indicare dove si trovano i fiori.",
    "pt": "As abelhas dançam para mostrar onde estão as flores.",
}


@pytest.fixture
def settings(tmp_path) -> AudioSettings:
    return AudioSettings(media_dir=tmp_path / "media", synth_processes=0)


@pytest.fixture
async def client(aiohttp_client, settings):
    return await aiohttp_client(create_app(settings))


def request(**changes) -> dict:
    body = {
        "script_text": SENTENCES["en"],
        "voice_id": "alloy",
        "audio_speed": 1.0,
        "audio_pitch": 1.0,
        "language": "en",
    }
    return body | changes


async def generate(client, body: dict) -> tuple[dict, bytes]:
    """The answer, and the MP3 fetched back from its URL."""
    response = await client.post("/generate", json=body)
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert set(answer) == {"url", "duration", "captions_url"}
    assert MEDIA_URL.fullmatch(answer["url"]), answer["url"]
    assert VTT_URL.fullmatch(answer["captions_url"]), answer["captions_url"]
    assert isinstance(answer["duration"], float) and answer["duration"] > 0
    async with client.session.get(answer["url"]) as media:
        assert media.status == 200
        assert media.headers["Content-Type"] == "audio/mpeg"
        data = await media.read()
    cues = await fetch_captions(client.session, answer["captions_url"])
    assert_captions(cues, body["script_text"], answer["duration"])
    return answer, data


async def ffmpeg_duration(data: bytes, tmp_path: Path) -> float:
    """Decode the whole MP3 with ffmpeg; the duration it reports."""
    path = tmp_path / f"check-{hashlib.sha1(data).hexdigest()}.mp3"
    path.write_bytes(data)
    _, said = await ffmpeg(
        *("-hide_banner", "-nostdin", "-v", "info", "-xerror", "-i", str(path), "-f", "null", "-")
    )
    assert "Audio: mp3" in said, said
    h, m, s = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", said).groups()
    return int(h) * 3600 + int(m) * 60 + float(s)


def assert_close(measured: float, answered: float) -> None:
    assert abs(measured - answered) <= 0.05 * answered, (measured, answered)


# --- speech ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", typing.get_args(Language))
async def test_speaks_each_language_into_a_decodable_mp3(client, tmp_path, language):
    answer, data = await generate(
        client, request(script_text=SENTENCES[language], language=language)
    )
    assert data[:3] == b"ID3" or data[0] == 0xFF  # an MP3 stream
    assert 1.5 < answer["duration"] < 10
    assert_close(await ffmpeg_duration(data, tmp_path), answer["duration"])


async def decoded(data: bytes, rate: int = 8000) -> array.array:
    """The MP3 decoded by ffmpeg to 16-bit mono PCM at `rate`."""
    pcm, _ = await ffmpeg(
        *("-v", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"),
        given=data,
    )
    return array.array("h", pcm[: len(pcm) // 2 * 2])


def fundamental(samples: array.array, rate: int = 8000) -> float:
    """The median pitch (Hz) of the voiced frames, by normalised autocorrelation."""
    size, shortest, longest = 256, rate // 400, rate // 60
    frames = []
    for start in range(0, len(samples) - size - longest, size):
        frame = samples[start : start + size + longest]
        mean = sum(frame) / len(frame)
        centred = [v - mean for v in frame]
        frames.append((sum(v * v for v in centred[:size]), centred))
    loudest = max(energy for energy, _ in frames)
    pitches = []
    for energy, frame in frames:
        if energy < 0.1 * loudest:
            continue  # silence or a consonant
        head = frame[:size]
        best, best_lag = 0.0, 0
        for lag in range(shortest, longest + 1):
            tail = frame[lag : lag + size]
            norm = math.sqrt(energy * sum(map(operator.mul, tail, tail))) or 1.0
            score = sum(map(operator.mul, head, tail)) / norm
            if score > best:
                best, best_lag = score, lag
        if best > 0.6:
            pitches.append(rate / best_lag)
    return statistics.median(pitches)


async def test_each_voice_sounds_different(client):
    text = SENTENCES["en"] + " It is a wonderful thing."
    heard, pitch, duration = set(), {}, {}
    for voice_id in typing.get_args(VoiceId):
        answer, data = await generate(client, request(voice_id=voice_id, script_text=text))
        heard.add(hashlib.sha256(data).digest())
        pitch[voice_id] = fundamental(await decoded(data))
        duration[voice_id] = answer["duration"]
    assert len(heard) == len(VOICES) == 6
    assert len(set(duration.values())) == 6  # each its own rate
    male, female = ("echo", "fable", "onyx"), ("alloy", "nova", "shimmer")
    assert max(pitch[v] for v in male) * 1.3 < min(pitch[v] for v in female), pitch
    assert min(pitch, key=pitch.get) == "onyx", pitch  # the deep one
    ordered = sorted(pitch.values())
    assert all(b > a * 1.04 for a, b in itertools.pairwise(ordered)), pitch


def test_every_voice_maps_to_an_espeak_variant_and_language():
    variants = Path(speech.espeakng_loader.get_data_path()) / "voices" / "!v"
    for profile in VOICES.values():
        assert (variants / profile.variant).is_file(), profile.variant
    assert len({p.variant for p in VOICES.values()}) == 6
    assert len({(p.pitch, p.range, p.rate) for p in VOICES.values()}) == 6
    assert voice_for("fable", "en", 1.0, 1.0).name == "en-gb-x-rp+m7"
    assert voice_for("fable", "fr", 1.0, 1.0).name == "fr+m7"
    names = {voice_for("alloy", language, 1.0, 1.0).name for language in LANGUAGES}
    assert names == {"en-us+f2", "fr+f2", "es+f2", "de+f2", "it+f2", "pt-br+f2"}


def test_every_voice_in_every_language_is_known_to_espeak(tmp_path):
    for language in LANGUAGES:
        for voice_id in VOICES:
            voice = voice_for(voice_id, language, 1.0, 1.0)
            spoken = speech.synthesize("Ok.", voice, tmp_path / "v.wav", 10)
            assert spoken.samples > 0, voice


def test_speed_and_pitch_scale_the_espeak_parameters():
    base = voice_for("echo", "en", 1.0, 1.0)
    fast = voice_for("echo", "en", 1.3, 1.0)
    high = voice_for("echo", "en", 1.0, 1.3)
    assert fast.rate == round(base.rate * 1.3) and fast.pitch == base.pitch
    assert high.pitch == round(base.pitch * 1.3) and high.rate == base.rate
    assert voice_for("onyx", "en", 0.7, 0.7).pitch < voice_for("onyx", "en", 1.0, 1.0).pitch


async def test_a_faster_speed_is_shorter(client):
    text = " ".join(SENTENCES["en"] for _ in range(3))
    slow, _ = await generate(client, request(script_text=text, audio_speed=0.7))
    normal, _ = await generate(client, request(script_text=text, audio_speed=1.0))
    fast, _ = await generate(client, request(script_text=text, audio_speed=1.3))
    assert slow["duration"] > normal["duration"] > fast["duration"]
    assert fast["duration"] < slow["duration"] * 0.75


async def test_pitch_raises_the_voice(client):
    _, low = await generate(client, request(audio_pitch=0.7))
    _, normal = await generate(client, request(audio_pitch=1.0))
    _, high = await generate(client, request(audio_pitch=1.3))
    pitches = [fundamental(await decoded(data)) for data in (low, normal, high)]
    assert pitches[0] < pitches[1] < pitches[2], pitches
    assert pitches[2] > pitches[0] * 1.15, pitches


async def test_an_integer_factor_is_a_number(client):
    answer, _ = await generate(client, request(audio_speed=1, audio_pitch=1))
    assert answer["duration"] > 0


async def test_the_same_request_gives_the_same_duration_at_a_new_url(client):
    # eSpeak draws the noise of its fricatives at random: the samples differ, not their count
    first, _ = await generate(client, request())
    second, _ = await generate(client, request())
    assert first["url"] != second["url"]
    assert abs(first["duration"] - second["duration"]) < 0.01 * first["duration"]


async def test_a_20000_character_script_while_the_loop_stays_free(client, settings, tmp_path):
    words = "The quick brown fox jumps over the lazy dog, then it rests by the river. "
    text = (words * 300)[:20000]
    task = asyncio.create_task(client.post("/generate", json=request(script_text=text)))
    await asyncio.sleep(0.2)  # synthesis or encoding under way
    # The service runs on this test's event loop: were the synthesis on it, no health
    # check would be answered before the script's answer.
    for _ in range(5):
        health = await client.get("/healthz")
        assert health.status == 200
        assert not task.done(), "answered while the long script was being spoken"
        await asyncio.sleep(0.1)
    response = await task
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert answer["duration"] > 600  # ~3000 words: more than ten minutes of speech
    async with client.session.get(answer["url"]) as media:
        data = await media.read()
    assert_close(await ffmpeg_duration(data, tmp_path), answer["duration"])
    cues = await fetch_captions(client.session, answer["captions_url"])
    assert_captions(cues, text, answer["duration"])
    # only the MP3 and its captions are left: no work files
    assert sorted(p.suffix for p in settings.media_dir.rglob("*") if p.is_file()) == [
        ".mp3",
        ".vtt",
    ]


async def test_requests_at_once(client):
    bodies = [request(voice_id=v, script_text=f"Number {i}.") for i, v in enumerate(VOICES)]
    responses = await asyncio.gather(*(client.post("/generate", json=b) for b in bodies))
    urls = set()
    for response in responses:
        assert response.status == 200
        urls.add((await response.json())["url"])
    assert len(urls) == len(bodies)


async def test_odd_text_is_spoken(client):
    text = "<speak>not SSML</speak> [[h@l'oU]] \x00\x07 tab\there \u2603 \U0001f600 100% & 3.5"
    answer, _ = await generate(client, request(script_text=text))
    assert answer["duration"] > 0.5


async def test_worker_processes(aiohttp_client, tmp_path):
    settings = AudioSettings(media_dir=tmp_path, synth_processes=1)
    client = await aiohttp_client(create_app(settings))
    answer, _ = await generate(client, request(voice_id="nova", language="pt"))
    assert answer["duration"] > 1


# --- failures -------------------------------------------------------------------------


async def test_an_encoder_that_cannot_run_is_500_and_leaves_nothing(aiohttp_client, tmp_path):
    settings = AudioSettings(media_dir=tmp_path, ffmpeg_path=str(tmp_path / "no-ffmpeg"))
    client = await aiohttp_client(create_app(settings))
    await assert_error(await client.post("/generate", json=request()), 500, "ENCODE_FAILED")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


async def test_an_encoder_that_fails_is_500(aiohttp_client, tmp_path):
    settings = AudioSettings(media_dir=tmp_path, ffmpeg_path="/bin/false")
    client = await aiohttp_client(create_app(settings))
    await assert_error(await client.post("/generate", json=request()), 500, "ENCODE_FAILED")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


async def test_a_slow_encoder_is_killed_and_504(aiohttp_client, tmp_path):
    # An encoder that would run for an hour, and says who it is.
    slow = tmp_path / "slow-ffmpeg"
    pid_file = tmp_path / "encoder.pid"
    slow.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 3600\n")
    slow.chmod(0o755)
    media = tmp_path / "media"
    settings = AudioSettings(media_dir=media, ffmpeg_path=str(slow), encode_timeout_s=0.3)
    client = await aiohttp_client(create_app(settings))
    await assert_error(await client.post("/generate", json=request()), 504, "ENCODE_TIMEOUT")
    with pytest.raises(ProcessLookupError):  # killed, and reaped
        os.kill(int(pid_file.read_text()), 0)
    assert [p for p in media.rglob("*") if p.is_file()] == []


async def test_a_slow_synthesis_is_aborted_and_504(aiohttp_client, tmp_path):
    settings = AudioSettings(media_dir=tmp_path, synth_timeout_s=0.01)
    client = await aiohttp_client(create_app(settings))
    text = ("A long sentence that takes a while to speak, again and again. " * 300)[:20000]
    response = await client.post("/generate", json=request(script_text=text))
    await assert_error(response, 504, "SYNTHESIS_TIMEOUT")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    # the engine is fine afterwards
    settings_ok = AudioSettings(media_dir=tmp_path)
    answer, _ = await generate(await aiohttp_client(create_app(settings_ok)), request())
    assert answer["duration"] > 1


# --- validation -----------------------------------------------------------------------

INVALID = [
    ({"script_text": ""}, "script_text"),
    ({"script_text": "x" * 20001}, "script_text"),
    ({"script_text": " ... !? "}, "script_text"),  # nothing to speak
    ({"script_text": 5}, "script_text"),
    ({"script_text": None}, "script_text"),
    ({"voice_id": "bob"}, "voice_id"),
    ({"voice_id": "Alloy"}, "voice_id"),
    ({"voice_id": 1}, "voice_id"),
    ({"audio_speed": 0.69}, "audio_speed"),
    ({"audio_speed": 1.31}, "audio_speed"),
    ({"audio_speed": "1.0"}, "audio_speed"),
    ({"audio_speed": True}, "audio_speed"),
    ({"audio_speed": None}, "audio_speed"),
    ({"audio_pitch": 0}, "audio_pitch"),
    ({"audio_pitch": 2}, "audio_pitch"),
    ({"audio_pitch": [1]}, "audio_pitch"),
    ({"language": "xx"}, "language"),
    ({"language": "EN"}, "language"),
    ({"language": None}, "language"),
    ({"format": "wav"}, "format"),  # unknown field
]


@pytest.mark.parametrize(("change", "field"), INVALID)
async def test_invalid_fields_are_400(client, settings, change, field):
    response = await client.post("/generate", json=request() | change)
    body = await assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(body) == {field}
    assert list(settings.media_dir.iterdir()) == []


@pytest.mark.parametrize(
    "missing", ["script_text", "voice_id", "audio_speed", "audio_pitch", "language"]
)
async def test_missing_fields_are_400(client, missing):
    body = request()
    del body[missing]
    response = await client.post("/generate", json=body)
    assert fields_of(await assert_error(response, 400, "VALIDATION_ERROR")) == {missing}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{", "MALFORMED_JSON"),
        (b"", "MALFORMED_JSON"),
        (b'{"audio_speed": NaN}', "MALFORMED_JSON"),
        (b"[]", "INVALID_BODY"),
        (b'"hello"', "INVALID_BODY"),
        (b"1.0", "INVALID_BODY"),
        (b"null", "INVALID_BODY"),
    ],
)
async def test_bodies_that_are_not_a_json_object_are_400(client, raw, code):
    headers = {"Content-Type": "application/json"}
    response = await client.post("/generate", data=raw, headers=headers)
    await assert_error(response, 400, code)


# --- media ----------------------------------------------------------------------------


async def test_media_cannot_be_reached_outside_its_names(client, settings, tmp_path):
    answer, _ = await generate(client, request())
    key = urlsplit(answer["url"]).path.removeprefix("/media/")
    name = key.rsplit("/", 1)[1]
    (tmp_path / "secret.txt").write_text("secret")  # beside the media directory
    (settings.media_dir / "notes.txt").write_text("not ours")
    (settings.media_dir / f".{name[:32]}.wav").write_bytes(b"RIFF")  # a work file
    host, port = client.server.host, client.server.port
    assert await raw_status(host, port, f"/media/{key}") == 200
    for target in [
        "/media/../secret.txt",
        "/media/..%2fsecret.txt",
        "/media/%2e%2e%2fsecret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/..%5csecret.txt",
        "/media/..\\secret.txt",
        "/media//etc/passwd",
        "/media/%2fetc%2fpasswd",
        f"/media/{tmp_path}/secret.txt",
        "/media/notes.txt",
        f"/media/.{name[:32]}.wav",
        f"/media/{key.upper()}",
        f"/media/{name}",
        f"/media/audio/../audio/{name}",
        f"/media/{'0' * 32}.mp3",
        f"/media/{key}%00.txt",
        f"/media/{key}/..",
        "/media/",
    ]:
        assert await raw_status(host, port, target) == 404, target


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "engine": "espeak"}


async def test_log_lines_carry_the_forwarded_request_id(client, caplog):
    ours = await logged_for(client, caplog, request(), "req-audio-42")
    assert {"microservices.audio", "microservices.http"} <= {r.name for r in ours}
    assert any("spoke" in r.getMessage() for r in ours)


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("AUDIO_SERVICE_SYNTH_PROCESSES", "3")
    monkeypatch.setenv("AUDIO_SERVICE_MEDIA_DIR", "/tmp/elsewhere")
    settings = AudioSettings()
    assert settings.synth_processes == 3 and settings.media_dir == Path("/tmp/elsewhere")
    assert settings.port == 8102
    monkeypatch.delenv("AUDIO_SERVICE_MEDIA_DIR")
    assert AudioSettings().media_dir == Path("data/media/audio")


async def test_runs_as_a_module_and_stops_gracefully(tmp_path):
    env = {"AUDIO_SERVICE_MEDIA_DIR": str(tmp_path), "AUDIO_SERVICE_SYNTH_PROCESSES": "1"}
    async with service_process("microservices.audio", env) as (base, result):
        async with aiohttp.ClientSession() as session:
            headers = {"X-Request-ID": "proc-audio"}
            async with session.post(f"{base}/generate", json=request(), headers=headers) as r:
                assert r.status == 200
                url = (await r.json())["url"]
            assert url.startswith(f"{base}/media/")
            async with session.get(url) as media:
                assert media.status == 200
                assert len(await media.read()) > 1000
    code, lines = result
    assert code == 0
    assert any(line["request_id"] == "proc-audio" for line in lines)
