"""The image service's request bodies: strict types, unknown fields refused, prompts
trimmed then 1..1000 characters, styles limited to the contract's."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Style = Literal[
    "realistic", "pixar", "anime", "flat_design", "watercolor", "oil_painting", "sketch"
]
STYLES: tuple[str, ...] = Style.__args__  # type: ignore[attr-defined]

MAX_BATCH = 50

Prompt = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class GenerateRequest(Body):
    prompt: Prompt
    style: Style = "realistic"


class BatchPrompt(Body):
    prompt: Prompt
    # A scene as the project stores it may carry its current image; it is redrawn anyway.
    url: str | None = None


class BatchRequest(Body):
    images: list[BatchPrompt] = Field(min_length=1, max_length=MAX_BATCH)
    style: Style = "realistic"
