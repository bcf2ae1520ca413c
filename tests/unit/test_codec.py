"""The edge codec: a body's JSON types, field names and enum spellings, each wrong value
a 400 VALIDATION_ERROR naming exactly the fields at fault, all of them at once. The same
codec reads POST, PUT and PATCH bodies; tests/integration/test_rest_errors.py sends one
such body over each."""

from typing import Any

import pytest

from edge.codec import project_from_body
from edge.errors import HttpError

# Values of the wrong JSON type, unknown fields, unknown enum spellings: (body, fields).
EDGE_INVALID = [
    ({"title": 5}, ["title"]),
    ({"title": None}, ["title"]),
    ({"title": ["a"]}, ["title"]),
    ({"title": {"$gt": ""}}, ["title"]),
    ({"description": {"$ne": None}}, ["description"]),
    ({"fps": "30"}, ["fps"]),
    ({"fps": True}, ["fps"]),
    ({"fps": 30.5}, ["fps"]),
    ({"fps": None}, ["fps"]),
    ({"fps": 2**31}, ["fps"]),
    ({"audio_speed": "1"}, ["audio_speed"]),
    ({"audio_speed": False}, ["audio_speed"]),
    ({"duration": None}, ["duration"]),
    ({"duration": "10"}, ["duration"]),
    ({"language": "EN"}, ["language"]),
    ({"language": "klingon"}, ["language"]),
    ({"language": 1}, ["language"]),
    ({"status": "audio_generated"}, ["status"]),
    ({"status": "unspecified"}, ["status"]),
    ({"voice_id": None}, ["voice_id"]),
    ({"resolution": "4k"}, ["resolution"]),
    ({"audio_path": 5}, ["audio_path"]),
    ({"audio_path": {"url": "https://x"}}, ["audio_path"]),
    ({"images": "x"}, ["images"]),
    ({"images": None}, ["images"]),
    ({"images": {"prompt": "a"}}, ["images"]),
    ({"images": [1]}, ["images[0]"]),
    ({"images": [{"prompt": "a"}, "b"]}, ["images[1]"]),
    ({"images": [{"prompt": 1}]}, ["images[0].prompt"]),
    ({"images": [{"prompt": "a", "extra": 1}]}, ["images[0].extra"]),
    ({"images": [{"prompt": "a", "url": 5}]}, ["images[0].url"]),
    ({"video_inspirations": [1]}, ["video_inspirations[0]"]),
    ({"video_inspirations": "x"}, ["video_inspirations"]),
    ({"video_inspirations": ["a", None]}, ["video_inspirations[1]"]),
    ({"nope": 1}, ["nope"]),
    ({"Title": "x"}, ["Title"]),
    ({"videoUrl": "https://x"}, ["videoUrl"]),
    ({"$where": "1"}, ["$where"]),
    ({"$set": {"title": "x"}}, ["$set"]),
    ({"title.$": "x"}, ["title.$"]),
    ({"__proto__": {}}, ["__proto__"]),
    ({"create_time": "2000-01-01T00:00:00Z"}, ["create_time"]),
    # Everything wrong at once: every violation is listed.
    (
        {"title": 5, "fps": "30", "nope": 1, "images": [{"prompt": 2}], "language": "xx"},
        ["title", "fps", "nope", "images[0].prompt", "language"],
    ),
]


@pytest.mark.parametrize(("body", "fields"), EDGE_INVALID)
def test_a_wrong_value_is_a_violation_of_its_field(body: dict[str, Any], fields: list[str]) -> None:
    with pytest.raises(HttpError) as raised:
        project_from_body(body)
    error = raised.value
    assert (error.status, error.code) == (400, "VALIDATION_ERROR")
    assert error.errors is not None
    assert sorted(v.field for v in error.errors) == sorted(fields)
    for name in fields:
        assert name in error.detail
