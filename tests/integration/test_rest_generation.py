"""The synchronous generation steps over REST, through the real edge and orchestrator,
with each microservice a FakeService: the exact payload each service receives (the
stored project's values where the body is silent), the request id it sees, what is
stored and answered, the status each step moves to; then every way a service can fail
and every request that must be refused, each answered in the contract's error shape
with the project left as it was, and a refused request calling no service at all."""

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import ClientResponse

from orchestrator.server import Orchestrator
from tests.integration.helpers import (
    SCENES,
    STEP_FAILURES,
    STEPS,
    Api,
    Failure,
    Fakes,
    Step,
    arm,
    assert_error,
    only_called,
)


@pytest.fixture
def orchestrator(stack: Orchestrator) -> Orchestrator:
    """The conftest's stub, client and api reach the orchestrator wired to the fakes."""
    return stack


# A project whose every generation input differs from the defaults, and that meets
# every step's precondition: what a step sends for a field its body leaves out.
STORED: dict[str, Any] = {
    "title": "Bees",
    "description": "Why bees matter",
    "language": "fr",
    "use_case": "storytelling",
    "script_style": "dramatic",
    "script_text": "Bees dance.",
    "voice_id": "nova",
    "audio_speed": 1.2,
    "audio_pitch": 0.8,
    "image_style": "anime",
    "images": SCENES,
    "aspect_ratio": "9:16",
}


@pytest.fixture
async def project(api: Api) -> dict[str, Any]:
    return await api.create(**STORED)


async def post(api: Api, project_id: str, route: str, body: Any = None, **kw) -> ClientResponse:
    """POST a step; a None body sends no body at all."""
    if body is not None:
        kw["json"] = body
    return await api.client.post(f"/projects/{project_id}{route}", **kw)


def media(fakes: Fakes, service: str) -> Callable[[str], str]:
    """The URL of the fake's n-th media file: media("image-0.png")."""
    base = fakes[service].base_url.rstrip("/")
    return lambda name: f"{base}/media/{name}"


def untimed(project: dict[str, Any]) -> dict[str, Any]:
    """The project less what every write changes: its update time and revision."""
    return {k: v for k, v in project.items() if k not in ("updated_at", "revision")}


# -- the happy path: payloads, stored results, answers -------------------------------------

SCRIPT_DEFAULTS = {
    "title": "Bees",
    "description": "Why bees matter",
    "use_case": "storytelling",
    "language": "fr",
    "style": "dramatic",
}
AUDIO_DEFAULTS = {
    "script_text": "Bees dance.",
    "voice_id": "nova",
    "audio_speed": 1.2,
    "audio_pitch": 0.8,
    "language": "fr",
}
PROMPTS = [{"prompt": s["prompt"]} for s in SCENES]


def drawn(prompts: list[str], url: Callable[[str], str]) -> list[dict[str, Any]]:
    return [{"prompt": p, "url": url(f"image-{i}.png")} for i, p in enumerate(prompts)]


