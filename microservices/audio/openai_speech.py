"""Speech from any OpenAI-compatible speech API (OpenAI itself, LocalAI, kokoro-fastapi,
openedai-speech): POST {url}/audio/speech with a bearer key and
{model, input, voice, speed, response_format}; the answer is the audio itself.

It says nothing of timings, so the script is spoken sentence by sentence (each under the
4,096 characters OpenAI takes) and each sentence's caption lasts as long as its audio. It
takes a speed (0.25-4) but no pitch: the pitch is changed afterwards with ffmpeg."""

import orjson

from microservices.audio.config import AudioSettings
from microservices.audio.narration import Spoken
from microservices.audio.provider_call import HttpProvider, bad_answer

DEFAULT_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini-tts"
# What OpenAI's error object says when its safety system refused the input.
REFUSAL_CODES = {"content_policy_violation", "moderation_blocked", "content_filter"}


def refusal(status: int, body: bytes) -> str | None:
    """OpenAI's refusal: 400 {"error": {"message", "type", "code"}} naming its policy."""
    if status != 400:
        return None
    try:
        error = orjson.loads(body).get("error")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    if not isinstance(error, dict):
        return None
    code, kind = error.get("code"), error.get("type")
    if code in REFUSAL_CODES or kind in REFUSAL_CODES:
        message = error.get("message")
        return message if isinstance(message, str) else str(code or kind)
    return None


class OpenAISpeech(HttpProvider):
    name = "openai"
    limit = 4096
    group = False  # one sentence per call: sentence timings
    speeds = (0.25, 4.0)

    def __init__(self, settings: AudioSettings) -> None:
        super().__init__(settings, DEFAULT_URL, DEFAULT_MODEL, refusal)
        self.url = self.base + "/audio/speech"
        self.voices = settings.provider_voices

    async def speak(
        self,
        text: str,
        voice_id: str,
        language: str,
        speed: float,
        before: str = "",
        after: str = "",
    ) -> Spoken:
        payload = {
            "model": self.model,
            "input": text,
            "voice": self.voices.get(voice_id, voice_id),
            "speed": speed,
            "response_format": "mp3",
        }
        key = self.key.get_secret_value()
        # A local server may want no key at all.
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        answer = await self.call.post(self.url, payload, headers)
        audio = answer.content_type.startswith("audio/")
        if not (audio or answer.content_type == "application/octet-stream") or not answer.body:
            raise bad_answer(self.name, f"answered {answer.content_type or 'no type'}, not audio")
        return Spoken(answer.body, None)
