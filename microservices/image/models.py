"""The image service's request bodies: strict types, unknown fields refused, prompts
trimmed then 1..1000 characters, styles limited to the contract's, and the aspect of the
pictures (16:9 unless asked)."""

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Style = Literal[
    "realistic", "pixar", "anime", "flat_design", "watercolor", "oil_painting", "sketch"
]
STYLES: tuple[str, ...] = get_args(Style)

Aspect = Literal["16:9", "9:16", "1:1"]
# The picture stored for each aspect: the size the video is made at (1080p names the
# short side), so a render never has to crop or stretch it.
SIZES: dict[str, tuple[int, int]] = {
    "16:9": (1920, 1080),
    "9:16": (1080, 1920),
    "1:1": (1080, 1080),
}

MAX_BATCH = 50

Prompt = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class GenerateRequest(Body):
    prompt: Prompt
    style: Style = "realistic"
    aspect_ratio: Aspect = "16:9"


class BatchPrompt(Body):
    prompt: Prompt
    # A scene as the project stores it may carry its current image; it is redrawn anyway.
    url: str | None = None


class BatchRequest(Body):
    images: list[BatchPrompt] = Field(min_length=1, max_length=MAX_BATCH)
    style: Style = "realistic"
    aspect_ratio: Aspect = "16:9"
