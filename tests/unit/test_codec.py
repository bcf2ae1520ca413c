"""The edge codec: a body's JSON types, field names and enum spellings, each wrong value
a 400 VALIDATION_ERROR naming exactly the fields at fault, all of them at once. The same
codec reads POST, PUT and PATCH bodies; tests/integration/test_rest_errors.py sends one
such body over each."""

from typing import Any

import pytest
from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1.project_pb2 import Project

from edge.codec import VIDEO_BODY, project_from_body, project_json, step_fields
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
    ({"captions_url": 5}, ["captions_url"]),
    ({"aspect_ratio": "16/9"}, ["aspect_ratio"]),
    ({"aspect_ratio": "16_9"}, ["aspect_ratio"]),
    ({"aspect_ratio": "ASPECT_RATIO_9_16"}, ["aspect_ratio"]),
    ({"aspect_ratio": 1}, ["aspect_ratio"]),
    ({"aspect_ratio": None}, ["aspect_ratio"]),
    ({"subtitles": "true"}, ["subtitles"]),
    ({"subtitles": 1}, ["subtitles"]),
    ({"subtitles": None}, ["subtitles"]),
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


def test_the_new_fields_read_and_write_in_the_contract_spellings() -> None:
    body = {"aspect_ratio": "9:16", "subtitles": True, "captions_url": "https://c.example/a.vtt"}
    project, mask = project_from_body(body)
    assert (project.aspect_ratio, project.subtitles) == (pb.ASPECT_RATIO_9_16, True)
    assert project.captions_url == "https://c.example/a.vtt" and mask == list(body)
    written = project_json(project)
    assert {k: written[k] for k in body} == body
    project, mask = project_from_body({"captions_url": None, "subtitles": False})
    assert not project.HasField("captions_url") and mask == ["captions_url", "subtitles"]


def test_a_project_stored_before_the_fields_existed_reads_as_today() -> None:
    written = project_json(Project(video_job=pb.VideoJob()))
    assert (written["aspect_ratio"], written["subtitles"], written["captions_url"]) == (
        "16:9",
        False,
        None,
    )
    assert written["video_job"]["requested"]["aspect_ratio"] == "16:9"
    assert written["video_job"]["requested"]["subtitles"] is False


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"aspect_ratio": "1:1", "subtitles": True}, {"aspect_ratio": 3, "subtitles": True}),
        ({"aspect_ratio": None, "subtitles": None}, {}),
    ],
)
def test_the_video_step_takes_aspect_and_subtitles(body: dict, fields: dict) -> None:
    assert step_fields(body, VIDEO_BODY) == fields


@pytest.mark.parametrize("body", [{"aspect_ratio": "4:3"}, {"subtitles": "no"}])
def test_the_video_step_refuses_other_values(body: dict) -> None:
    with pytest.raises(HttpError) as raised:
        step_fields(body, VIDEO_BODY)
    assert raised.value.errors is not None
    assert [v.field for v in raised.value.errors] == list(body)
