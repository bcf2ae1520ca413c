"""The generation RPCs through the real grpc.aio server, with each microservice a
FakeService: payloads from the stored project and the request's fields, the request id
from the call's metadata, the stored result; each class of service failure as a code,
an ErrorInfo reason in domain ai_studio and metadata naming the service; validation as
BadRequest violations named as the request names its fields (style, not script_style);
preconditions, unknown projects and scenes. A refused RPC calls no service."""

from collections.abc import Callable
from typing import Any

import grpc
import pytest
from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1 import project_service_pb2 as pbs
from ai_studio.v1.project_pb2 import Project, Scene
from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub

from orchestrator.server import Orchestrator
from tests.integration.helpers import (
    FAILURES,
    STEPS,
    Failure,
    Fakes,
    Step,
    arm,
    assert_invalid,
    only_called,
    rpc_failure,
)

DEADLINE = 10


@pytest.fixture
def orchestrator(stack: Orchestrator) -> Orchestrator:
    """The conftest's stub reaches the orchestrator wired to the fakes."""
    return stack


STORED = Project(
    title="Bees",
    description="Why bees matter",
    language=pb.LANGUAGE_FR,
    use_case=pb.USE_CASE_STORYTELLING,
    script_style=pb.SCRIPT_STYLE_DRAMATIC,
    script_text="Bees dance.",
    voice_id=pb.VOICE_NOVA,
    audio_speed=1.2,
    audio_pitch=0.8,
    image_style=pb.IMAGE_STYLE_ANIME,
    images=[Scene(prompt=p) for p in ("A hive", "A meadow", "A queen")],
    aspect_ratio=pb.ASPECT_RATIO_1_1,
)


# A project ready to render: its audio, and every scene drawn.
DRAWN: dict[str, Any] = {
    "audio_path": "https://cdn.example/a.mp3",
    "images": [Scene(prompt="A hive", url="https://cdn.example/1.png")],
}


def changed(project: Project, **fields: Any) -> Project:
    """A copy of `project` with `fields` set (lists replace the repeated field)."""
    copy = Project()
    copy.CopyFrom(project)
    for name, value in fields.items():
        copy.ClearField(name)
        if isinstance(value, list):
            getattr(copy, name).extend(value)
        elif value is not None:
            setattr(copy, name, value)
    return copy


async def create(stub: ProjectServiceStub, **fields: Any) -> Project:
    request = pbs.CreateProjectRequest(project=changed(STORED, **fields))
    return await stub.CreateProject(request, timeout=DEADLINE)


async def get(stub: ProjectServiceStub, project_id: str) -> Project:
    return await stub.GetProject(pbs.GetProjectRequest(id=project_id), timeout=DEADLINE)


# Each RPC by its step's name (helpers.STEPS, and video): method, request, fixed fields.
RPCS: dict[str, tuple[str, type, dict[str, Any]]] = {
    "script": ("GenerateScript", pbs.GenerateScriptRequest, {}),
    "audio": ("GenerateAudio", pbs.GenerateAudioRequest, {}),
    "images": ("GenerateImages", pbs.GenerateImagesRequest, {}),
    "image": ("GenerateImage", pbs.GenerateImageRequest, {"scene_index": 1}),
    "video": ("GenerateVideo", pbs.GenerateVideoRequest, {}),
}


def call(stub: ProjectServiceStub, step: str, project_id: str, fields=None, **options):
    method, request, fixed = RPCS[step]
    options.setdefault("timeout", DEADLINE)
    return getattr(stub, method)(request(id=project_id, **{**fixed, **(fields or {})}), **options)


def scenes(*prompts: str, url: str | None = None) -> pbs.SceneList:
    return pbs.SceneList(scenes=[Scene(prompt=p, url=url) for p in prompts])


