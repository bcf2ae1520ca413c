"""Between the contract's JSON and the protobuf messages: spellings, shapes, timestamps.

The edge checks only what it must to build a message (JSON types, known field names,
enum spellings, integer width); every rule of the resource lives in the orchestrator,
so gRPC callers meet the same checks. Projects are mapped field by field: protobuf's
json_format halves the throughput of the whole chain.
"""

import math
import time
from collections.abc import Callable
from typing import Any

from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1.project_pb2 import Project, Scene

from common import fields, labels
from edge.errors import Violation, validation_error

# Fields a body may carry that are the server's: ignored, as the contract says.
IGNORED_FIELDS = fields.SERVER_REST_NAMES

INT32_MAX = 2**31 - 1


# -- JSON -> protobuf ------------------------------------------------------------------


def _string(field: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    raise Violation(field, "must be a string")


def _number(field: str, value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number):
            return number
    raise Violation(field, "must be a number")


def _integer(field: str, value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) <= INT32_MAX:
            return value
        raise Violation(field, "is out of range")
    raise Violation(field, "must be an integer")


def _boolean(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise Violation(field, "must be true or false")


def _nullable_string(field: str, value: Any) -> str | None:
    return None if value is None else _string(field, value)


def _enum(spellings: dict[str, int]) -> Callable[[str, Any], int]:
    message = f"must be one of {', '.join(spellings)}"

    def parse(field: str, value: Any) -> int:
        if isinstance(value, str) and value in spellings:
            return spellings[value]
        raise Violation(field, message)

    return parse


def _scenes(field: str, value: Any) -> list[Scene]:
    if not isinstance(value, list):
        raise Violation(field, "must be an array of {prompt, url} objects")
    scenes = []
    for i, item in enumerate(value):
        where = f"{field}[{i}]"
        if not isinstance(item, dict):
            raise Violation(where, "must be an object with prompt and url")
        unknown = item.keys() - {"prompt", "url"}
        if unknown:
            raise Violation(f"{where}.{sorted(unknown)[0]}", "is not a field of a scene")
        scene = Scene(prompt=_string(f"{where}.prompt", item.get("prompt", "")))
        url = _nullable_string(f"{where}.url", item.get("url"))
        if url is not None:
            scene.url = url
        scenes.append(scene)
    return scenes


def _strings(field: str, value: Any) -> list[str]:
    if isinstance(value, list):
        return [_string(f"{field}[{i}]", item) for i, item in enumerate(value)]
    raise Violation(field, "must be an array of strings")


# The parser from JSON of each kind of field (common/fields.py).
KIND_PARSERS: dict[str, Callable[[str, Any], Any]] = {
    "text": _string,
    "number": _number,
    "integer": _integer,
    "boolean": _boolean,
    "url": _nullable_string,
    "scenes": _scenes,
    "strings": _strings,
}


def _parser(field: fields.Field) -> Callable[[str, Any], Any]:
    return _enum(field.labels.number) if field.labels else KIND_PARSERS[field.kind]


# Every writable field of the resource: its parser from JSON. Keys are both the REST
# and the proto field names (they coincide for every writable field).
PARSERS = {f.name: _parser(f) for f in fields.PROJECT_FIELDS if f.writable}


def parse_body(
    body: dict[str, Any],
    parsers: dict[str, Callable[[str, Any], Any]],
    ignored: frozenset[str] = frozenset(),
    unknown: str = "is not a field of this body",
) -> dict[str, Any]:
    """Each field of `body` parsed by its parser. Raises a 400 listing every unknown
    field and wrongly typed value."""
    fields: dict[str, Any] = {}
    violations: list[Violation] = []
    for key, value in body.items():
        if key in ignored:
            continue
        parser = parsers.get(key)
        if parser is None:
            violations.append(Violation(key[:100], unknown))  # a key can be huge
            continue
        try:
            fields[key] = parser(key, value)
        except Violation as violation:
            violations.append(violation)
    if violations:
        raise validation_error(violations)
    return fields


# The bodies of the generation steps: every field optional, named as in the contract
# and as in the request messages (common/fields.py: given_to). null is the same as
# leaving a field out.
def _step_body(step: fields.Step) -> dict[str, Callable[[str, Any], Any]]:
    return {name: PARSERS[field] for field, name in fields.given_to(step).items()}


SCRIPT_BODY = _step_body("script")
AUDIO_BODY = _step_body("audio")
IMAGES_BODY = _step_body("images")
IMAGE_BODY = {"prompt": _string, "style": PARSERS["image_style"]}
VIDEO_BODY = _step_body("video")


def step_fields(body: dict[str, Any], parsers: dict[str, Callable[[str, Any], Any]]) -> dict:
    """The fields a generation step's body gives, parsed; nulls dropped. An unknown field
    is a 400 whatever its value, null included."""
    given = {k: v for k, v in body.items() if v is not None or k not in parsers}
    return parse_body(given, parsers)


def project_from_body(body: dict[str, Any]) -> tuple[Project, list[str]]:
    """The project a create/update body describes, and the fields it names (the update
    mask)."""
    fields = parse_body(body, PARSERS, IGNORED_FIELDS, "is not a field of a project")
    # None means null: the optional field stays unset, and the mask clears it.
    return Project(**{k: v for k, v in fields.items() if v is not None}), list(fields)


# -- protobuf -> JSON ------------------------------------------------------------------


def rfc3339(seconds: int, nanos: int) -> str:
    """RFC 3339 UTC, to the millisecond the store keeps: 2025-11-29T10:00:00.123Z."""
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    millis = nanos // 1_000_000
    return f"{base}.{millis:03d}Z" if millis else f"{base}Z"


DEFAULT_ASPECT = labels.ASPECT_RATIO.label[fields.DEFAULTS["aspect_ratio"]]


def _aspect(number: int) -> str:
    """An aspect ratio's label; unspecified (stored before the field existed) is 16:9."""
    return labels.ASPECT_RATIO.label.get(number, DEFAULT_ASPECT)


def video_job_json(job: pb.VideoJob) -> dict[str, Any]:
    requested = job.requested
    return {
        "state": labels.JOB_STATE.label.get(job.state),
        "attempts": job.attempts,
        "error": job.error if job.HasField("error") else None,
        "requested": {
            "resolution": labels.RESOLUTION.label.get(requested.resolution),
            "fps": requested.fps,
            "template": labels.TEMPLATE.label.get(requested.template),
            "background_music": labels.MUSIC.label.get(requested.background_music),
            "aspect_ratio": _aspect(requested.aspect_ratio),
            "subtitles": requested.subtitles,
        },
        "created_at": rfc3339(job.create_time.seconds, job.create_time.nanos),
        "updated_at": rfc3339(job.update_time.seconds, job.update_time.nanos),
        "progress": job.progress,
        "stage": job.stage or None,
    }


def project_json(p: Project) -> dict[str, Any]:
    """The contract's JSON of a project: every field, nulls where unset."""
    return {
        "id": p.id,
        "title": p.title,
        "description": p.description,
        "language": labels.LANGUAGE.label.get(p.language),
        "use_case": labels.USE_CASE.label.get(p.use_case),
        "status": labels.STATUS.label.get(p.status),
        "script_text": p.script_text,
        "script_style": labels.SCRIPT_STYLE.label.get(p.script_style),
        "voice_id": labels.VOICE.label.get(p.voice_id),
        "audio_speed": p.audio_speed,
        "audio_pitch": p.audio_pitch,
        "audio_path": p.audio_path if p.HasField("audio_path") else None,
        "captions_url": p.captions_url if p.HasField("captions_url") else None,
        "image_style": labels.IMAGE_STYLE.label.get(p.image_style),
        "images": [
            {"prompt": s.prompt, "url": s.url if s.HasField("url") else None} for s in p.images
        ],
        "resolution": labels.RESOLUTION.label.get(p.resolution),
        "fps": p.fps,
        "video_template_id": labels.TEMPLATE.label.get(p.video_template_id),
        "background_music": labels.MUSIC.label.get(p.background_music),
        "aspect_ratio": _aspect(p.aspect_ratio),
        "subtitles": p.subtitles,
        "video_url": p.video_url if p.HasField("video_url") else None,
        "thumbnail": p.thumbnail if p.HasField("thumbnail") else None,
        "duration": p.duration,
        "video_inspirations": list(p.video_inspirations),
        "video_job": video_job_json(p.video_job) if p.HasField("video_job") else None,
        "created_at": rfc3339(p.create_time.seconds, p.create_time.nanos),
        "updated_at": rfc3339(p.update_time.seconds, p.update_time.nanos),
        "revision": p.revision,
    }
