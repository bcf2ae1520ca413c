"""The audio service's settings: the common ones under AUDIO_SERVICE_, plus synthesis
and encoding tuning."""

from pathlib import Path

from pydantic import Field
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
