"""The orchestrator's rules of the resource (ranges, lengths, URLs) over a body the edge
accepted: each wrong value an InvalidArgument naming exactly the fields at fault, on
create (the contract's defaults filled in) and on update (the body's keys as the mask).
tests/integration/test_rest_errors.py sends one such body over POST, PUT and PATCH."""

import math
from typing import Any

import pytest
from ai_studio.v1.project_pb2 import Project, Scene

from edge.codec import project_from_body
from orchestrator.errors import InvalidArgument
from orchestrator.services.projects import with_defaults
from orchestrator.store.base import WRITABLE_FIELDS
from orchestrator.text import bad_character
from orchestrator.validation import check_overrides, clean_project, mask_fields
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


# -- text the services cannot use (#9): every text field of the resource --------------------

# Each text field of a project: how to set it to a text, and the field a violation names.
TEXT_FIELDS = {
    "title": (lambda t: {"title": f"A {t} title"}, "title", False),
    "description": (lambda t: {"description": t}, "description", True),
    "script_text": (lambda t: {"script_text": t}, "script_text", True),
    "prompt": (
        lambda t: {"images": [Scene(prompt="ok"), Scene(prompt=t)]},
        "images[1].prompt",
        True,
    ),
    "inspiration": (
        lambda t: {"video_inspirations": ["ok", t]},
        "video_inspirations[1]",
        False,
    ),
    **{
        name: (lambda t, name=name: {name: f"https://cdn.example/a{t}b"}, name, False)
        for name in URL_FIELDS
    },
    "scene-url": (
        lambda t: {"images": [Scene(prompt="p", url=f"https://cdn.example/{t}")]},
        "images[0].url",
        False,
    ),
}

# Control characters no field takes (lone surrogates cannot even be put in a message:
# see test_lone_surrogates_never_reach_a_rule).
NEVER = ["\x00", "\x0f", "\x1b", "\x7f", "\x85", "\x9f"]
# Taken by the fields of several lines only.
LINE_BREAKS = ["\n", "\r", "\t"]


@pytest.mark.parametrize("char", NEVER + LINE_BREAKS, ids=repr)
@pytest.mark.parametrize("name", TEXT_FIELDS)
@pytest.mark.parametrize("write", ["create", "update"])
def test_every_text_field_refuses_what_no_service_can_use(write: str, name: str, char: str) -> None:
    make, field, multiline = TEXT_FIELDS[name]
    overrides = make(f"one{char}two")
    project = valid_project(**overrides)
    fields = WRITABLE_FIELDS if write == "create" else mask_fields(list(overrides))
    if multiline and char in LINE_BREAKS:
        clean_project(project, fields)  # taken
        return
    with pytest.raises(InvalidArgument) as raised:
        clean_project(project, fields)
    assert [v.field for v in raised.value.violations] == [field]
    assert f"U+{ord(char):04X}" in raised.value.violations[0].description


# The text fields of the generation requests: the violation names the request's field.
STEP_TEXTS = {
    "title": (lambda t: (Project(title=t), {"title": "title"}, None), "title", False),
    "description": (
        lambda t: (Project(description=t), {"description": "description"}, None),
        "description",
        True,
    ),
    "script_text": (
        lambda t: (Project(script_text=t), {"script_text": "script_text"}, None),
        "script_text",
        True,
    ),
    "images": (
        lambda t: (Project(images=[Scene(prompt=t)]), {"images": "images"}, None),
        "images[0].prompt",
        True,
    ),
    "prompt": (lambda t: (Project(), {}, t), "prompt", True),
}


@pytest.mark.parametrize("char", NEVER + LINE_BREAKS, ids=repr)
@pytest.mark.parametrize("name", STEP_TEXTS)
def test_the_generation_requests_refuse_them_too(name: str, char: str) -> None:
    make, field, multiline = STEP_TEXTS[name]
    values, names, prompt = make(f"one{char}two")
    if multiline and char in LINE_BREAKS:
        check_overrides(values, names, prompt)
        return
    with pytest.raises(InvalidArgument) as raised:
        check_overrides(values, names, prompt)
    assert [v.field for v in raised.value.violations] == [field]


@pytest.mark.parametrize("text", ["\ud800", "a\udfff", "\udac6b"])
def test_lone_surrogates_never_reach_a_rule(text: str) -> None:
    # Protobuf refuses them in a string field (so a gRPC peer cannot send one, and the
    # edge refuses JSON holding one as malformed); the rules refuse them all the same.
    with pytest.raises(UnicodeEncodeError):
        Project(title=text)
    assert bad_character(text, multiline=True) is not None
    assert "lone surrogate" in (bad_character(text, multiline=False) or "")


def test_a_title_trimmed_of_control_whitespace_is_fine() -> None:
    project = valid_project(title="\x1c\t A title \n\x85")
    clean_project(project, ["title"])
    assert project.title == "A title"


def test_letters_of_every_script_and_emoji_are_fine() -> None:
    text = "Ça coûte 5 €: señor, Größe, perché, ação — 東京 🐝\u200d\u2028"
    project = valid_project(
        title=text,
        description=text,
        script_text=text,
        images=[Scene(prompt=text)],
        video_inspirations=[text],
    )
    clean_project(project, WRITABLE_FIELDS)
