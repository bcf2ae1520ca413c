"""Every rule of the Project resource, checked before any I/O, all violations at once
(the list query's are in listing.py).

The rules are the contract's resource table. `clean_project` also normalizes what the
table says is measured after trimming (the title and the scene prompts), so what is
stored is what was checked.
"""

import math
from collections.abc import Callable, Iterable

from ai_studio.v1.project_pb2 import Project
from google.protobuf.message import Message

from common import labels
from orchestrator.errors import InvalidArgument, NothingToUse, Violation, shown
from orchestrator.store.base import WRITABLE_FIELDS
from orchestrator.text import bad_character, has_words
from orchestrator.urls import MAX_URL, is_media_url


def _length(field: str, text: str, low: int, high: int) -> list[Violation]:
    if low <= len(text) <= high:
        return []
    if low:
        return [Violation(field, f"must be {low} to {high} characters")]
    return [Violation(field, f"must be at most {high} characters")]


def _characters(field: str, text: str, multiline: bool = False) -> list[Violation]:
    """Text a service, the store and gRPC can all take (orchestrator/text.py)."""
    why = bad_character(text, multiline)
    return [] if why is None else [Violation(field, why)]


def _text(field: str, high: int) -> Callable[[Project], list[Violation]]:
    """A free text of several lines, at most `high` characters."""

    def check(project: Project) -> list[Violation]:
        text = getattr(project, field)
        return _length(field, text, 0, high) or _characters(field, text, multiline=True)

    return check


def _url(field: str, url: str) -> list[Violation]:
    if bad := _characters(field, url):
        return bad
    if is_media_url(url):
        return []
    message = f"must be an http(s) URL of at most {MAX_URL} characters, not at a link-local host"
    return [Violation(field, message)]


def _has(message: Message, field: str) -> bool:
    """HasField by a name known only at run time."""
    return message.HasField(field)


def _optional_url(field: str) -> Callable[[Project], list[Violation]]:
    def check(project: Project) -> list[Violation]:
        return _url(field, getattr(project, field)) if _has(project, field) else []

    return check


def _enum(field: str, enum: labels.Labels) -> Callable[[Project], list[Violation]]:
    allowed = enum.label
    message = f"must be one of {', '.join(allowed.values())}"

    def check(project: Project) -> list[Violation]:
        return [] if getattr(project, field) in allowed else [Violation(field, message)]

    return check


def _ratio(field: str) -> Callable[[Project], list[Violation]]:
    def check(project: Project) -> list[Violation]:
        value = getattr(project, field)
        return [] if 0.7 <= value <= 1.3 else [Violation(field, "must be between 0.7 and 1.3")]

    return check


def _title(project: Project) -> list[Violation]:
    project.title = project.title.strip()
    return _length("title", project.title, 1, 200) or _characters("title", project.title)


def _prompt(field: str, prompt: str) -> list[Violation]:
    return _length(field, prompt, 1, 1000) or _characters(field, prompt, multiline=True)


def _images(project: Project) -> list[Violation]:
    violations = []
    if len(project.images) > 50:
        violations.append(Violation("images", "must have at most 50 scenes"))
    for i, scene in enumerate(project.images):
        scene.prompt = scene.prompt.strip()
        violations += _prompt(f"images[{i}].prompt", scene.prompt)
        if scene.HasField("url"):
            violations += _url(f"images[{i}].url", scene.url)
    return violations


def _fps(project: Project) -> list[Violation]:
    return [] if project.fps in (24, 30, 60) else [Violation("fps", "must be one of 24, 30, 60")]


def _duration(project: Project) -> list[Violation]:
    ok = math.isfinite(project.duration) and project.duration >= 0
    return [] if ok else [Violation("duration", "must be a number of seconds, 0 or more")]


def _inspirations(project: Project) -> list[Violation]:
    if len(project.video_inspirations) > 20:
        return [Violation("video_inspirations", "must have at most 20 items")]
    return [
        v
        for i, item in enumerate(project.video_inspirations)
        for v in _characters(f"video_inspirations[{i}]", item)
    ]


def _subtitles(project: Project) -> list[Violation]:
    return []  # a bool: any value is one; subtitles without captions is the render's check


