"""The video service's settings (environment prefix VIDEO_SERVICE_)."""

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from microservices.common.config import ServiceSettings


def parse_rewrites(text: str) -> tuple[tuple[str, str], ...]:
    """`from=to,from=to` URL prefix pairs; both sides absolute http(s) URLs."""
    pairs = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        source, sep, target = item.partition("=")
        source, target = source.strip(), target.strip()
        if not sep or not source or not target:
            raise ValueError(f"{item!r} is not a from=to pair")
        for side in (source, target):
            parts = urlsplit(side)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{side!r} is not an absolute http(s) URL")
        pairs.append((source, target))
    return tuple(pairs)


class VideoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VIDEO_SERVICE_", extra="ignore", frozen=True)

    port: int = Field(8104, ge=0, le=65535)
    media_dir: Path = Path("./data/media/video")

    # Downloads of the inputs (the narration, the scene images, the captions).
    # URL prefixes rewritten before downloading, e.g. in docker-compose, where the browser
    # and this service reach the media by different names:
    # "http://localhost:8102=http://audio:8102,http://localhost:8103=http://image:8103".
    fetch_rewrites: str = ""
    fetch_timeout_s: float = Field(60.0, gt=0)
    fetch_connect_timeout_s: float = Field(5.0, gt=0)
    fetch_concurrency: int = Field(8, ge=1, le=64)
    fetch_max_redirects: int = Field(3, ge=0, le=10)
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

    # Finished renders remembered by Idempotency-Key (kept in the media directory).
    idempotency_capacity: int = Field(1000, ge=1)

    @field_validator("fetch_rewrites")
    @classmethod
    def _rewrites(cls, value: str) -> str:
        parse_rewrites(value)
        return value

    @property
    def rewrites(self) -> tuple[tuple[str, str], ...]:
        return parse_rewrites(self.fetch_rewrites)
