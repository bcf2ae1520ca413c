"""Text no service can use (issue #9, "no 5xx for any input"), at every endpoint that
takes text, over REST and gRPC: a control character, a lone surrogate, a script with
nothing to speak, a prompt with nothing to draw. Each is a 400 (INVALID_ARGUMENT) naming
the field, no service is called and the project is left as it was. The rules themselves,
for every text field, are unit tests (tests/unit/test_validation.py)."""

from typing import Any

import grpc
import pytest
from ai_studio.v1 import project_service_pb2 as pbs
from ai_studio.v1.project_pb2 import Project, Scene
from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub
from google.protobuf.field_mask_pb2 import FieldMask

from orchestrator.server import Orchestrator
from tests.integration.helpers import (
    SCENES,
    Api,
    Fakes,
    assert_error,
    assert_invalid,
    only_called,
    rpc_failure,
)


@pytest.fixture
def orchestrator(stack: Orchestrator) -> Orchestrator:
    """The conftest's stub, client and api reach the orchestrator wired to the fakes."""
    return stack


@pytest.fixture
async def project(api: Api) -> dict[str, Any]:
    return await api.create(title="Bees", script_text="Bees dance.", images=SCENES)


# (method, route under /projects/{id} or None for /projects, body, code, the field named)
REST_CASES = [
    ("POST", None, {"title": "A\u000fbee"}, "VALIDATION_ERROR", "title"),
    ("PUT", "", {"description": "Bees\u0000"}, "VALIDATION_ERROR", "description"),
    (
        "PATCH",
        "",
        {"video_inspirations": ["ok", "a\u001b[31m"]},
        "VALIDATION_ERROR",
        "video_inspirations[1]",
    ),
    ("PATCH", "", {"images": [{"prompt": "a\u0085b"}]}, "VALIDATION_ERROR", "images[0].prompt"),
    (
        "PATCH",
        "",
        {"captions_url": "https://cdn.example/a\u007f.vtt"},
        "VALIDATION_ERROR",
        "captions_url",
    ),
    ("POST", "/generate-script", {"title": "Bees\u007f"}, "VALIDATION_ERROR", "title"),
    ("POST", "/generate-script", {"description": "\u0007"}, "VALIDATION_ERROR", "description"),
    ("POST", "/generate-audio", {"script_text": "\u000f"}, "VALIDATION_ERROR", "script_text"),
    # Issue #9's own example: a surrogate pair, U+C1A27, unassigned: nothing to speak.
    ("POST", "/generate-audio", {"script_text": "\udac6\ude27"}, "NOTHING_TO_SPEAK", "script_text"),
    (
        "POST",
        "/generate-audio",
        {"script_text": "... !? \u2026"},
        "NOTHING_TO_SPEAK",
        "script_text",
    ),
    (
        "POST",
        "/generate-images",
        {"images": [{"prompt": "a"}, {"prompt": "\u0008"}]},
        "VALIDATION_ERROR",
        "images[1].prompt",
    ),
    (
        "POST",
        "/generate-images",
        {"images": [{"prompt": "a"}, {"prompt": "?!"}]},
        "NOTHING_TO_DRAW",
        "images[1].prompt",
    ),
    ("POST", "/generate-images/1", {"prompt": "a\u009fb"}, "VALIDATION_ERROR", "prompt"),
    ("POST", "/generate-images/1", {"prompt": "- . -"}, "NOTHING_TO_DRAW", "prompt"),
]


@pytest.mark.parametrize(("method", "route", "body", "code", "field"), REST_CASES)
async def test_unusable_text_is_a_400_naming_the_field_over_rest(
    api: Api, fakes: Fakes, project: dict, method: str, route, body: dict, code: str, field: str
) -> None:
    path = "/projects" if route is None else f"/projects/{project['id']}{route}"
    resp = await api.client.request(method, path, json=body)
    await assert_error(resp, 400, code, [field])
    only_called(fakes)
    assert await api.all() == [project]


ROUTES = [
    ("POST", None),
    ("PUT", ""),
    ("PATCH", ""),
    ("POST", "/generate-script"),
    ("POST", "/generate-audio"),
    ("POST", "/generate-images"),
    ("POST", "/generate-images/1"),
]
LONE_SURROGATES = [
    b'{"title": "\\ud800"}',
    b'{"script_text": "a\\udfffb"}',
    b'{"images": [{"prompt": "\\udac6"}]}',
    b'{"prompt": "\\ude27\\udac6"}',  # the wrong way round: two lone halves
]


