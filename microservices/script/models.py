"""The request the script service accepts, as the contract's resource table allows it."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

Language = Literal["en", "fr", "es", "de", "it", "pt"]
UseCase = Literal[
    "storytelling",
    "youtube_short",
    "explanation",
    "commercial",
    "inspirational",
    "educational",
    "tutorial",
]
Style = Literal["educational", "inspirational", "comedic", "dramatic", "casual", "professional"]


class ScriptRequest(BaseModel):
    """POST /generate: every field required (the orchestrator always sends them all),
    strict JSON types, no unknown fields. The title is 1..200 characters once trimmed."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=5000)]
    use_case: UseCase
    language: Language
    style: Style
