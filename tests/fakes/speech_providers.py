"""Fake speech providers on loopback, speaking the real wire formats (paths, headers,
bodies, error shapes) with real MP3 bytes made by ffmpeg: a tone of TONE_S_PER_CHAR
seconds per character of the text, so a test knows how long each call's audio is.

- OpenAI-compatible: POST {base}/audio/speech, `Authorization: Bearer <key>`,
  {model, input, voice, speed, response_format} -> the MP3 (audio/mpeg); errors are
  {"error": {"message", "type", "param", "code"}}.
- ElevenLabs: POST /v1/text-to-speech/{voice_id}/with-timestamps?output_format=...,
  `xi-api-key`, {text, model_id, voice_settings, ...} -> {"audio_base64", "alignment":
  {characters, character_start_times_seconds, character_end_times_seconds},
  "normalized_alignment"}; errors are {"detail": {"status", "message"}}.

Each records what it received (path, query, headers, JSON body, arrival time) and can be
scripted to answer something else for the next calls.
"""

import array
import asyncio
import base64
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from tests.fakes.ffmpeg_runs import FFMPEG, ffmpeg

TONE_S_PER_CHAR = 0.02
FREQUENCY = 220


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    at: float  # time.monotonic() on arrival


@dataclass
class Scripted:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


async def tone_mp3(seconds: float, frequency: int = FREQUENCY) -> bytes:
    """A real MP3 of a sine `seconds` long, made by ffmpeg."""
    out, _ = await ffmpeg(
        *("-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi"),
        *("-i", f"sine=frequency={frequency}:duration={seconds:.3f}:sample_rate=44100"),
        *("-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3", "-"),
    )
    return out


def seconds_for(text: str) -> float:
    return round(len(text) * TONE_S_PER_CHAR, 3)


class _Fake:
    def __init__(self, key: str) -> None:
        self.key = key
        self.received: list[Received] = []
        self.script: list[Scripted] = []
        self.delays: dict[str, float] = {}  # text -> seconds to wait before answering
        self.app = web.Application(client_max_size=8 * 1024 * 1024)

    def answer_next(self, status: int, body: object, headers: dict | None = None, **kw) -> None:
        raw = body if isinstance(body, bytes) else orjson.dumps(body)
        self.script.append(Scripted(status, raw, headers=headers or {}, **kw))

    async def _record(self, request: web.Request) -> Any:
        raw = await request.read()
        body = orjson.loads(raw) if raw else None
        self.received.append(
            Received(
                request.path, dict(request.query), dict(request.headers), body, time.monotonic()
            )
        )
        return body

    def _refused(self, request: web.Request) -> web.Response | None:
        """The provider's own 401 when the request's key is not ours (None: it is)."""
        raise NotImplementedError

    async def _begin(self, request: web.Request) -> tuple[Any, web.Response | None]:
        """Record the request; its body, and the answer due before any speech: the
        provider's 401 for a wrong key, else the next scripted one."""
        body = await self._record(request)
        refused = self._refused(request)
        return body, refused if refused is not None else self._scripted()

    async def _tone(self, text: str) -> bytes:
        """After the delay set for `text`, an MP3 tone as long as its speech would be."""
        await asyncio.sleep(self.delays.get(text, 0))
        return await tone_mp3(seconds_for(text))

    def _scripted(self) -> web.Response | None:
        if not self.script:
            return None
        s = self.script.pop(0)
        return web.Response(
            status=s.status, body=s.body, content_type=s.content_type, headers=s.headers
        )


class FakeOpenAISpeech(_Fake):
    def __init__(self, key: str = "") -> None:
        super().__init__(key)
        self.app.router.add_post("/v1/audio/speech", self._speech)

    def _refused(self, request: web.Request) -> web.Response | None:
        if not self.key or request.headers.get("Authorization") == f"Bearer {self.key}":
            return None
        error = {
            "message": "Incorrect API key provided.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
        return web.json_response({"error": error}, status=401)

    async def _speech(self, request: web.Request) -> web.Response:
        body, early = await self._begin(request)
        if early is not None:
            return early
        return web.Response(body=await self._tone(body["input"]), content_type="audio/mpeg")


class FakeElevenLabs(_Fake):
    def __init__(self, key: str = "") -> None:
        super().__init__(key)
        self.app.router.add_post("/v1/text-to-speech/{voice}/with-timestamps", self._speech)

    def _refused(self, request: web.Request) -> web.Response | None:
        if request.headers.get("xi-api-key") == self.key:
            return None
        detail = {"status": "invalid_api_key", "message": "Invalid API key"}
        return web.json_response({"detail": detail}, status=401)

    async def _speech(self, request: web.Request) -> web.Response:
        body, early = await self._begin(request)
        if early is not None:
            return early
        text = body["text"]
        audio = await self._tone(text)
        step = TONE_S_PER_CHAR
        alignment = {
            "characters": list(text),
            "character_start_times_seconds": [round(i * step, 3) for i in range(len(text))],
            "character_end_times_seconds": [round((i + 1) * step, 3) for i in range(len(text))],
        }
        return web.json_response(
            {
                "audio_base64": base64.b64encode(audio).decode(),
                "alignment": alignment,
                "normalized_alignment": alignment,
            }
        )


def decoded(data: bytes, rate: int = 24000) -> bytes:
    """Any audio ffmpeg reads, as 16-bit mono PCM at `rate`."""
    return subprocess.run(
        [
            *(FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-i", "-"),
            *("-vn", "-ac", "1", "-ar", str(rate), "-f", "s16le", "-"),
        ],
        input=data,
        capture_output=True,
        check=True,
    ).stdout


def heard_frequency(pcm: bytes, rate: int = 24000) -> float:
    """The frequency of the tones in 16-bit mono PCM: upward swings through zero (with
    hysteresis) over the time that sounds, in 10 ms windows (so the silences between
    pieces count for nothing)."""
    samples = array.array("h", pcm)
    window = rate // 100
    ups, sounding, low = 0, 0, False
    for at in range(0, len(samples) - window + 1, window):
        chunk = samples[at : at + window]
        if max(chunk) < 1000:
            continue
        sounding += window
        for v in chunk:
            if v < -1000:
                low = True
            elif v > 1000 and low:
                low, ups = False, ups + 1
    assert sounding > rate // 10, "hardly any sound"
    return ups / (sounding / rate)
