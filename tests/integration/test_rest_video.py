"""Video rendering over REST (and its job RPCs over gRPC), through the real edge and
orchestrator with its render runner, the video service a FakeService: the 202 at once,
the job's progress to the finished video, the render request (body, Idempotency-Key,
X-Request-ID); refused renders creating no job; one active job per project (409, and
under 50 concurrent requests); DELETE and CancelVideoJob abandoning a render; transient
failures retried, permanent ones and exhausted attempts failing the job with the reason
while the project keeps its fields."""

import asyncio
from collections import Counter
from typing import Any

import grpc
import pytest
from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1 import project_service_pb2 as pbs
from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub
from aiohttp import ClientResponse, web
from prometheus_client import REGISTRY

from orchestrator.server import Orchestrator
from tests.integration.helpers import (
    STACK_SETTINGS,
    TIMESTAMP,
    Api,
    Fakes,
    assert_error,
    idempotency_key,
    only_called,
    rpc_failure,
    settled_job,
)

POLL_S = STACK_SETTINGS["video_poll_s"]
MAX_ATTEMPTS = STACK_SETTINGS["video_max_attempts"]
ONE_AT_A_TIME = pytest.mark.parametrize(
    "stack_settings", [{"video_concurrency": 1}], ids=["one-render-at-a-time"]
)


@pytest.fixture
def orchestrator(stack: Orchestrator) -> Orchestrator:
    """The conftest's stub, client and api reach the orchestrator wired to the fakes."""
    return stack


IMAGES = [
    {"prompt": "A hive", "url": "https://cdn.example/1.png"},
    {"prompt": "A meadow", "url": "https://cdn.example/2.png"},
]
RENDERABLE: dict[str, Any] = {
    "title": "Render me",
    "status": "images_ready",
    "audio_path": "https://cdn.example/audio.mp3",
    "images": IMAGES,
    "resolution": "1440p",
    "fps": 60,
    "video_template_id": "ken_burns",
    "background_music": "ambient",
    "captions_url": "https://cdn.example/audio.vtt",
    "aspect_ratio": "1:1",
}
STORED_SETTINGS = {
    "resolution": "1440p",
    "fps": 60,
    "template": "ken_burns",
    "background_music": "ambient",
    "aspect_ratio": "1:1",
    "subtitles": False,
}


# A value other than the stored one for every setting of a render.
EVERY_SETTING = {
    "resolution": "720p",
    "fps": 24,
    "template": "zoom_in",
    "background_music": "soft",
    "aspect_ratio": "9:16",
    "subtitles": True,
}


@pytest.fixture
async def project(api: Api) -> dict[str, Any]:
    return await api.create(**RENDERABLE)


async def render(api: Api, project_id: str, body: Any = None) -> ClientResponse:
    kw = {} if body is None else {"json": body}
    return await api.client.post(f"/projects/{project_id}/generate-video", **kw)


async def started(api: Api, project_id: str, body: Any = None) -> dict[str, Any]:
    resp = await render(api, project_id, body)
    assert resp.status == 202, await resp.text()
    return await resp.json()


def renders(state: str) -> float:
    """This process's count of render jobs that reached `state` (the runner's metric)."""
    return REGISTRY.get_sample_value("ai_studio_render_jobs_total", {"state": state}) or 0.0


async def grew(state: str, before: float, within: float) -> None:
    async with asyncio.timeout(within):
        while True:  # a metric sets no event: poll it
            if renders(state) > before:
                return
            await asyncio.sleep(0.02)


def without_job(project: dict[str, Any]) -> dict[str, Any]:
    """The project's own fields: less its job, and the revision each job write bumps."""
    return {k: v for k, v in project.items() if k not in ("video_job", "revision")}


async def no_job(api: Api, stub: ProjectServiceStub, fakes: Fakes, project_id: str) -> None:
    """The project has no video job, and none is rendered after a few runner polls."""
    assert (await api.get(project_id))["video_job"] is None
    failed = await rpc_failure(stub.GetVideoJob(pbs.GetVideoJobRequest(id=project_id)))
    assert (failed.code, failed.reason) == (grpc.StatusCode.NOT_FOUND, "VIDEO_JOB_NOT_FOUND")
    await asyncio.sleep(3 * POLL_S)
    only_called(fakes)


