"""Video rendering, as the RPCs see it: queue a durable job (after the preconditions),
read it, cancel it. The render itself is the runner's (orchestrator/runner.py)."""

from collections.abc import Callable

from ai_studio.v1.project_pb2 import Project, VideoSettings

from common.fields import DEFAULTS, given_to
from common.labels import JOB_STATE
from common.origins import Origin
from orchestrator.clients.video import render_body
from orchestrator.clock import Clock
from orchestrator.errors import (
    PreconditionFailed,
    ProjectNotFound,
    RenderAlreadyActive,
    VideoJobNotFound,
)
from orchestrator.media_urls import check_render_inputs
from orchestrator.services.steps import StepCall, effective
from orchestrator.store.base import Store
from orchestrator.store.jobs import Job, JobActive

# The render settings, each with the project field it is: the fields a video request may
# give, which the settings name as the request does (template for video_template_id).
SETTINGS_FIELDS = given_to("video")


def settings_for(project: Project) -> VideoSettings:
    """The render settings of the project (the request's values laid over it)."""
    settings = VideoSettings(
        **{name: getattr(project, field) for field, name in SETTINGS_FIELDS.items()}
    )
    # Unspecified on a project stored before the field existed: the default, 16:9.
    settings.aspect_ratio = settings.aspect_ratio or DEFAULTS["aspect_ratio"]
    return settings


def check_renderable(project: Project, settings: VideoSettings) -> None:
    if not project.HasField("audio_path"):
        raise PreconditionFailed(
            "AUDIO_REQUIRED", "the project has no audio to render: generate the audio first"
        )
    if not project.images or not all(s.HasField("url") for s in project.images):
        raise PreconditionFailed(
            "IMAGES_REQUIRED", "every scene needs an image to render: generate the images first"
        )
    if settings.subtitles and not project.HasField("captions_url"):
        raise PreconditionFailed(
            "CAPTIONS_REQUIRED",
            "subtitles need the narration's captions, which the audio service did not give: "
            "generate the audio first (or render without subtitles)",
        )


async def start_render(
    store: Store,
    clock: Clock,
    call: StepCall,
    wake: Callable[[], None],
    *,
    media_origins: frozenset[Origin] = frozenset(),
) -> Job:
    """Queue the project's render at the settings the call gives (the project's for the
    rest) and wake the local runner; the job as queued. `media_origins` are where render
    inputs may come from though private (the media services')."""
    project_id = call.project_id
    project = await effective(store, call)
    settings = settings_for(project)
    check_renderable(project, settings)
    check_render_inputs(project, settings, media_origins)
    try:
        job = await store.queue_job(
            project_id, settings, render_body(project, settings), round(clock() * 1000)
        )
    except JobActive as exc:
        raise RenderAlreadyActive(exc.job.id, JOB_STATE.label[exc.job.state]) from None
    if job is None:  # deleted in between
        raise ProjectNotFound(project_id)
    wake()
    return job


async def get_render(store: Store, project_id: str) -> Job:
    job = await store.get_job(project_id)
    if job is None:
        raise VideoJobNotFound(project_id)
    return job


async def cancel_render(store: Store, clock: Clock, project_id: str) -> Job:
    job = await store.cancel_job(project_id, round(clock() * 1000))
    if job is None:
        raise VideoJobNotFound(project_id)
    return job