# (step, body, what the service receives, what is stored given the fake's media URLs)
PAYLOADS = [
    pytest.param(
        "script",
        None,
        SCRIPT_DEFAULTS,
        lambda url: {
            "script_text": "A script about Bees.",
            "script_style": "dramatic",
            "status": "script_generated",
        },
        id="script-no-body",
    ),
    pytest.param(
        "script",
        {
            "title": "Abeilles",
            "description": "",
            "use_case": "youtube_short",
            "language": "pt",
            "style": "comedic",
        },
        {
            "title": "Abeilles",
            "description": "",
            "use_case": "youtube_short",
            "language": "pt",
            "style": "comedic",
        },
        # The title, description, use case and language given are for this call only.
        lambda url: {
            "script_text": "A script about Abeilles.",
            "script_style": "comedic",
            "status": "script_generated",
        },
        id="script-every-field",
    ),
    pytest.param(
        "script",
        {"title": None, "description": None, "style": None, "use_case": "commercial"},
        {**SCRIPT_DEFAULTS, "use_case": "commercial"},
        lambda url: {
            "script_text": "A script about Bees.",
            "script_style": "dramatic",
            "status": "script_generated",
        },
        id="script-nulls-are-not-given",
    ),
    pytest.param(
        "audio",
        None,
        AUDIO_DEFAULTS,
        lambda url: {
            "audio_path": url("audio-0.mp3"),
            "captions_url": url("captions-1.vtt"),
            "voice_id": "nova",
            "audio_speed": 1.2,
            "audio_pitch": 0.8,
            "status": "audio_ready",
        },
        id="audio-no-body",
    ),
    pytest.param(
        "audio",
        {
            "script_text": "Other words.",
            "voice_id": "shimmer",
            "audio_speed": 0.7,
            "audio_pitch": 1.3,
            "language": "de",
        },
        {
            "script_text": "Other words.",
            "voice_id": "shimmer",
            "audio_speed": 0.7,
            "audio_pitch": 1.3,
            "language": "de",
        },
        lambda url: {
            "audio_path": url("audio-0.mp3"),
            "captions_url": url("captions-1.vtt"),
            "voice_id": "shimmer",
            "audio_speed": 0.7,
            "audio_pitch": 1.3,
            "status": "audio_ready",
        },
        id="audio-every-field",
    ),
    pytest.param(
        "audio",
        {"audio_speed": 1, "voice_id": "echo"},
        {**AUDIO_DEFAULTS, "audio_speed": 1.0, "voice_id": "echo"},
        lambda url: {
            "audio_path": url("audio-0.mp3"),
            "captions_url": url("captions-1.vtt"),
            "voice_id": "echo",
            "audio_speed": 1.0,
            "audio_pitch": 0.8,
            "status": "audio_ready",
        },
        id="audio-integer-speed",
    ),
    pytest.param(
        "images",
        None,
        {"images": PROMPTS, "style": "anime", "aspect_ratio": "9:16"},
        lambda url: {
            "images": drawn([s["prompt"] for s in SCENES], url),
            "image_style": "anime",
            "status": "images_ready",
        },
        id="images-no-body",
    ),
    pytest.param(
        "images",
        {
            "images": [
                {"prompt": "  A bee  ", "url": "https://old.example/bee.png"},
                {"prompt": "A"},
            ],
            "style": "flat_design",
        },
        {
            "images": [{"prompt": "A bee"}, {"prompt": "A"}],
            "style": "flat_design",
            "aspect_ratio": "9:16",
        },
        lambda url: {
            "images": drawn(["A bee", "A"], url),
            "image_style": "flat_design",
            "status": "images_ready",
        },
        id="images-every-field",
    ),
    pytest.param(
        "image",
        None,
        {"prompt": "A meadow", "style": "anime", "aspect_ratio": "9:16"},
        lambda url: {"images": [SCENES[0], drawn(["A meadow"], url)[0], SCENES[2]]},
        id="image-no-body",
    ),
    pytest.param(
        "image",
        {"prompt": " A field ", "style": "oil_painting"},
        {"prompt": "A field", "style": "oil_painting", "aspect_ratio": "9:16"},
        # The style is for this call only; the status does not move.
        lambda url: {"images": [SCENES[0], drawn(["A field"], url)[0], SCENES[2]]},
        id="image-every-field",
    ),
]


@pytest.mark.parametrize(("step", "body", "sent", "stored"), PAYLOADS)
async def test_a_step_sends_the_payload_then_stores_and_answers_the_result(
    api: Api, fakes: Fakes, project: dict, step: str, body, sent: dict, stored
) -> None:
    s = STEPS[step]
    resp = await post(api, project["id"], s.route, body)
    assert resp.status == 200, await resp.text()
    answer = await resp.json()

    only_called(fakes, s.service)
    (call,) = fakes[s.service].received
    assert (call.path, call.body) == (s.remote, sent)

    after = await api.get(project["id"])
    assert untimed(after) == untimed({**project, **stored(media(fakes, s.service))})
    assert after["updated_at"] != project["updated_at"]
    if step == "image":
        assert answer == {"image_url": after["images"][1]["url"], "scene_index": 1}
    else:
        assert answer == after