# -- the happy path ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "requested"),
    [
        (None, STORED_SETTINGS),
        (EVERY_SETTING, EVERY_SETTING),
        (
            {
                "resolution": None,
                "fps": 30,
                "template": "slide_left",
                "background_music": None,
                "aspect_ratio": None,
                "subtitles": None,
            },
            {**STORED_SETTINGS, "fps": 30, "template": "slide_left"},
        ),
    ],
    ids=["stored-values", "every-field", "some-fields"],
)
async def test_a_render_is_queued_at_once_then_the_project_gets_the_video(
    api: Api, fakes: Fakes, project: dict, body, requested: dict
) -> None:
    fakes.video.delay = 0.5  # the render takes a while
    answer = await started(api, project["id"], body)
    job = answer["video_job"]
    assert answer == {
        "message": "Video generation started",
        "status": "processing",
        "project_id": project["id"],
        "video_job": {
            "state": "queued",
            "attempts": 0,
            "error": None,
            "requested": requested,
            "created_at": job["created_at"],
            "updated_at": job["updated_at"],
            "progress": 0.0,
            "stage": None,
        },
    }
    assert TIMESTAMP.fullmatch(job["created_at"]) and TIMESTAMP.fullmatch(job["updated_at"])

    await fakes.video.called()
    # The claim is the runner's write, not this client's: the edge's cache shows it once
    # its change stream brings it (within ~100 ms, `make bench`), so read until it does.
    during = await api.get(project["id"])
    for _ in range(500):
        if during["video_job"]["state"] != "queued":
            break
        await asyncio.sleep(0.02)
        during = await api.get(project["id"])
    assert (during["video_job"]["state"], during["video_job"]["attempts"]) == ("rendering", 1)
    assert without_job(during) == without_job(project), "nothing changes while rendering"

    done = await settled_job(api, project["id"])
    assert done["updated_at"] != project["updated_at"]
    assert done["revision"] > during["revision"] > project["revision"]
    base = fakes.video.base_url.rstrip("/")
    assert done == {
        **project,
        "status": "video_ready",
        "video_url": f"{base}/media/video-0.mp4",
        "thumbnail": f"{base}/media/thumb-1.jpg",
        "duration": 30.0,
        "resolution": requested["resolution"],
        "fps": requested["fps"],
        "video_template_id": requested["template"],
        "background_music": requested["background_music"],
        "aspect_ratio": requested["aspect_ratio"],
        "subtitles": requested["subtitles"],
        "video_job": {
            **job,
            "state": "succeeded",
            "attempts": 1,
            "updated_at": done["video_job"]["updated_at"],
        },
        "updated_at": done["updated_at"],
        "revision": done["revision"],
    }

    only_called(fakes, "video")
    (call,) = fakes.video.received
    assert call.path == "/render"
    assert call.body == {
        "audio_path": RENDERABLE["audio_path"],
        "images": IMAGES,
        **requested,
        "captions_url": RENDERABLE["captions_url"],
    }
    assert call.headers["Idempotency-Key"] == idempotency_key(project["id"], done["video_job"])
    assert call.headers["X-Request-ID"] == f"job-{project['id']}"


async def test_a_finished_render_can_be_redone_with_a_new_idempotency_key(
    api: Api, fakes: Fakes, project: dict
) -> None:
    await started(api, project["id"])
    first = await settled_job(api, project["id"])
    await started(api, project["id"], {"fps": 24})
    done = await settled_job(api, project["id"])
    assert (done["fps"], done["video_url"]) == (
        24,
        f"{fakes.video.base_url.rstrip('/')}/media/video-2.mp4",
    )
    keys = [call.headers["Idempotency-Key"] for call in fakes.video.received]
    assert keys == [
        idempotency_key(project["id"], first["video_job"]),
        idempotency_key(project["id"], done["video_job"]),
    ]
    assert keys[0] != keys[1], "a job queued anew is a new render"