# (step, request fields, what the service receives, what is stored given the fake's
# media URLs)
PAYLOADS = [
    pytest.param(
        "script",
        {"title": "Abeilles", "style": pb.SCRIPT_STYLE_CASUAL},
        {
            "title": "Abeilles",
            "description": "Why bees matter",
            "use_case": "storytelling",
            "language": "fr",
            "style": "casual",
        },
        lambda url: {
            "script_text": "A script about Abeilles.",
            "script_style": pb.SCRIPT_STYLE_CASUAL,
            "status": pb.PROJECT_STATUS_SCRIPT_GENERATED,
        },
        id="script",
    ),
    pytest.param(
        "audio",
        {"voice_id": pb.VOICE_ECHO, "audio_speed": 0.9, "language": pb.LANGUAGE_IT},
        {
            "script_text": "Bees dance.",
            "voice_id": "echo",
            "audio_speed": 0.9,
            "audio_pitch": 0.8,
            "language": "it",
        },
        lambda url: {
            "audio_path": url("audio-0.mp3"),
            "captions_url": url("captions-1.vtt"),
            "voice_id": pb.VOICE_ECHO,
            "audio_speed": 0.9,
            "status": pb.PROJECT_STATUS_AUDIO_READY,
        },
        id="audio",
    ),
    pytest.param(
        "images",
        {"images": scenes("A bee", url="https://old.example/x"), "style": pb.IMAGE_STYLE_SKETCH},
        {"images": [{"prompt": "A bee"}], "style": "sketch", "aspect_ratio": "1:1"},
        lambda url: {
            "images": [Scene(prompt="A bee", url=url("image-0.png"))],
            "image_style": pb.IMAGE_STYLE_SKETCH,
            "status": pb.PROJECT_STATUS_IMAGES_READY,
        },
        id="images",
    ),
    pytest.param(
        "image",
        {"prompt": "A field"},
        {"prompt": "A field", "style": "anime", "aspect_ratio": "1:1"},
        lambda url: {
            "images": [
                STORED.images[0],
                Scene(prompt="A field", url=url("image-0.png")),
                STORED.images[2],
            ]
        },
        id="image",
    ),
]


@pytest.mark.parametrize(("step", "fields", "sent", "stored"), PAYLOADS)
async def test_a_step_sends_the_payload_and_the_request_id_and_stores_the_result(
    stub: ProjectServiceStub, fakes: Fakes, step: str, fields: dict, sent: dict, stored: Callable
) -> None:
    project = await create(stub)
    s = STEPS[step]
    reply = await call(stub, step, project.id, fields, metadata=(("x-request-id", "grpc-7"),))

    only_called(fakes, s.service)
    (received,) = fakes[s.service].received
    assert (received.path, received.body) == (s.remote, sent)
    assert received.headers["X-Request-ID"] == "grpc-7"

    after = await get(stub, project.id)
    base = fakes[s.service].base_url.rstrip("/")
    expected = changed(project, **stored(lambda name: f"{base}/media/{name}"))
    assert after.update_time != project.update_time
    expected.update_time.CopyFrom(after.update_time)
    assert after.revision > project.revision
    expected.revision = after.revision
    assert after == expected
    if step == "image":
        assert reply == pbs.GenerateImageResponse(image_url=after.images[1].url, scene_index=1)
    else:
        assert reply == after


def _one_step_each() -> list:
    """Each failure class once, the steps taking turns (a URL failure needs a step whose
    answer carries a URL)."""
    steps = list(STEPS.values())
    params = []
    for i, failure in enumerate(FAILURES):
        able = [s for s in steps if s.answer_with_url is not None or not failure.needs_url]
        step = able[i % len(able)]
        params.append(pytest.param(step, failure, id=f"{failure.id}-{step.name}"))
    return params


@pytest.mark.parametrize(("step", "failure"), _one_step_each())
async def test_a_failing_service_is_a_rich_status_naming_it(
    stub: ProjectServiceStub, fakes: Fakes, step: Step, failure: Failure
) -> None:
    project = await create(stub)
    await arm(fakes, step, failure)
    failed = await rpc_failure(call(stub, step.name, project.id))
    assert (failed.code, failed.reason, failed.domain) == (
        failure.code,
        failure.reason,
        "ai_studio",
    )
    assert failed.metadata == {"service": step.service}
    assert f"the {step.service} service" in failed.message and failure.words in failed.message
    only_called(fakes, step.service, failure.calls)
    assert await get(stub, project.id) == project


async def test_the_callers_deadline_cuts_a_slow_service_short(
    stub: ProjectServiceStub, fakes: Fakes
) -> None:
    project = await create(stub)
    fakes.script.misbehave(hang=True)
    # Shorter than the service's own timeout: the orchestrator answers just before it.
    failed = await rpc_failure(call(stub, "script", project.id, timeout=0.3))
    assert (failed.code, failed.reason) == (grpc.StatusCode.DEADLINE_EXCEEDED, "UPSTREAM_TIMEOUT")
    assert failed.metadata == {"service": "script"}


