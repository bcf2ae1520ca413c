"""The video job runner with the real embedded store and a fake video service that
records what it receives: results, retries, permanent failures, cancel, shutdown."""

import asyncio
from dataclasses import replace

import pytest
from ai_studio.v1 import project_pb2 as pb
from ai_studio.v1.project_pb2 import Project, Scene

from common.origins import Origin
from orchestrator.clients.http import CallPolicy
from orchestrator.clients.video import VideoClient
from orchestrator.clock import system_clock
from orchestrator.errors import PreconditionFailed, RenderAlreadyActive
from orchestrator.runner import JobRunner, RunnerPolicy
from orchestrator.services import video
from orchestrator.services.projects import create_project, with_defaults
from orchestrator.services.steps import StepCall
from orchestrator.store.jobs import FAILED, QUEUED, SUCCEEDED

FAST = RunnerPolicy(
    concurrency=2,
    lease_s=0.6,
    poll_s=0.05,
    max_attempts=3,
    retry_base_s=0.01,
    retry_max_s=0.05,
    progress_s=1.0,
)


@pytest.fixture
async def client(fake):
    client = VideoClient(fake.base_url, 5.0, CallPolicy(attempts=1))
    await client.start()
    yield client
    await client.close()


@pytest.fixture
async def runner(store, client):
    runner = JobRunner(store, client, system_clock, FAST)
    runner.start()
    yield runner
    await runner.stop(0)


async def renderable(store, **fields) -> Project:
    project = Project(
        title="Render me",
        audio_path="http://media.test/voice.mp3",
        **fields,
        images=[Scene(prompt="one", url="http://media.test/1.png")],
        status=pb.PROJECT_STATUS_IMAGES_READY,
    )
    return await create_project(store, system_clock, with_defaults(project))


async def queue(store, runner, project_id, **given):
    """Queue a render of the project, at the project fields `given` for this render."""
    return await video.start_render(
        store,
        system_clock,
        StepCall(project_id, Project(**given), list(given)),
        runner.wake,
        # media.test: the tests' stand-in for a media service's origin.
        media_origins=frozenset({Origin("http", "media.test", 80)}),
    )


async def settled(store, project_id, states=(SUCCEEDED, FAILED)):
    """The job once it reaches one of `states` (within 10 s)."""
    async with asyncio.timeout(10):
        while True:
            job = await store.get_job(project_id)
            if job is not None and job.state in states:
                return job
            await asyncio.sleep(0.02)


async def test_a_queued_job_is_rendered_and_lands_on_the_project(store, fake, runner) -> None:
    project = await renderable(store)
    await queue(store, runner, project.id, fps=60, video_template_id=pb.VIDEO_TEMPLATE_KEN_BURNS)

    job = await settled(store, project.id)

    assert job.state == SUCCEEDED and job.attempts == 1 and job.error is None
    (call,) = fake.received
    assert call.path == "/render"
    assert call.body == {
        "audio_path": "http://media.test/voice.mp3",
        "images": [{"prompt": "one", "url": "http://media.test/1.png"}],
        "resolution": "1080p",
        "fps": 60,
        "template": "ken_burns",
        "background_music": "none",
        "aspect_ratio": "16:9",
        "subtitles": False,
        "captions_url": None,
    }
    assert call.headers["Idempotency-Key"] == f"{project.id}:{job.create_ms}"
    assert call.headers["X-Request-ID"] == f"job-{project.id}"
    stored = await store.get(project.id)
    assert stored.status == pb.PROJECT_STATUS_VIDEO_READY
    assert stored.video_url.endswith(".mp4") and stored.thumbnail.endswith(".jpg")
    assert (stored.duration, stored.fps) == (30.0, 60)
    assert stored.video_template_id == pb.VIDEO_TEMPLATE_KEN_BURNS
    assert stored.video_job.state == SUCCEEDED


async def test_a_transient_failure_is_retried_then_succeeds(store, fake, runner) -> None:
    project = await renderable(store)
    fake.misbehave(status=502, times=1)
    await queue(store, runner, project.id)

    job = await settled(store, project.id)

    assert (job.state, job.attempts) == (SUCCEEDED, 2)
    keys = [r.headers["Idempotency-Key"] for r in fake.received]
    assert keys == [f"{project.id}:{job.create_ms}"] * 2, "a retry is the same render"


async def test_a_4xx_fails_at_once_and_the_project_keeps_its_fields(store, fake, runner) -> None:
    project = await renderable(store)
    fake.misbehave(status=422)
    await queue(store, runner, project.id)

    job = await settled(store, project.id)

    assert (job.state, job.attempts) == (FAILED, 1)
    assert "answered 422" in job.error and "video service" in job.error
    stored = await store.get(project.id)
    assert stored.status == pb.PROJECT_STATUS_IMAGES_READY and not stored.HasField("video_url")
    assert stored.video_job.error == job.error