# -- refused renders: no job ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"audio_path": None}, "AUDIO_REQUIRED"),
        ({"images": [IMAGES[0], {"prompt": "Not drawn", "url": None}]}, "IMAGES_REQUIRED"),
        ({"images": []}, "IMAGES_REQUIRED"),
        ({"captions_url": None, "subtitles": True}, "CAPTIONS_REQUIRED"),
    ],
    ids=["no-audio", "an-image-without-url", "no-images", "subtitles-without-captions"],
)
async def test_an_unmet_precondition_creates_no_job(
    api: Api, stub: ProjectServiceStub, fakes: Fakes, changes: dict, code: str
) -> None:
    project = await api.create(**{**RENDERABLE, **changes})
    body = await assert_error(await render(api, project["id"]), 400, code)
    if code == "CAPTIONS_REQUIRED":
        assert "generate the audio first" in body["detail"]
    await no_job(api, stub, fakes, project["id"])


async def test_subtitles_asked_without_captions_are_refused_over_rest_and_grpc(
    api: Api, stub: ProjectServiceStub, fakes: Fakes
) -> None:
    project = await api.create(**{**RENDERABLE, "captions_url": None})
    resp = await render(api, project["id"], {"subtitles": True})
    await assert_error(resp, 400, "CAPTIONS_REQUIRED")
    request = pbs.GenerateVideoRequest(id=project["id"], subtitles=True)
    failure = await rpc_failure(stub.GenerateVideo(request))
    assert (failure.code, failure.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "CAPTIONS_REQUIRED",
    )
    await no_job(api, stub, fakes, project["id"])
    # Without subtitles the same project renders.
    job = await stub.GenerateVideo(pbs.GenerateVideoRequest(id=project["id"], subtitles=False))
    assert (job.requested.subtitles, job.requested.aspect_ratio) == (False, pb.ASPECT_RATIO_1_1)


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"audio_path": "http://127.0.0.1:9464/metrics"}, ["audio_path"]),
        (
            {"images": [IMAGES[0], {"prompt": "Mongo", "url": "http://mongo:27017/"}]},
            ["images[1].url"],
        ),
        (
            {
                "audio_path": "http://[::ffff:10.0.0.1]/a.mp3",
                "images": [{"prompt": "gRPC", "url": "http://localhost:50051/"}, IMAGES[0]],
            },
            ["audio_path", "images[0].url"],
        ),
        (
            {"images": [{"prompt": "Odd port", "url": "https://cdn.example:8443/x.png"}]},
            ["images[0].url"],
        ),
    ],
    ids=["loopback", "internal-name", "mapped-private-and-localhost", "untrusted-port"],
)
async def test_inputs_the_video_service_would_refuse_create_no_job(
    api: Api, stub: ProjectServiceStub, fakes: Fakes, changes: dict, fields: list
) -> None:
    project = await api.create(**{**RENDERABLE, **changes})
    await assert_error(await render(api, project["id"]), 400, "INPUT_URL_REFUSED", fields)
    await no_job(api, stub, fakes, project["id"])


@pytest.mark.parametrize(
    "stack_settings", [{"trusted_media_origins": "http://localhost:8103"}], ids=["trusted"]
)
async def test_inputs_from_the_services_and_trusted_origins_are_rendered(
    api: Api, fakes: Fakes
) -> None:
    images = [{"prompt": "Drawn", "url": "http://localhost:8103/media/1.png"}]
    audio = f"{fakes['audio'].base_url}/media/a.mp3"
    project = await api.create(**{**RENDERABLE, "audio_path": audio, "images": images})
    assert (await render(api, project["id"])).status == 202


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"fps": 25}, ["fps"]),
        ({"fps": 0}, ["fps"]),
        ({"fps": "30"}, ["fps"]),
        ({"fps": 30.5}, ["fps"]),
        ({"template": "nope"}, ["template"]),
        ({"resolution": "4k", "background_music": "jazz"}, ["resolution", "background_music"]),
        ({"video_template_id": "zoom_in"}, ["video_template_id"]),
        ({"aspect_ratio": "4:3", "subtitles": "yes"}, ["aspect_ratio", "subtitles"]),
        ({"aspect_ratio": "ASPECT_RATIO_9_16"}, ["aspect_ratio"]),
    ],
)
async def test_an_invalid_body_creates_no_job(
    api: Api, stub: ProjectServiceStub, fakes: Fakes, project: dict, body: dict, fields: list
) -> None:
    await assert_error(await render(api, project["id"], body), 400, "VALIDATION_ERROR", fields)
    await no_job(api, stub, fakes, project["id"])