@pytest.mark.parametrize("raw", [b"", b"  \n", b"{}"], ids=["empty", "blank", "empty-object"])
async def test_an_empty_body_means_the_stored_values(api: Api, fakes: Fakes, project, raw) -> None:
    resp = await api.send("POST", f"/projects/{project['id']}/generate-script", raw)
    assert resp.status == 200, await resp.text()
    assert fakes.script.received[0].body == SCRIPT_DEFAULTS


async def test_a_script_given_in_the_body_meets_the_audio_precondition(
    api: Api, fakes: Fakes
) -> None:
    project = await api.create(title="No script yet")
    resp = await post(api, project["id"], "/generate-audio", {"script_text": "Spoken."})
    assert resp.status == 200, await resp.text()
    assert fakes.audio.received[0].body["script_text"] == "Spoken."
    assert (await resp.json())["script_text"] == "", "the body's script is not stored"


async def test_the_status_moves_through_the_steps(api: Api, fakes: Fakes) -> None:
    project = await api.create(title="Bees", images=SCENES)
    assert project["status"] == "draft"
    for step, status in [
        ("script", "script_generated"),
        ("audio", "audio_ready"),
        ("images", "images_ready"),
    ]:
        resp = await post(api, project["id"], STEPS[step].route)
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["status"] == status
        assert (await api.get(project["id"]))["status"] == status
    # Each step feeds on what the previous one stored.
    assert fakes.audio.received[0].body["script_text"] == "A script about Bees."

    resp = await post(api, project["id"], STEPS["image"].route)
    assert resp.status == 200, await resp.text()
    assert (await api.get(project["id"]))["status"] == "images_ready"


@pytest.mark.parametrize("step", STEPS.values(), ids=str)
@pytest.mark.parametrize(
    ("given", "kept"),
    [("req-42.a:b", True), (None, False), ("has spaces; and=more", False)],
    ids=["client-id", "none", "unsafe"],
)
async def test_the_request_id_reaches_the_service(
    api: Api, fakes: Fakes, project: dict, step: Step, given: str | None, kept: bool
) -> None:
    headers = {} if given is None else {"X-Request-ID": given}
    resp = await post(api, project["id"], step.route, headers=headers)
    assert resp.status == 200, await resp.text()
    rid = resp.headers["X-Request-ID"]
    assert (rid == given) is kept
    assert fakes[step.service].received[0].headers["X-Request-ID"] == rid


async def test_concurrent_regenerations_of_different_scenes_are_all_kept(
    api: Api, fakes: Fakes
) -> None:
    project = await api.create(title="Five", images=[{"prompt": f"scene {i}"} for i in range(5)])
    fakes.image.delay = 0.1  # all five in flight at once
    resps = await asyncio.gather(
        *(
            post(api, project["id"], f"/generate-images/{i}", {"prompt": f"new {i}"})
            for i in range(5)
        )
    )
    assert [r.status for r in resps] == [200] * 5
    answers = [await r.json() for r in resps]
    assert [a["scene_index"] for a in answers] == list(range(5))
    assert len({a["image_url"] for a in answers}) == 5
    after = await api.get(project["id"])
    assert after["images"] == [
        {"prompt": f"new {i}", "url": answers[i]["image_url"]} for i in range(5)
    ]


# -- a failing service: the error names it, and nothing is stored --------------------------


@pytest.mark.parametrize(("step", "failure"), STEP_FAILURES)
async def test_a_failing_service_changes_nothing(
    api: Api, fakes: Fakes, project: dict, step: Step, failure: Failure
) -> None:
    await arm(fakes, step, failure)
    resp = await post(api, project["id"], step.route)
    body = await assert_error(resp, failure.http, failure.reason)
    assert f"the {step.service} service" in body["detail"], body
    assert failure.words in body["detail"], body
    only_called(fakes, step.service, failure.calls)  # a redirect's target included
    assert await api.get(project["id"]) == project


# -- refused requests: 400/404, no service called, nothing stored --------------------------