async def test_a_refusal_fails_at_once_with_the_service_reason(store, fake, runner) -> None:
    project = await renderable(store)
    fake.misbehave(
        status=422,
        body=b'{"detail": "images[0].url is not an image", "code": "INPUT_UNUSABLE"}',
    )
    await queue(store, runner, project.id)

    job = await settled(store, project.id)

    assert (job.state, job.attempts) == (FAILED, 1)
    assert job.error == "the video service refused the content: images[0].url is not an image"
    assert len(fake.received) == 1


async def test_a_short_with_subtitles_sends_the_captions_and_keeps_its_settings(
    store, fake, runner
) -> None:
    project = await renderable(store, captions_url="http://media.test/voice.vtt")
    await queue(store, runner, project.id, aspect_ratio=pb.ASPECT_RATIO_9_16, subtitles=True)

    job = await settled(store, project.id)

    assert job.state == SUCCEEDED
    body = fake.received[0].body
    assert (body["aspect_ratio"], body["subtitles"], body["captions_url"]) == (
        "9:16",
        True,
        "http://media.test/voice.vtt",
    )
    assert (job.requested.aspect_ratio, job.requested.subtitles) == (pb.ASPECT_RATIO_9_16, True)
    stored = await store.get(project.id)
    assert (stored.aspect_ratio, stored.subtitles) == (pb.ASPECT_RATIO_9_16, True)


async def test_the_project_settings_are_the_default_and_subtitles_need_captions(
    store, fake, runner
) -> None:
    project = await renderable(store, aspect_ratio=pb.ASPECT_RATIO_1_1, subtitles=True)
    with pytest.raises(PreconditionFailed) as raised:
        await queue(store, runner, project.id)
    assert raised.value.reason == "CAPTIONS_REQUIRED"
    assert "generate the audio first" in raised.value.message
    assert await store.get_job(project.id) is None

    job = await queue(store, runner, project.id, subtitles=False)  # the request's value wins
    assert (job.requested.aspect_ratio, job.requested.subtitles) == (pb.ASPECT_RATIO_1_1, False)
    assert (job.payload["aspect_ratio"], job.payload["subtitles"]) == ("1:1", False)


async def test_attempts_are_bounded(store, fake, runner) -> None:
    project = await renderable(store)
    fake.misbehave(status=503)
    await queue(store, runner, project.id)

    job = await settled(store, project.id)

    assert (job.state, job.attempts) == (FAILED, FAST.max_attempts)
    assert job.error.startswith(f"gave up after {FAST.max_attempts} attempts")
    assert len(fake.received) == FAST.max_attempts


async def test_a_second_render_while_one_is_active_is_refused(store, fake, runner) -> None:
    project = await renderable(store)
    fake.misbehave(hang=True)
    await queue(store, runner, project.id)
    with pytest.raises(RenderAlreadyActive) as raised:
        await queue(store, runner, project.id)
    assert raised.value.metadata["job_id"] == project.id


async def test_deleting_the_project_abandons_its_render(store, fake, runner) -> None:
    project = await renderable(store)
    fake.misbehave(delay=1.5)
    await queue(store, runner, project.id)
    await fake.called()

    await store.delete(project.id)
    await asyncio.sleep(FAST.lease_s)  # the next renewal finds the claim gone

    assert not runner._renders, "the render was not abandoned"
    assert await store.get(project.id) is None and await store.get_job(project.id) is None


async def test_shutdown_gives_unfinished_renders_back_to_the_queue(store, fake, client) -> None:
    project = await renderable(store)
    fake.misbehave(hang=True)
    first = JobRunner(store, client, system_clock, FAST, owner="first")
    first.start()
    await queue(store, first, project.id)
    await fake.called()

    await first.stop(grace=0.1)

    job = await store.get_job(project.id)
    assert (job.state, job.attempts, job.owner) == (QUEUED, 0, None)
    fake.behave()
    second = JobRunner(store, client, system_clock, FAST, owner="second")
    second.start()
    try:
        job = await settled(store, project.id)
    finally:
        await second.stop(0)
    assert job.state == SUCCEEDED and job.epoch == 2


async def test_shutdown_is_not_held_up_by_a_full_runner(store, fake, client) -> None:
    project = await renderable(store)
    fake.misbehave(hang=True)
    full = JobRunner(store, client, system_clock, replace(FAST, concurrency=1), owner="full")
    full.start()
    await queue(store, full, project.id)
    await fake.called()

    # The render would take an hour (the fake hangs); were stop() to wait for it, the
    # per-test timeout would fail this test.
    await full.stop(grace=0.1)

    assert (await store.get_job(project.id)).state == QUEUED