async def test_a_malformed_body_creates_no_job(
    api: Api, stub: ProjectServiceStub, fakes: Fakes, project: dict
) -> None:
    resp = await api.send("POST", f"/projects/{project['id']}/generate-video", b'{"fps": ')
    await assert_error(resp, 400, "MALFORMED_JSON")
    await no_job(api, stub, fakes, project["id"])


async def test_an_unknown_project_is_not_found(api: Api, fakes: Fakes) -> None:
    await assert_error(await render(api, "nope"), 404, "PROJECT_NOT_FOUND")
    await asyncio.sleep(3 * POLL_S)
    only_called(fakes)


# -- one active job per project ------------------------------------------------------------


async def occupy_the_runner(api: Api, fakes: Fakes) -> dict[str, Any]:
    """With one render at a time: another project's render, holding the runner for as
    long as the fake takes."""
    other = await api.create(**{**RENDERABLE, "title": "Occupant"})
    await started(api, other["id"])
    await fakes.video.called()
    return other


@ONE_AT_A_TIME
@pytest.mark.parametrize("state", ["queued", "rendering"])
async def test_a_second_render_while_one_is_active_is_a_conflict(
    api: Api, fakes: Fakes, project: dict, state: str
) -> None:
    fakes.video.delay = 0.5
    if state == "queued":
        await occupy_the_runner(api, fakes)
    await started(api, project["id"])
    if state == "rendering":
        await fakes.video.called()

    body = await assert_error(await render(api, project["id"]), 409, "VIDEO_JOB_ACTIVE")
    assert project["id"] in body["detail"] and state in body["detail"], body
    assert (await api.get(project["id"]))["video_job"]["state"] == state
    done = await settled_job(api, project["id"])
    assert done["video_job"]["state"] == "succeeded"
    mine = [
        c for c in fakes.video.received if c.headers["Idempotency-Key"].startswith(project["id"])
    ]
    assert len(mine) == 1


async def test_of_fifty_concurrent_renders_one_is_queued(
    api: Api, fakes: Fakes, project: dict
) -> None:
    fakes.video.delay = 1.5  # the first render is still on when the last request lands
    resps = await asyncio.gather(*(render(api, project["id"]) for _ in range(50)))
    assert (await api.get(project["id"]))["video_job"]["state"] in ("queued", "rendering")
    assert Counter(r.status for r in resps) == {202: 1, 409: 49}
    for resp in resps:
        if resp.status == 409:
            await assert_error(resp, 409, "VIDEO_JOB_ACTIVE")
    assert (await settled_job(api, project["id"]))["status"] == "video_ready"
    await asyncio.sleep(3 * POLL_S)
    only_called(fakes, "video")


# -- cancelled renders are abandoned -------------------------------------------------------


async def test_deleting_the_project_abandons_its_render(
    api: Api, stub: ProjectServiceStub, fakes: Fakes, project: dict
) -> None:
    fakes.video.delay = 2.0
    lost, succeeded = renders("lost"), renders("succeeded")
    await started(api, project["id"])
    await fakes.video.called()
    resp = await api.client.delete(f"/projects/{project['id']}")
    assert resp.status == 204
    # The runner finds its claim gone at its next lease renewal, long before the fake
    # would answer, and drops the render.
    await grew("lost", lost, within=1.5)
    assert renders("succeeded") == succeeded
    await assert_error(await api.client.get(f"/projects/{project['id']}"), 404, "PROJECT_NOT_FOUND")
    assert await api.all() == []
    failed = await rpc_failure(stub.GetVideoJob(pbs.GetVideoJobRequest(id=project["id"])))
    assert failed.code == grpc.StatusCode.NOT_FOUND
    only_called(fakes, "video")