@pytest.mark.parametrize("raw", LONE_SURROGATES)
@pytest.mark.parametrize(("method", "route"), ROUTES)
async def test_json_holding_a_lone_surrogate_is_malformed(
    api: Api, fakes: Fakes, project: dict, method: str, route, raw: bytes
) -> None:
    path = "/projects" if route is None else f"/projects/{project['id']}{route}"
    body = await assert_error(await api.send(method, path, raw), 400, "MALFORMED_JSON")
    assert "surrogate" in body["detail"]
    only_called(fakes)
    assert await api.all() == [project]


def _rpcs(project_id: str) -> list[tuple[str, Any, str]]:
    """(method, request, the field named) for every RPC that takes text; a field named
    "words:..." is a text without words, a precondition."""
    return [
        (
            "CreateProject",
            pbs.CreateProjectRequest(project=Project(title="Bees", description="a\x00b")),
            "description",
        ),
        (
            "UpdateProject",
            pbs.UpdateProjectRequest(
                project=Project(id=project_id, video_inspirations=["\x1b"]),
                update_mask=FieldMask(paths=["video_inspirations"]),
            ),
            "video_inspirations[0]",
        ),
        ("GenerateScript", pbs.GenerateScriptRequest(id=project_id, title="a\nb"), "title"),
        (
            "GenerateAudio",
            pbs.GenerateAudioRequest(id=project_id, script_text="\x0f"),
            "script_text",
        ),
        (
            "GenerateAudio",
            pbs.GenerateAudioRequest(id=project_id, script_text="\U000c1a27"),
            "words:script_text",
        ),
        (
            "GenerateImages",
            pbs.GenerateImagesRequest(
                id=project_id, images=pbs.SceneList(scenes=[Scene(prompt="ok"), Scene(prompt="…")])
            ),
            "words:images[1].prompt",
        ),
        (
            "GenerateImage",
            pbs.GenerateImageRequest(id=project_id, scene_index=0, prompt="a\x7f"),
            "prompt",
        ),
    ]


@pytest.mark.parametrize("index", range(len(_rpcs(""))))
async def test_unusable_text_is_invalid_argument_naming_the_field_over_grpc(
    api: Api, stub: ProjectServiceStub, fakes: Fakes, project: dict, index: int
) -> None:
    method, request, field = _rpcs(project["id"])[index]
    if field.startswith("words:"):
        failure = await rpc_failure(getattr(stub, method)(request))
        assert failure.code == grpc.StatusCode.FAILED_PRECONDITION, failure
        assert failure.reason in ("NOTHING_TO_SPEAK", "NOTHING_TO_DRAW"), failure
        assert list(failure.violations) == [field.removeprefix("words:")]
    else:
        await assert_invalid(getattr(stub, method)(request), field)
    only_called(fakes)
    assert await api.all() == [project]


async def test_a_grpc_string_that_is_not_utf8_is_refused_not_an_internal_error(
    channel: grpc.aio.Channel, api: Api, fakes: Fakes, project: dict
) -> None:
    """A peer that bypasses its protobuf library's checks and sends a lone surrogate
    (invalid UTF-8) gets INVALID_ARGUMENT, and nothing happens."""
    encoded = pbs.GenerateAudioRequest(id=project["id"], script_text="xy").SerializeToString()
    raw = encoded.replace(b"xy", b"\xed\xa0")  # U+D800 as (invalid) UTF-8 bytes
    call = channel.unary_unary(
        "/ai_studio.v1.ProjectService/GenerateAudio",
        request_serializer=lambda message: message,
        response_deserializer=lambda data: data,
    )
    failure = await rpc_failure(call(raw, timeout=5))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "VALIDATION_ERROR")
    assert list(failure.violations) == ["request"]
    only_called(fakes)


@pytest.mark.parametrize(
    ("stored", "route", "code", "field"),
    [
        ({"script_text": "... !? \u2026"}, "/generate-audio", "NOTHING_TO_SPEAK", "script_text"),
        (
            {"images": [{"prompt": "a"}, {"prompt": "?!"}]},
            "/generate-images",
            "NOTHING_TO_DRAW",
            "images[1].prompt",
        ),
        (
            {"images": [{"prompt": "a"}, {"prompt": "\u2728"}]},
            "/generate-images/1",
            "NOTHING_TO_DRAW",
            "images[1].prompt",
        ),
    ],
)
async def test_stored_text_without_words_is_refused_the_same(
    api: Api, fakes: Fakes, stored: dict, route: str, code: str, field: str
) -> None:
    project = await api.create(title="Bees", **stored)
    resp = await api.client.post(f"/projects/{project['id']}{route}")
    await assert_error(resp, 400, code, [field])
    only_called(fakes)
    assert await api.get(project["id"]) == project
