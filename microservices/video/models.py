"""POST /render's body: strict types, unknown fields refused, values limited to the
contract's, and every input an absolute http(s) URL."""

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

Resolution = Literal["720p", "1080p", "1440p", "2160p"]
Template = Literal["basic_fade", "slide_left", "slide_right", "zoom_in", "zoom_out", "ken_burns"]
Music = Literal["none", "soft", "upbeat", "cinematic", "corporate", "ambient"]

SIZES: dict[str, tuple[int, int]] = {
    "720p": (1280, 720),
    "1080p": (1920, 1080),
    "1440p": (2560, 1440),
    "2160p": (3840, 2160),
}
MAX_SCENES = 50


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    return value


HttpUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=4096), AfterValidator(_http_url)
]
Prompt = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class SceneImage(Body):
    prompt: Prompt
    url: HttpUrl


class RenderRequest(Body):
    audio_path: HttpUrl
    images: list[SceneImage] = Field(min_length=1, max_length=MAX_SCENES)
    resolution: Resolution = "1080p"
    fps: Literal[24, 30, 60] = 30
    template: Template = "basic_fade"
    background_music: Music = "none"

    @property
    def size(self) -> tuple[int, int]:
        return SIZES[self.resolution]


class RenderResult(BaseModel):
    """What a render produced: its files' keys in the media store, and the duration."""

    model_config = ConfigDict(frozen=True)

    video: str
    thumbnail: str
    duration: float