INVALID = [
    ("script", {"style": 99}, ["style"]),
    ("script", {"title": "  "}, ["title"]),
    ("script", {"description": "x" * 5001}, ["description"]),
    ("script", {"use_case": 42, "language": 9}, ["use_case", "language"]),
    ("audio", {"audio_speed": 2.0, "audio_pitch": 0.0}, ["audio_speed", "audio_pitch"]),
    ("audio", {"voice_id": 77}, ["voice_id"]),
    ("audio", {"script_text": "x" * 20001}, ["script_text"]),
    ("images", {"images": scenes(""), "style": 50}, ["images[0].prompt", "style"]),
    ("images", {"images": scenes("a", url="ftp://x")}, ["images[0].url"]),
    ("images", {"images": scenes(*["a"] * 51)}, ["images"]),
    ("image", {"prompt": " "}, ["prompt"]),
    ("image", {"style": 12}, ["style"]),
    pytest.param(
        "image",
        {"prompt": "", "style": 12},
        ["prompt", "style"],
        id="image-prompt-and-style",
    ),
    ("video", {"fps": 25}, ["fps"]),
    ("video", {"fps": 0}, ["fps"]),
    ("video", {"template": 99}, ["template"]),
    ("video", {"resolution": 9, "background_music": 9}, ["resolution", "background_music"]),
    ("video", {"aspect_ratio": 7}, ["aspect_ratio"]),
]


@pytest.mark.parametrize(("step", "fields", "violations"), INVALID)
async def test_an_invalid_request_names_the_requests_fields_and_calls_no_service(
    stub: ProjectServiceStub, fakes: Fakes, step: str, fields: dict, violations: list[str]
) -> None:
    project = await create(stub, audio_path="https://cdn.example/a.mp3")
    await assert_invalid(call(stub, step, project.id, fields), *violations)
    only_called(fakes)
    assert await get(stub, project.id) == project


@pytest.mark.parametrize("step", RPCS)
async def test_an_empty_id_is_invalid(stub: ProjectServiceStub, fakes: Fakes, step: str) -> None:
    await assert_invalid(call(stub, step, ""), "id")
    only_called(fakes)


@pytest.mark.parametrize(
    ("step", "stored", "reason"),
    [
        ("audio", {"script_text": " "}, "SCRIPT_REQUIRED"),
        ("images", {"images": []}, "IMAGES_REQUIRED"),
        ("video", {}, "AUDIO_REQUIRED"),
        ("video", {"audio_path": "https://cdn.example/a.mp3"}, "IMAGES_REQUIRED"),
        ("video", {**DRAWN, "subtitles": True}, "CAPTIONS_REQUIRED"),
    ],
)
async def test_an_unmet_precondition_calls_no_service(
    stub: ProjectServiceStub, fakes: Fakes, step: str, stored: dict, reason: str
) -> None:
    project = await create(stub, **stored)
    failed = await rpc_failure(call(stub, step, project.id))
    assert (failed.code, failed.reason) == (grpc.StatusCode.FAILED_PRECONDITION, reason)
    only_called(fakes)
    assert await get(stub, project.id) == project


@pytest.mark.parametrize("step", RPCS)
async def test_an_unknown_project_is_not_found(
    stub: ProjectServiceStub, fakes: Fakes, step: str
) -> None:
    failed = await rpc_failure(call(stub, step, "nope"))
    assert (failed.code, failed.reason) == (grpc.StatusCode.NOT_FOUND, "PROJECT_NOT_FOUND")
    only_called(fakes)


@pytest.mark.parametrize("index", [3, -1, 2**31 - 1])
async def test_an_unknown_scene_is_not_found(
    stub: ProjectServiceStub, fakes: Fakes, index: int
) -> None:
    project = await create(stub)
    failed = await rpc_failure(call(stub, "image", project.id, {"scene_index": index}))
    assert (failed.code, failed.reason) == (grpc.StatusCode.NOT_FOUND, "SCENE_NOT_FOUND")
    only_called(fakes)
    assert await get(stub, project.id) == project


async def test_a_render_sends_the_aspect_subtitles_and_captions(
    stub: ProjectServiceStub, fakes: Fakes
) -> None:
    project = await create(stub, **DRAWN, captions_url="https://cdn.example/a.vtt")
    request = pbs.GenerateVideoRequest(
        id=project.id, aspect_ratio=pb.ASPECT_RATIO_9_16, subtitles=True
    )
    job = await stub.GenerateVideo(request, timeout=DEADLINE)
    assert (job.requested.aspect_ratio, job.requested.subtitles) == (pb.ASPECT_RATIO_9_16, True)
    await fakes.video.called()
    body = fakes.video.received[0].body
    assert {k: body[k] for k in ("aspect_ratio", "subtitles", "captions_url")} == {
        "aspect_ratio": "9:16",
        "subtitles": True,
        "captions_url": "https://cdn.example/a.vtt",
    }
