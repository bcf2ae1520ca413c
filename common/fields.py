"""The project's fields, each declared once: its name (the REST and the proto name), what
kind of value it holds, its label table, its default, whether a client may write it, and
which generation steps write it.

Read by the edge codec (parsers), the orchestrator's services (defaults, the fields each
step's patch writes), the runner (the fields a render writes) and the store (what an
update may name). The validation rules (orchestrator/validation.py) and the JSON of a
project (edge/codec.py, written out by hand for speed) are checked against this table by
tests/unit/test_field_tables.py.
"""

from dataclasses import dataclass
from typing import Any, Literal

from common.labels import (
    ASPECT_RATIO,
    IMAGE_STYLE,
    LANGUAGE,
    MUSIC,
    RESOLUTION,
    SCRIPT_STYLE,
    STATUS,
    TEMPLATE,
    USE_CASE,
    VOICE,
    Labels,
)

Kind = Literal["text", "enum", "number", "integer", "boolean", "url", "scenes", "strings", "server"]
Step = Literal["script", "audio", "images", "video"]
EVERY_STEP: tuple[Step, ...] = ("script", "audio", "images", "video")


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # the proto field; the REST name too, but for `rest` when it differs
    kind: Kind  # "url": a nullable http(s) URL; "server": set by the server alone
    labels: Labels | None = None  # an enum's spellings
    default: Any = None  # the contract's default at creation; None: the zero value
    written_by: tuple[Step, ...] = ()  # the steps whose result sets it
    rest: str | None = None

    @property
    def writable(self) -> bool:
        return self.kind != "server"


def _enum(name: str, labels: Labels, default: str, *steps: Step) -> Field:
    return Field(name, "enum", labels, labels.number[default], steps)


PROJECT_FIELDS = (
    Field("id", "server"),
    Field("title", "text"),
    Field("description", "text"),
    _enum("language", LANGUAGE, "en"),
    _enum("use_case", USE_CASE, "explanation"),
    _enum("status", STATUS, "draft", *EVERY_STEP),
    Field("script_text", "text", written_by=("script",)),
    _enum("script_style", SCRIPT_STYLE, "educational", "script"),
    _enum("voice_id", VOICE, "alloy", "audio"),
    Field("audio_speed", "number", default=1.0, written_by=("audio",)),
    Field("audio_pitch", "number", default=1.0, written_by=("audio",)),
    Field("audio_path", "url", written_by=("audio",)),
    Field("captions_url", "url", written_by=("audio",)),
    _enum("image_style", IMAGE_STYLE, "realistic", "images"),
    Field("images", "scenes", written_by=("images",)),
    _enum("resolution", RESOLUTION, "1080p", "video"),
    Field("fps", "integer", default=30, written_by=("video",)),
    _enum("video_template_id", TEMPLATE, "basic_fade", "video"),
    _enum("background_music", MUSIC, "none", "video"),
    _enum("aspect_ratio", ASPECT_RATIO, "16:9", "video"),
    Field("subtitles", "boolean", written_by=("video",)),
    Field("video_url", "url", written_by=("video",)),
    Field("thumbnail", "url", written_by=("video",)),
    Field("duration", "number", written_by=("video",)),
    Field("video_inspirations", "strings"),
    Field("video_job", "server"),
    Field("create_time", "server", rest="created_at"),
    Field("update_time", "server", rest="updated_at"),
    Field("revision", "server"),
)

BY_NAME = {f.name: f for f in PROJECT_FIELDS}

# The fields a client may write (create, update).
WRITABLE = frozenset(f.name for f in PROJECT_FIELDS if f.writable)

# The REST names of the server's fields: a body may carry them, and they are ignored.
SERVER_REST_NAMES = frozenset(f.rest or f.name for f in PROJECT_FIELDS if not f.writable)

# The contract's defaults of a new project, by field.
DEFAULTS = {f.name: f.default for f in PROJECT_FIELDS if f.default is not None}


def written_by(step: Step) -> list[str]:
    """The fields a step's result writes, in table order (the update time aside)."""
    return [f.name for f in PROJECT_FIELDS if step in f.written_by]
