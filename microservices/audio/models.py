"""The request the audio service accepts, as the contract's resource table allows it."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Language = Literal["en", "fr", "es", "de", "it", "pt"]
VoiceId = Literal["alloy", "echo", "fable", "onyx", "nova", "shimmer"]
Factor = Annotated[float, Field(ge=0.7, le=1.3, allow_inf_nan=False)]


class AudioRequest(BaseModel):
    """POST /generate: every field required (the orchestrator always sends them all),
    strict JSON types, no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    script_text: Annotated[str, StringConstraints(min_length=1, max_length=20000)]
    voice_id: VoiceId
    audio_speed: Factor
    audio_pitch: Factor
    language: Language

    @field_validator("script_text")
    @classmethod
    def _speakable(cls, text: str) -> str:
        if not any(ch.isalnum() for ch in text):
            raise ValueError("has nothing to speak: no letters or digits")
        return text