async def test_cancelling_a_rendering_job_abandons_it(
    api: Api, stub: ProjectServiceStub, fakes: Fakes, project: dict
) -> None:
    fakes.video.delay = 2.0
    lost = renders("lost")
    await started(api, project["id"])
    await fakes.video.called()
    job = await stub.CancelVideoJob(pbs.CancelVideoJobRequest(id=project["id"]))
    assert job.state == pb.VIDEO_JOB_STATE_CANCELLED
    await grew("lost", lost, within=1.5)
    after = await api.get(project["id"])
    assert after["video_job"]["state"] == "cancelled"
    assert without_job(after) == without_job(project)
    only_called(fakes, "video")


@ONE_AT_A_TIME
async def test_a_cancelled_queued_job_is_never_rendered(
    api: Api, stub: ProjectServiceStub, fakes: Fakes, project: dict
) -> None:
    fakes.video.delay = 0.5
    other = await occupy_the_runner(api, fakes)
    await started(api, project["id"])
    job = await stub.GetVideoJob(pbs.GetVideoJobRequest(id=project["id"]))
    assert (job.state, job.attempts) == (pb.VIDEO_JOB_STATE_QUEUED, 0)

    job = await stub.CancelVideoJob(pbs.CancelVideoJobRequest(id=project["id"]))
    assert (job.state, job.attempts) == (pb.VIDEO_JOB_STATE_CANCELLED, 0)
    assert (await settled_job(api, other["id"]))["video_job"]["state"] == "succeeded"
    await asyncio.sleep(3 * POLL_S)  # the runner is free: it would have claimed it by now
    only_called(fakes, "video")
    assert fakes.video.received[0].headers["Idempotency-Key"].startswith(f"{other['id']}:")
    after = await api.get(project["id"])
    assert after["video_job"]["state"] == "cancelled"
    assert without_job(after) == without_job(project)


async def test_the_job_rpcs_of_a_project_without_a_job_are_not_found(
    stub: ProjectServiceStub, project: dict
) -> None:
    for rpc, request in [
        (stub.GetVideoJob, pbs.GetVideoJobRequest),
        (stub.CancelVideoJob, pbs.CancelVideoJobRequest),
    ]:
        failed = await rpc_failure(rpc(request(id=project["id"])))
        assert (failed.code, failed.reason) == (grpc.StatusCode.NOT_FOUND, "VIDEO_JOB_NOT_FOUND")


async def test_get_video_job_follows_the_render(
    api: Api, stub: ProjectServiceStub, fakes: Fakes, project: dict
) -> None:
    fakes.video.delay = 0.3
    await started(api, project["id"], {"template": "zoom_out"})
    await fakes.video.called()
    job = await stub.GetVideoJob(pbs.GetVideoJobRequest(id=project["id"]))
    assert (job.state, job.attempts) == (pb.VIDEO_JOB_STATE_RENDERING, 1)
    assert job.requested == pb.VideoSettings(
        resolution=pb.RESOLUTION_1440P,
        fps=60,
        template=pb.VIDEO_TEMPLATE_ZOOM_OUT,
        background_music=pb.BACKGROUND_MUSIC_AMBIENT,
        aspect_ratio=pb.ASPECT_RATIO_1_1,
    )
    await settled_job(api, project["id"])
    job = await stub.GetVideoJob(pbs.GetVideoJobRequest(id=project["id"]))
    assert (job.state, job.attempts, job.HasField("error")) == (
        pb.VIDEO_JOB_STATE_SUCCEEDED,
        1,
        False,
    )


# -- failed renders ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "stack_settings"),
    [
        pytest.param({"status": 500}, {}, id="500"),
        pytest.param({"status": 503}, {}, id="503"),
        pytest.param({"status": 502, "body": b"bad gateway"}, {}, id="502"),
        pytest.param({"hang": True}, {"video_timeout_s": 0.3}, id="timeout"),
        pytest.param(
            {"status": 429, "headers": {"Retry-After": "0"}},
            {},
            id="429",
        ),
    ],
)
async def test_a_transient_failure_is_retried(
    api: Api, fakes: Fakes, project: dict, how: dict
) -> None:
    fakes.video.misbehave(**how, times=1)
    await started(api, project["id"])
    done = await settled_job(api, project["id"])
    assert (done["status"], done["video_job"]["state"]) == ("video_ready", "succeeded")
    assert (done["video_job"]["attempts"], done["video_job"]["error"]) == (2, None)
    first, second = fakes.video.received
    assert first.body == second.body
    keys = [first.headers["Idempotency-Key"], second.headers["Idempotency-Key"]]
    assert keys == [idempotency_key(project["id"], done["video_job"])] * 2, "one job, one key"