INVALID = [
    ("script", {"title": 5}, ["title"]),
    ("script", {"title": "   "}, ["title"]),
    ("script", {"title": "x" * 201}, ["title"]),
    ("script", {"description": "x" * 5001}, ["description"]),
    ("script", {"style": "loud"}, ["style"]),
    ("script", {"script_style": "comedic"}, ["script_style"]),  # the body calls it style
    ("script", {"language": "FR", "use_case": "youtube-short"}, ["language", "use_case"]),
    ("script", {"title": 1, "style": "x", "extra": True}, ["title", "style", "extra"]),
    ("audio", {"audio_speed": 1.5}, ["audio_speed"]),
    ("audio", {"audio_pitch": 0.5}, ["audio_pitch"]),
    ("audio", {"audio_speed": 0}, ["audio_speed"]),
    ("audio", {"audio_speed": "fast"}, ["audio_speed"]),
    ("audio", {"audio_pitch": True}, ["audio_pitch"]),
    ("audio", {"voice_id": "bob"}, ["voice_id"]),
    ("audio", {"voice": "nova"}, ["voice"]),
    ("audio", {"script_text": "x" * 20001}, ["script_text"]),
    ("audio", {"language": "en-US"}, ["language"]),
    ("images", {"images": "a hive"}, ["images"]),
    ("images", {"images": [{"prompt": ""}]}, ["images[0].prompt"]),
    ("images", {"images": [{"prompt": "a"}, {"prompt": 3}]}, ["images[1].prompt"]),
    ("images", {"images": [{"prompt": "a", "colour": "red"}]}, ["images[0].colour"]),
    ("images", {"images": [{"prompt": "a", "url": "ftp://x"}]}, ["images[0].url"]),
    ("images", {"images": [{"prompt": "a"}] * 51}, ["images"]),
    ("images", {"style": "pixar3d"}, ["style"]),
    ("images", {"image_style": "anime"}, ["image_style"]),
    ("image", {"prompt": ""}, ["prompt"]),
    ("image", {"prompt": "   "}, ["prompt"]),
    ("image", {"prompt": "x" * 1001}, ["prompt"]),
    ("image", {"prompt": ["a"]}, ["prompt"]),
    ("image", {"style": "Anime"}, ["style"]),
    ("image", {"url": "http://cdn.example/x.png"}, ["url"]),
]


@pytest.mark.parametrize(("step", "body", "fields"), INVALID)
async def test_an_invalid_body_calls_no_service(
    api: Api, fakes: Fakes, project: dict, step: str, body: dict, fields: list[str]
) -> None:
    resp = await post(api, project["id"], STEPS[step].route, body)
    await assert_error(resp, 400, "VALIDATION_ERROR", fields)
    only_called(fakes)
    assert await api.get(project["id"]) == project


@pytest.mark.parametrize("step", STEPS.values(), ids=str)
@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"title": ', "MALFORMED_JSON"),
        (b"{'style': 'comedic'}", "MALFORMED_JSON"),
        (b"[]", "INVALID_BODY"),
        (b'"text"', "INVALID_BODY"),
        (b"1", "INVALID_BODY"),
        (b"null", "INVALID_BODY"),
    ],
)
async def test_a_body_that_is_not_an_object_calls_no_service(
    api: Api, fakes: Fakes, project: dict, step: Step, raw: bytes, code: str
) -> None:
    resp = await api.send("POST", f"/projects/{project['id']}{step.route}", raw)
    await assert_error(resp, 400, code)
    only_called(fakes)
    assert await api.get(project["id"]) == project


@pytest.mark.parametrize(
    ("step", "stored", "body", "code"),
    [
        ("audio", {"script_text": ""}, None, "SCRIPT_REQUIRED"),
        ("audio", {"script_text": "  \n "}, None, "SCRIPT_REQUIRED"),
        ("audio", {}, {"script_text": ""}, "SCRIPT_REQUIRED"),
        ("images", {"images": []}, None, "IMAGES_REQUIRED"),
        ("images", {}, {"images": []}, "IMAGES_REQUIRED"),
    ],
)
async def test_an_unmet_precondition_calls_no_service(
    api: Api, fakes: Fakes, step: str, stored: dict, body, code: str
) -> None:
    project = await api.create(**{**STORED, **stored})
    resp = await post(api, project["id"], STEPS[step].route, body)
    await assert_error(resp, 400, code)
    only_called(fakes)
    assert await api.get(project["id"]) == project