RULES: dict[str, Callable[[Project], list[Violation]]] = {
    "title": _title,
    "description": _text("description", 5000),
    "language": _enum("language", labels.LANGUAGE),
    "use_case": _enum("use_case", labels.USE_CASE),
    "status": _enum("status", labels.STATUS),
    "script_text": _text("script_text", 20000),
    "script_style": _enum("script_style", labels.SCRIPT_STYLE),
    "voice_id": _enum("voice_id", labels.VOICE),
    "audio_speed": _ratio("audio_speed"),
    "audio_pitch": _ratio("audio_pitch"),
    "audio_path": _optional_url("audio_path"),
    "captions_url": _optional_url("captions_url"),
    "image_style": _enum("image_style", labels.IMAGE_STYLE),
    "images": _images,
    "resolution": _enum("resolution", labels.RESOLUTION),
    "fps": _fps,
    "video_template_id": _enum("video_template_id", labels.TEMPLATE),
    "background_music": _enum("background_music", labels.MUSIC),
    "aspect_ratio": _enum("aspect_ratio", labels.ASPECT_RATIO),
    "subtitles": _subtitles,
    "video_url": _optional_url("video_url"),
    "thumbnail": _optional_url("thumbnail"),
    "duration": _duration,
    "video_inspirations": _inspirations,
}


def clean_project(project: Project, fields: Iterable[str]) -> None:
    """Check (and trim) the named fields of `project`; raise InvalidArgument listing every
    violation. The names must be writable fields."""
    violations = [v for name in fields for v in RULES[name](project)]
    if violations:
        raise InvalidArgument(violations)


def require(field: str, value: str) -> None:
    """A required string argument of an RPC."""
    if not value:
        raise InvalidArgument([Violation(field, "is required")])


def mask_fields(paths: Iterable[str]) -> list[str]:
    """The writable fields an update mask names ("*" names them all), or InvalidArgument."""
    paths = list(dict.fromkeys(paths))
    if "*" in paths:
        return sorted(WRITABLE_FIELDS)
    unknown = [p for p in paths if p not in WRITABLE_FIELDS]
    if unknown:
        listed = ", ".join(shown(p) for p in unknown[:5]) + (", …" if len(unknown) > 5 else "")
        message = f"names fields that cannot be updated: {listed}"
        raise InvalidArgument([Violation("update_mask", message)])
    return paths


def check_overrides(
    values: Project, names: dict[str, str], prompt: str | None = None
) -> str | None:
    """Check the fields of `values` that a generation request gives, by the resource's
    rules; `names` maps each given proto field to the request's name for it (style for
    script_style...), which is what the violations name. A scene `prompt` given alone is
    checked too, and returned trimmed. Every violation is reported at once."""
    violations = [
        Violation(name + v.field[len(field) :], v.description)
        for field, name in names.items()
        for v in RULES[field](values)
    ]
    if prompt is not None:
        prompt = prompt.strip()
        violations += _prompt("prompt", prompt)
    if violations:
        raise InvalidArgument(violations)
    return prompt


# What the steps need of the text they send, beyond the resource's rules: words. Whether
# the request gives the text or the project holds it, a text without is the step's
# precondition (a JSON schema cannot state "a letter" portably), naming the field.
NOTHING_TO_SPEAK = "has nothing to speak: it needs at least one letter or digit"
NOTHING_TO_DRAW = "has nothing to draw: it needs at least one letter or digit"


def check_script(field: str, script: str) -> None:
    """A script the audio service can speak, or NOTHING_TO_SPEAK naming `field`."""
    if not has_words(script):
        raise NothingToUse("NOTHING_TO_SPEAK", [Violation(field, NOTHING_TO_SPEAK)])


def check_prompts(prompts: dict[str, str]) -> None:
    """Prompts (by the field naming each) the image service can draw, or NOTHING_TO_DRAW
    naming every one that is not."""
    blank = [
        Violation(f, NOTHING_TO_DRAW) for f, prompt in prompts.items() if not has_words(prompt)
    ]
    if blank:
        raise NothingToUse("NOTHING_TO_DRAW", blank)
