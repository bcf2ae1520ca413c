"""Speech from ElevenLabs: POST {url}/v1/text-to-speech/{voice_id}/with-timestamps with
the xi-api-key header; the answer is JSON, the MP3 in `audio_base64` and, in
`alignment`, when each character of the text was spoken: the captions' word timings.

The contract's six voice ids map to ElevenLabs voices (AUDIO_SERVICE_PROVIDER_VOICES,
premade voices by default). It takes a speed within 0.7-1.2 (the rest of a speed, and
any pitch, is applied afterwards with ffmpeg). A script is sent in pieces of whole
sentences under 5,000 characters (every model takes that many), each with the text
around it so the voice carries on."""

import base64
import binascii
import difflib
import math
from urllib.parse import quote

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from microservices.audio.config import AudioSettings
from microservices.audio.narration import Spoken
from microservices.audio.provider_call import HttpProvider, bad_answer

DEFAULT_URL = "https://api.elevenlabs.io"
DEFAULT_MODEL = "eleven_multilingual_v2"
OUTPUT_FORMAT = "mp3_44100_128"
CONTEXT_CHARS = 300
# Premade voices close to OpenAI's six.
DEFAULT_VOICES = {
    "alloy": "EXAVITQu4vr4xnSDxMaL",  # Sarah: female, warm
    "echo": "TX3LPaxmHKxFdv7VOQHJ",  # Liam: male, clear
    "fable": "JBFqnCBsd6RMkjVDRZzb",  # George: male, British storyteller
    "onyx": "nPczCjzI2devNBz1zQrb",  # Brian: male, deep
    "nova": "cgSgspJ2msm6clMCkdW9",  # Jessica: female, bright
    "shimmer": "XrExE9yKIg1WjnnlVkGX",  # Matilda: female, soft
}
# detail.status values of a text ElevenLabs will not speak.
REFUSALS = {"bad_prompt", "content_against_policy", "blocked_content", "unsafe_content"}


class _Alignment(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    characters: list[str]
    character_start_times_seconds: list[float]
    character_end_times_seconds: list[float]

    @model_validator(mode="after")
    def _consistent(self) -> "_Alignment":
        starts, ends = self.character_start_times_seconds, self.character_end_times_seconds
        if not len(self.characters) == len(starts) == len(ends):
            raise ValueError("the alignment's lists differ in length")
        if not all(math.isfinite(t) and t >= 0 for t in (*starts, *ends)):
            raise ValueError("the alignment has a time that is not a finite positive number")
        return self


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    audio_base64: str = Field(min_length=1)
    alignment: _Alignment


def refusal(status: int, body: bytes) -> str | None:
    """ElevenLabs' refusal: 400 {"detail": {"status": "bad_prompt", "message": ...}}."""
    if status != 400:
        return None
    try:
        detail = orjson.loads(body).get("detail")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    if isinstance(detail, dict) and detail.get("status") in REFUSALS:
        message = detail.get("message")
        return message if isinstance(message, str) else str(detail["status"])
    return None


def marks(text: str, alignment: _Alignment) -> tuple[tuple[int, float], ...]:
    """(index in `text`, start time) of each aligned character. The alignment is of the
    text as sent; should it differ in places, its characters are matched to ours."""
    spoken = "".join(alignment.characters)
    starts = alignment.character_start_times_seconds
    if len(alignment.characters) == len(text) and spoken == text:
        pairs = enumerate(zip(text, starts, strict=True))
        return tuple((i, t) for i, (ch, t) in pairs if ch.strip())
    # Character i of the alignment starts at position offsets[i] of `spoken`.
    offsets, at = [], 0
    for ch in alignment.characters:
        offsets.append(at)
        at += len(ch)
    by_position = dict(zip(offsets, starts, strict=True))
    matcher = difflib.SequenceMatcher(None, spoken, text, autojunk=False)
    found = []
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            t = by_position.get(block.a + k)
            if t is not None and text[block.b + k].strip():
                found.append((block.b + k, t))
    return tuple(found)


class ElevenLabsSpeech(HttpProvider):
    name = "elevenlabs"
    limit = 5000
    group = True  # whole sentences per call: the alignment times each word
    speeds = (0.7, 1.2)

    def __init__(self, settings: AudioSettings) -> None:
        super().__init__(settings, DEFAULT_URL, DEFAULT_MODEL, refusal)
        self.voices = DEFAULT_VOICES | settings.provider_voices

    async def speak(
        self,
        text: str,
        voice_id: str,
        language: str,
        speed: float,
        before: str = "",
        after: str = "",
    ) -> Spoken:
        voice = quote(self.voices[voice_id], safe="")
        url = f"{self.base}/v1/text-to-speech/{voice}/with-timestamps"
        payload: dict = {
            "text": text,
            "model_id": self.model,
            "language_code": language,
            "voice_settings": {"speed": speed},
        }
        if before:
            payload["previous_text"] = before[-CONTEXT_CHARS:]
        if after:
            payload["next_text"] = after[:CONTEXT_CHARS]
        headers = {"xi-api-key": self.key.get_secret_value(), "Accept": "application/json"}
        answer = await self.call.post(url, payload, headers, {"output_format": OUTPUT_FORMAT})
        try:
            parsed = _Answer.model_validate_json(answer.body)
            audio = base64.b64decode(parsed.audio_base64, validate=True)
        except (ValidationError, binascii.Error, ValueError):
            why = "answered a body that is not audio with timestamps"
            raise bad_answer(self.name, why) from None
        return Spoken(audio, marks(text, parsed.alignment))
