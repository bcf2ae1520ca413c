"""The orchestrator's rules of the resource (ranges, lengths, URLs) over a body the edge
accepted: each wrong value an InvalidArgument naming exactly the fields at fault, on
create (the contract's defaults filled in) and on update (the body's keys as the mask).
tests/integration/test_rest_errors.py sends one such body over POST, PUT and PATCH."""

import math
from typing import Any

import pytest
from ai_studio.v1.project_pb2 import Scene

from edge.codec import project_from_body
from orchestrator.errors import InvalidArgument
from orchestrator.services.projects import with_defaults
from orchestrator.store.base import WRITABLE_FIELDS
from orchestrator.validation import clean_project, mask_fields
from tests.fakes.projects import BAD_URLS, ENUM_FIELDS, URL_FIELDS, valid_project

# Values the orchestrator rejects (ranges, lengths, URLs): (body, fields).
OUT_OF_RANGE = [
    ({"title": ""}, ["title"]),
    ({"title": "   "}, ["title"]),
    ({"title": "x" * 201}, ["title"]),
    ({"description": "d" * 5001}, ["description"]),
    ({"script_text": "s" * 20001}, ["script_text"]),
    ({"audio_speed": 0.69}, ["audio_speed"]),
    ({"audio_speed": 1.31}, ["audio_speed"]),
    ({"audio_pitch": 0.69}, ["audio_pitch"]),
    ({"audio_pitch": 1.31}, ["audio_pitch"]),
    ({"audio_pitch": -1}, ["audio_pitch"]),
    ({"fps": 25}, ["fps"]),
    ({"fps": -30}, ["fps"]),
    ({"duration": -1}, ["duration"]),
    ({"duration": -0.001}, ["duration"]),
    ({"images": [{"prompt": "p"}] * 51}, ["images"]),
    ({"images": [{"prompt": ""}]}, ["images[0].prompt"]),
    ({"images": [{}]}, ["images[0].prompt"]),
    ({"images": [{"prompt": "ok"}, {"prompt": " "}]}, ["images[1].prompt"]),
    ({"images": [{"prompt": "p" * 1001}]}, ["images[0].prompt"]),
    ({"images": [{"prompt": "p", "url": "javascript:alert(1)"}]}, ["images[0].url"]),
    ({"audio_path": "javascript:alert(1)"}, ["audio_path"]),
    ({"audio_path": "ftp://x"}, ["audio_path"]),
    ({"video_url": "http://"}, ["video_url"]),
    ({"thumbnail": "data:image/png;base64,AAAA"}, ["thumbnail"]),
    ({"thumbnail": ""}, ["thumbnail"]),
    ({"thumbnail": "http://["}, ["thumbnail"]),
    ({"video_inspirations": ["i"] * 21}, ["video_inspirations"]),
    (
        {"title": "", "fps": 25, "audio_speed": 2, "images": [{"prompt": "p", "url": "ftp://x"}]},
        ["title", "fps", "audio_speed", "images[0].url"],
    ),
]


@pytest.mark.parametrize(("body", "fields"), OUT_OF_RANGE)
@pytest.mark.parametrize("write", ["create", "update"])
def test_a_value_out_of_range_is_a_violation_of_its_field(
    write: str, body: dict[str, Any], fields: list[str]
) -> None:
    if write == "create" and "title" not in body:
        body = {"title": "Fine", **body}  # create fails for the fields tested alone
    project, mask = project_from_body(body)
    with pytest.raises(InvalidArgument) as raised:
        if write == "create":
            clean_project(with_defaults(project), WRITABLE_FIELDS)
        else:
            clean_project(project, mask_fields(mask))
    assert sorted(v.field for v in raised.value.violations) == sorted(fields)
    for name in fields:
        assert name in str(raised.value)


# Each rule of the resource table, broken once: (overrides of a valid project, the one
# field violation expected).
INVALID = [
    pytest.param({"title": ""}, "title", id="title-empty"),
    pytest.param({"title": " \t\n "}, "title", id="title-whitespace"),
    pytest.param({"title": "x" * 201}, "title", id="title-201"),
    pytest.param({"title": " " + "x" * 201 + " "}, "title", id="title-201-trimmed"),
    pytest.param({"description": "d" * 5001}, "description", id="description-5001"),
    pytest.param({"script_text": "s" * 20001}, "script_text", id="script_text-20001"),
    pytest.param({"audio_speed": 0.69}, "audio_speed", id="audio_speed-0.69"),
    pytest.param({"audio_speed": 1.31}, "audio_speed", id="audio_speed-1.31"),
    pytest.param({"audio_speed": math.nan}, "audio_speed", id="audio_speed-nan"),
    pytest.param({"audio_speed": -1.0}, "audio_speed", id="audio_speed-negative"),
    pytest.param({"audio_pitch": 0.69}, "audio_pitch", id="audio_pitch-0.69"),
    pytest.param({"audio_pitch": 1.31}, "audio_pitch", id="audio_pitch-1.31"),
    pytest.param({"audio_pitch": math.inf}, "audio_pitch", id="audio_pitch-inf"),
    pytest.param({"fps": 25}, "fps", id="fps-25"),
    pytest.param({"fps": -30}, "fps", id="fps-negative"),
    pytest.param({"fps": 120}, "fps", id="fps-120"),
    pytest.param({"duration": -1.0}, "duration", id="duration-negative"),
    pytest.param({"duration": math.inf}, "duration", id="duration-inf"),
    pytest.param({"duration": math.nan}, "duration", id="duration-nan"),
    pytest.param({"images": [Scene(prompt="p")] * 51}, "images", id="images-51"),
    pytest.param(
        {"images": [Scene(prompt="ok"), Scene(prompt="")]}, "images[1].prompt", id="prompt-empty"
    ),
    pytest.param({"images": [Scene(prompt="   ")]}, "images[0].prompt", id="prompt-whitespace"),
    pytest.param({"images": [Scene(prompt="p" * 1001)]}, "images[0].prompt", id="prompt-1001"),
    pytest.param(
        {"images": [Scene(prompt="p", url="javascript:alert(1)")]},
        "images[0].url",
        id="scene-url-javascript",
    ),
    pytest.param(
        {"images": [Scene(prompt="p", url="ftp://x")]}, "images[0].url", id="scene-url-ftp"
    ),
    pytest.param({"video_inspirations": ["i"] * 21}, "video_inspirations", id="inspirations-21"),
    *(pytest.param({name: 99}, name, id=f"{name}-unknown-number") for name in ENUM_FIELDS),
    *(
        pytest.param({name: url}, name, id=f"{name}-{url[:20]!r}")
        for name in URL_FIELDS
        for url in BAD_URLS
    ),
]


@pytest.mark.parametrize(("overrides", "field"), INVALID)
@pytest.mark.parametrize("write", ["create", "update"])
def test_each_rule_of_the_resource_refuses_its_field(
    write: str, overrides: dict[str, Any], field: str
) -> None:
    project = valid_project(**overrides)
    with pytest.raises(InvalidArgument) as raised:
        if write == "create":
            clean_project(with_defaults(project), WRITABLE_FIELDS)
        else:
            clean_project(project, mask_fields(list(overrides)))
    assert [v.field for v in raised.value.violations] == [field]
    assert field in str(raised.value)
