"""The audio service: POST /generate {script_text, voice_id, audio_speed, audio_pitch,
language} -> {url, duration?, captions_url?} (captions_url: WebVTT of the narration;
absent or null when the service makes none)."""

from pydantic import Field

from orchestrator.clients.http import HttpUrlText, ServiceAnswer, ServiceClient


class AudioAnswer(ServiceAnswer):
    url: HttpUrlText
    duration: float | None = Field(None, ge=0)
    captions_url: HttpUrlText | None = None


class AudioClient(ServiceClient):
    name = "audio"

    async def generate(
        self,
        *,
        script_text: str,
        voice_id: str,
        audio_speed: float,
        audio_pitch: float,
        language: str,
        deadline: float | None,
    ) -> AudioAnswer:
        payload = {
            "script_text": script_text,
            "voice_id": voice_id,
            "audio_speed": audio_speed,
            "audio_pitch": audio_pitch,
            "language": language,
        }
        return await self.post("/generate", payload, AudioAnswer, deadline=deadline)
