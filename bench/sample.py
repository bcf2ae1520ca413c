"""Realistic project bodies to seed, and the fixed project the baseline answers.

A seeded project's JSON is ~2 KB: a ~300-character description and 5 scenes with
prompts (most with an image URL), every other field as the contract renders it.
"""

import random
import uuid

from ai_studio.v1.project_pb2 import Project

from common import fields
from edge.codec import project_json

WORDS = (
    "a quick tour of how solar panels turn light into power for homes and small farms "
    "with simple diagrams friendly narration and a calm soundtrack showing each step from "
    "photons to the inverter the battery the grid and back again while a curious fox asks "
    "questions about clouds winter nights maintenance costs recycling and what happens "
    "when the sun goes down over the hills near the old mill by the river at dusk"
).split()

LANGUAGES = ("en", "fr", "es", "de", "it", "pt")
USE_CASES = ("storytelling", "youtube_short", "explanation", "commercial", "educational")
STATUSES = ("draft", "script_generated", "audio_ready", "images_ready")
STYLES = ("realistic", "pixar", "anime", "flat_design", "watercolor")
VOICES = ("alloy", "echo", "fable", "onyx", "nova", "shimmer")


def _text(rng: random.Random, length: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        words.append(rng.choice(WORDS))
    text = " ".join(words)
    if len(text) > length:  # cut at the last word that fits
        text = text[: text.rfind(" ", 0, length + 1)]
    return text[0].upper() + text[1:] + "."


def project_body(rng: random.Random, n: int) -> dict:
    """The body of POST /projects for the n-th seeded project."""
    return {
        "title": f"{_text(rng, 40)[:-1]} #{n}",
        "description": _text(rng, 300),
        "language": rng.choice(LANGUAGES),
        "use_case": rng.choice(USE_CASES),
        "status": rng.choice(STATUSES),
        "voice_id": rng.choice(VOICES),
        "audio_speed": rng.choice((0.9, 1.0, 1.1)),
        "image_style": rng.choice(STYLES),
        "images": [
            {
                "prompt": _text(rng, rng.randint(110, 150)),
                "url": (
                    f"https://cdn.example.com/images/{uuid.UUID(int=rng.getrandbits(128)).hex}.png"
                    if rng.random() < 0.8
                    else None
                ),
            }
            for _ in range(5)
        ],
        "video_inspirations": ["https://www.youtube.com/watch?v=dQw4w9WgXcQ"],
    }


# The contract's rendering of every field a create body leaves out.
DEFAULTS = {
    name: value
    for name, value in project_json(Project(**fields.DEFAULTS)).items()
    if name not in {"id", "title", "created_at", "updated_at"}
}


def full_project(body: dict, project_id: str, timestamp: str) -> dict:
    """The project as GET /projects/{id} renders it: every field, in the edge's order."""
    project = {"id": project_id, "title": body["title"], **DEFAULTS}
    project.update({k: v for k, v in body.items() if k in DEFAULTS})
    project["created_at"] = project["updated_at"] = timestamp
    return project


def baseline_project() -> dict:
    """The one project the baseline answers, built like a seeded one."""
    rng = random.Random(7)
    project_id = uuid.UUID(int=rng.getrandbits(128)).hex
    return full_project(project_body(rng, 1), project_id, "2025-11-29T10:00:00.123Z")
