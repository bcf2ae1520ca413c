"""POST /render's body: strict types, unknown fields refused, values limited to the
contract's, and every input an absolute http(s) URL.

`resolution` names the frame's short side: 1080p is 1920x1080 at 16:9 (the default, the
video of a request that leaves `aspect_ratio` out), 1080x1920 at 9:16, 1080x1080 at 1:1."""

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

Resolution = Literal["720p", "1080p", "1440p", "2160p"]
Template = Literal["basic_fade", "slide_left", "slide_right", "zoom_in", "zoom_out", "ken_burns"]
Music = Literal["none", "soft", "upbeat", "cinematic", "corporate", "ambient"]
AspectRatio = Literal["16:9", "9:16", "1:1"]

SIZES: dict[str, tuple[int, int]] = {
    "720p": (1280, 720),
    "1080p": (1920, 1080),
    "1440p": (2560, 1440),
    "2160p": (3840, 2160),
}
MAX_SCENES = 50


def frame_size(resolution: str, aspect_ratio: str) -> tuple[int, int]:
    """(width, height) of `resolution` at `aspect_ratio`: the resolution is the short side."""
    long, short = SIZES[resolution]
    if aspect_ratio == "9:16":
        return short, long
    if aspect_ratio == "1:1":
        return short, short
    return long, short


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
    aspect_ratio: AspectRatio = "16:9"
    subtitles: bool = False
    # Checked even when left out (validate_default): subtitles need it.
    captions_url: HttpUrl | None = Field(None, validate_default=True)

    @field_validator("captions_url")
    @classmethod
    def _captions_for_subtitles(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("subtitles") is True:
            raise ValueError("is required when subtitles is true (the narration's WebVTT captions)")
        return value

    @property
    def size(self) -> tuple[int, int]:
        return frame_size(self.resolution, self.aspect_ratio)


class RenderResult(BaseModel):
    """What a render produced: its files' keys in the media store, and the duration."""

    model_config = ConfigDict(frozen=True)

    video: str
    thumbnail: str
    duration: float
