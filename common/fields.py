"""The project's fields, each declared once: its name (the REST and the proto name), what
kind of value it holds, its label table, its default, whether a client may write it,
which generation steps write it, and which steps' requests may give it for that call
alone (and by what name).

Read by the edge codec (parsers, the generation bodies), the orchestrator's servicer (what
a generation request gives), its services (defaults, the fields each step's patch writes,
the render settings), the runner (the fields a render writes) and the store (what an
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
    given_to: tuple[Step, ...] = ()  # the steps whose request may give it for that call
    # Its name in those requests (REST body, proto request, render settings) when it
    # differs: the script's and the images' "style", the video's "template".
    request: str | None = None

    @property
    def writable(self) -> bool:
        return self.kind != "server"


def _enum(
    name: str,
    labels: Labels,
    default: str,
    written_by: tuple[Step, ...] = (),
    given_to: tuple[Step, ...] = (),
    request: str | None = None,
) -> Field:
    return Field(name, "enum", labels, labels.number[default], written_by, None, given_to, request)


SCRIPT: tuple[Step, ...] = ("script",)
AUDIO: tuple[Step, ...] = ("audio",)
IMAGES: tuple[Step, ...] = ("images",)
VIDEO: tuple[Step, ...] = ("video",)

# In the proto's order. An enum: its name, labels, default, the steps that write it, the
# steps whose request may give it.
PROJECT_FIELDS = (
    Field("id", "server"),
    Field("title", "text", given_to=SCRIPT),
    Field("description", "text", given_to=SCRIPT),
    _enum("language", LANGUAGE, "en", given_to=SCRIPT + AUDIO),
    _enum("use_case", USE_CASE, "explanation", given_to=SCRIPT),
    _enum("status", STATUS, "draft", EVERY_STEP),
    Field("script_text", "text", written_by=SCRIPT, given_to=AUDIO),
    _enum("script_style", SCRIPT_STYLE, "educational", SCRIPT, SCRIPT, request="style"),
    _enum("voice_id", VOICE, "alloy", AUDIO, AUDIO),
    Field("audio_speed", "number", default=1.0, written_by=AUDIO, given_to=AUDIO),
    Field("audio_pitch", "number", default=1.0, written_by=AUDIO, given_to=AUDIO),
    Field("audio_path", "url", written_by=AUDIO),
    Field("captions_url", "url", written_by=AUDIO),
    _enum("image_style", IMAGE_STYLE, "realistic", IMAGES, IMAGES, request="style"),
    Field("images", "scenes", written_by=IMAGES, given_to=IMAGES),
    _enum("resolution", RESOLUTION, "1080p", VIDEO, VIDEO),
    Field("fps", "integer", default=30, written_by=VIDEO, given_to=VIDEO),
    _enum("video_template_id", TEMPLATE, "basic_fade", VIDEO, VIDEO, request="template"),
    _enum("background_music", MUSIC, "none", VIDEO, VIDEO),
    _enum("aspect_ratio", ASPECT_RATIO, "16:9", VIDEO, VIDEO),
    Field("subtitles", "boolean", written_by=VIDEO, given_to=VIDEO),
    Field("video_url", "url", written_by=VIDEO),
    Field("thumbnail", "url", written_by=VIDEO),
    Field("duration", "number", written_by=VIDEO),
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


def given_to(step: Step) -> dict[str, str]:
    """The fields a step's request may give, each with the request's name for it (its
    name in the REST body, the proto request and, for the video, the render settings)."""
    return {f.name: f.request or f.name for f in PROJECT_FIELDS if step in f.given_to}