@pytest.mark.parametrize(
    ("how", "words"),
    [
        ({"status": 400}, "answered 400"),
        (
            {
                "status": 400,
                "body": b'{"detail": "images[1].url points at mongo, a name for a private '
                b'address, which is never fetched", "code": "INVALID_URL"}',
            },
            "answered 400: images[1].url points at mongo",
        ),
        ({"status": 422}, "answered 422"),
        (
            {
                "status": 422,
                "body": b'{"detail": "images[1].url is not an image", "code": "INPUT_UNUSABLE"}',
            },
            "refused the content: images[1].url is not an image",
        ),
        ({"status": 404}, "answered 404"),
        ({"body": b"<html>oops</html>"}, "not JSON"),
        ({"body": b'{"url": "http://x/v.mp4"}'}, "unusable"),
        (
            {
                "body": b'{"url": "http://169.254.169.254/v.mp4", '
                b'"thumbnail": "http://x/t.jpg", "duration": 1}'
            },
            "unusable",
        ),
    ],
    ids=[
        "400",
        "400-refused-url",
        "422",
        "422-refusal",
        "404",
        "garbage",
        "missing-fields",
        "link-local-url",
    ],
)
async def test_a_permanent_failure_fails_the_job_at_once(
    api: Api, fakes: Fakes, project: dict, how: dict, words: str
) -> None:
    fakes.video.misbehave(**how)
    await started(api, project["id"])
    done = await settled_job(api, project["id"])
    job = done["video_job"]
    assert (job["state"], job["attempts"]) == ("failed", 1)
    assert "the video service" in job["error"] and words in job["error"], job
    assert without_job(done) == without_job(project), "the project keeps its fields"
    only_called(fakes, "video")


async def test_a_render_failing_every_time_gives_up_after_the_last_attempt(
    api: Api, fakes: Fakes, project: dict
) -> None:
    fakes.video.misbehave(status=500)
    await started(api, project["id"])
    done = await settled_job(api, project["id"])
    job = done["video_job"]
    assert (job["state"], job["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert job["error"] == f"gave up after {MAX_ATTEMPTS} attempts: the video service answered 500"
    assert without_job(done) == without_job(project)
    keys = [call.headers["Idempotency-Key"] for call in fakes.video.received]
    assert keys == [idempotency_key(project["id"], job)] * MAX_ATTEMPTS


class DroppingRenderer:
    """A video service whose process dies during its first render (the connection drops
    before any answer), then is back and renders normally."""

    def __init__(self) -> None:
        self.calls = 0
        self.app = web.Application()
        self.app.router.add_post("/render", self.render)

    async def render(self, request: web.Request) -> web.StreamResponse:
        self.calls += 1
        await request.read()
        if self.calls == 1:
            assert request.transport is not None
            request.transport.abort()
            return web.Response()
        return web.json_response(
            {
                "url": "http://cdn.example/v.mp4",
                "thumbnail": "http://cdn.example/t.jpg",
                "duration": 1,
            }
        )


class TestAVideoServiceDroppingTheConnection:
    @pytest.fixture
    async def renderer(self, aiohttp_server) -> tuple[DroppingRenderer, str]:
        service = DroppingRenderer()
        return service, str((await aiohttp_server(service.app)).make_url(""))

    @pytest.fixture
    def stack_settings(self, renderer) -> dict[str, Any]:
        return {"video_service_url": renderer[1]}

    async def test_the_render_is_retried(self, api: Api, project: dict, renderer) -> None:
        await started(api, project["id"])
        done = await settled_job(api, project["id"])
        assert renderer[0].calls == 2, done["video_job"]
        assert (done["video_job"]["state"], done["video_job"]["attempts"]) == ("succeeded", 2)
