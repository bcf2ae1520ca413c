"""The video service's settings (environment prefix VIDEO_SERVICE_)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from microservices.common.config import ServiceSettings
from microservices.common.fetch import FetchSettings


class VideoSettings(ServiceSettings, FetchSettings):
    model_config = SettingsConfigDict(env_prefix="VIDEO_SERVICE_", extra="ignore", frozen=True)

    port: int = Field(8104, ge=0, le=65535)
    media_dir: Path = Path("./data/media/video")

    # Downloads of the inputs (the narration, the scene images, the captions): the
    # fetch_* settings (microservices/common/fetch/config.py), and these caps.
    max_audio_bytes: int = Field(200 * 1024 * 1024, ge=1024)
    max_image_bytes: int = Field(40 * 1024 * 1024, ge=1024)
    max_captions_bytes: int = Field(2 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(60_000_000, ge=1)
    max_audio_s: float = Field(3600.0, gt=0)

    # ffmpeg: where it is (empty: imageio-ffmpeg's own), how long a render may run
    # before it is killed, how many run at once, and the encoding.
    ffmpeg_path: str = ""
    render_timeout_s: float = Field(280.0, gt=0)
    max_concurrent_renders: int = Field(2, ge=1, le=32)
    x264_preset: str = "veryfast"
    x264_crf: int = Field(23, ge=0, le=51)
    audio_bitrate: str = "160k"
    # Seconds of each transition between scenes (shortened for short scenes).
    transition_s: float = Field(0.5, ge=0, le=5)
    # The background music's level under the voice (1.0: as loud as it is made).
    music_volume: float = Field(0.22, ge=0, le=2)

    # Renders by Idempotency-Key (records in the media store): how long a replica's claim
    # on a key lasts without renewal (renewed every third of it while it renders); a
    # replica that dies mid-render hands the key over after at most this long.
    render_lease_s: float = Field(30.0, gt=0)
