"""The audio service's settings: the common ones under AUDIO_SERVICE_, synthesis and
encoding tuning, and the speech provider: eSpeak NG offline (the default), or an
OpenAI-compatible speech API, or ElevenLabs."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from microservices.common.config import ServiceSettings


class AudioSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUDIO_SERVICE_", extra="ignore", frozen=True)

    port: int = Field(8102, ge=0, le=65535)
    media_dir: Path = Path("./data/media/audio")
    # eSpeak NG runs in worker processes when > 0 (one engine each, so that many
    # syntheses at once); 0 runs it on one thread of this process.
    synth_processes: int = Field(0, ge=0, le=64)
    # The longest one synthesis may take, seconds; past it, it is aborted (504).
    synth_timeout_s: float = Field(60.0, gt=0)
    # The longest one MP3 encoding may take, seconds; past it, ffmpeg is killed (504).
    encode_timeout_s: float = Field(120.0, gt=0)
    # How many ffmpeg processes may encode at once.
    encode_concurrency: int = Field(2, ge=1, le=64)
    mp3_bitrate_kbps: int = Field(64, ge=32, le=320)
    # LAME's algorithm quality, 0 (best, slowest) to 9 (fastest); 7 is fast and fine for speech.
    mp3_quality: int = Field(7, ge=0, le=9)
    # The ffmpeg executable; empty: the one imageio-ffmpeg ships.
    ffmpeg_path: str = ""

    # Who speaks: espeak (offline), openai (any OpenAI-compatible POST {url}/audio/speech)
    # or elevenlabs (POST {url}/v1/text-to-speech/{voice}/with-timestamps).
    provider: Literal["espeak", "openai", "elevenlabs"] = "espeak"
    # The provider's base URL; empty: https://api.openai.com/v1 or https://api.elevenlabs.io.
    provider_url: str = ""
    provider_api_key: SecretStr = SecretStr("")
    # Empty: gpt-4o-mini-tts (openai) or eleven_multilingual_v2 (elevenlabs).
    provider_model: str = ""
    # ElevenLabs: the contract's six voice ids as ElevenLabs voice ids (JSON); the ones
    # left out keep their default (premade voices).
    provider_voices: dict[str, str] = Field(default_factory=dict)
    # One provider call's time, seconds; its attempts (429 and 5xx are retried with
    # backoff, honouring Retry-After) and the time all attempts of one call may take.
    provider_timeout_s: float = Field(60.0, gt=0)
    provider_attempts: int = Field(4, ge=1, le=10)
    provider_retry_budget_s: float = Field(30.0, ge=0)
    # How many calls of one request may run at once (a long script is several calls).
    provider_concurrency: int = Field(4, ge=1, le=32)
    # false: the provider is sent speed 1.0 and all of audio_speed is applied with ffmpeg
    # (for OpenAI-compatible servers that ignore `speed`).
    provider_takes_speed: bool = True
    # The largest answer read from the provider, bytes.
    provider_max_answer_bytes: int = Field(64 * 1024 * 1024, ge=1024)

    @field_validator("provider_voices")
    @classmethod
    def _contract_voices(cls, voices: dict[str, str]) -> dict[str, str]:
        unknown = set(voices) - set(CONTRACT_VOICES)
        if unknown:
            raise ValueError(f"not contract voice ids: {', '.join(sorted(unknown))}")
        if not all(v.strip() for v in voices.values()):
            raise ValueError("a provider voice id is empty")
        return voices


CONTRACT_VOICES = ("alloy", "echo", "fable", "onyx", "nova", "shimmer")