@pytest.mark.parametrize("step", STEPS.values(), ids=str)
@pytest.mark.parametrize("project_id", ["nope", "0" * 24, "x" * 300, "a%2Fb", "{x}"])
async def test_an_unknown_project_calls_no_service(
    api: Api, fakes: Fakes, step: Step, project_id: str
) -> None:
    resp = await post(api, project_id, step.route)
    await assert_error(resp, 404, "PROJECT_NOT_FOUND")
    only_called(fakes)


@pytest.mark.parametrize(
    ("images", "index"),
    [
        (SCENES, "3"),
        (SCENES, "-1"),
        (SCENES, "abc"),
        (SCENES, "1.5"),
        (SCENES, "99999999999"),
        (SCENES, "\uff11"),  # a full-width 1
        ([], "0"),
    ],
)
async def test_an_unknown_scene_calls_no_service(
    api: Api, fakes: Fakes, images: list, index: str
) -> None:
    project = await api.create(**{**STORED, "images": images})
    resp = await post(api, project["id"], f"/generate-images/{index}", {"prompt": "A bee"})
    await assert_error(resp, 404, "SCENE_NOT_FOUND")
    only_called(fakes)
    assert await api.get(project["id"]) == project


# -- writes that land while a service works ------------------------------------------------


async def slow_step(api: Api, fakes: Fakes, project_id: str, step: Step) -> asyncio.Task:
    """The step, started and called its service, which takes a while to answer."""
    fakes[step.service].delay = 0.3
    running = asyncio.create_task(post(api, project_id, step.route))
    await fakes[step.service].called()
    return running


@pytest.mark.parametrize("step", STEPS.values(), ids=str)
async def test_a_step_keeps_what_was_written_meanwhile(
    api: Api, fakes: Fakes, project: dict, step: Step
) -> None:
    running = await slow_step(api, fakes, project["id"], step)
    resp = await api.client.patch(f"/projects/{project['id']}", json={"description": "Meanwhile"})
    assert resp.status == 200, await resp.text()
    resp = await running
    assert resp.status == 200, await resp.text()
    assert (await api.get(project["id"]))["description"] == "Meanwhile"


@pytest.mark.parametrize("step", STEPS.values(), ids=str)
async def test_a_project_deleted_while_its_service_works_stays_deleted(
    api: Api, fakes: Fakes, project: dict, step: Step
) -> None:
    running = await slow_step(api, fakes, project["id"], step)
    assert (await api.client.delete(f"/projects/{project['id']}")).status == 204
    await assert_error(await running, 404, "PROJECT_NOT_FOUND")
    assert await api.all() == []


async def test_a_scene_cut_while_its_image_is_drawn_is_not_found(
    api: Api, fakes: Fakes, project: dict
) -> None:
    running = await slow_step(api, fakes, project["id"], STEPS["image"])  # scene 1 of 3
    resp = await api.client.patch(f"/projects/{project['id']}", json={"images": SCENES[:1]})
    assert resp.status == 200, await resp.text()
    await assert_error(await running, 404, "SCENE_NOT_FOUND")
    assert (await api.get(project["id"]))["images"] == SCENES[:1]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/a.mp3",
        "http://metadata.google.internal/a.mp3",
        "http://[::ffff:169.254.169.254]/a.mp3",
        "http://2852039166/a.mp3",
        "http://0xa9fea9fe/a.mp3",
        "http://0251.0376.0251.0376/a.mp3",
        "http://169.254.1/a.mp3",
    ],
)
async def test_a_link_local_url_in_any_spelling_is_refused(
    api: Api, fakes: Fakes, project: dict, url: str
) -> None:
    fakes.audio.misbehave(body=json.dumps({"url": url}).encode())
    resp = await post(api, project["id"], "/generate-audio")
    body = await assert_error(resp, 502, "UPSTREAM_ERROR")
    assert "the audio service answered an unusable body" in body["detail"], body
    assert await api.get(project["id"]) == project
