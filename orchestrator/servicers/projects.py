"""ProjectService: CRUD, then the generation steps. Domain errors are turned into
statuses by the interceptor (orchestrator/interceptors.py), so methods here just raise."""

import time
from collections.abc import Callable

import grpc
from ai_studio.v1 import project_service_pb2 as pb_service
from ai_studio.v1 import project_service_pb2_grpc as pb_grpc
from ai_studio.v1.project_pb2 import Project, VideoJob, VideoSettings
from google.protobuf.empty_pb2 import Empty

from common.origins import Origin
from orchestrator import paging
from orchestrator.clients import Clients
from orchestrator.clock import Clock
from orchestrator.services import generation, projects, video
from orchestrator.store.base import WRITABLE_FIELDS, ProjectStore
from orchestrator.validation import (
    check_overrides,
    clean_project,
    list_query,
    mask_fields,
    require,
)

# Answer a little before the caller's deadline, so that a slow microservice is reported
# as such (UPSTREAM_TIMEOUT) instead of the caller's own deadline passing first.
DEADLINE_MARGIN_S = 0.05


def deadline_of(context: grpc.aio.ServicerContext) -> float | None:
    """The time.monotonic() instant by which this RPC's work must be done."""
    left = context.time_remaining()
    return None if left is None else time.monotonic() + left - DEADLINE_MARGIN_S


def _given(request, names: dict[str, str], enums: dict[str, str]) -> dict[str, str]:
    """The proto fields a generation request gives, each with the request's name for it:
    `names` are fields with presence, `enums` are enum fields where 0 means "not given"."""
    given = {field: name for field, name in names.items() if request.HasField(name)}
    given.update({field: name for field, name in enums.items() if getattr(request, name)})
    return given


class ProjectServicer(pb_grpc.ProjectServiceServicer):
    def __init__(
        self,
        store: ProjectStore,
        clients: Clients,
        clock: Clock,
        wake_runner: Callable[[], None],
        media_origins: frozenset[Origin] = frozenset(),
    ) -> None:
        self.store = store
        self.clients = clients
        self.clock = clock
        self.wake_runner = wake_runner
        self.media_origins = media_origins

    # -- CRUD ----------------------------------------------------------------------------

    async def ListProjects(self, request, context) -> pb_service.ListProjectsResponse:
        query = list_query(request)
        found, total = await projects.list_projects(self.store, query)
        end = query.offset + len(found)
        return pb_service.ListProjectsResponse(
            projects=found,
            total_size=total,
            next_page_token=paging.encode(end) if query.limit and end < total else "",
        )

    async def GetProject(self, request, context) -> Project:
        require("id", request.id)
        return await projects.get_project(self.store, request.id)

    async def CreateProject(self, request, context) -> Project:
        project = projects.with_defaults(request.project)
        clean_project(project, WRITABLE_FIELDS)
        return await projects.create_project(self.store, self.clock, project)

    async def UpdateProject(self, request, context) -> Project:
        require("project.id", request.project.id)
        fields = mask_fields(request.update_mask.paths)
        patch = request.project
        clean_project(patch, fields)
        return await projects.update_project(self.store, self.clock, patch.id, patch, fields)

    async def DeleteProject(self, request, context) -> Empty:
        require("id", request.id)
        await projects.delete_project(self.store, request.id)
        return Empty()

    # -- generation ----------------------------------------------------------------------

    async def GenerateScript(self, request, context) -> Project:
        require("id", request.id)
        given = _given(
            request,
            {"title": "title", "description": "description"},
            {"use_case": "use_case", "language": "language", "script_style": "style"},
        )
        overrides = Project(
            title=request.title,
            description=request.description,
            use_case=request.use_case,
            language=request.language,
            script_style=request.style,
        )
        check_overrides(overrides, given)
        return await generation.generate_script(
            self.store, self.clients.script, self.clock, request.id, overrides, given,
            deadline_of(context),
        )  # fmt: skip

    async def GenerateAudio(self, request, context) -> Project:
        require("id", request.id)
        given = _given(
            request,
            {
                "script_text": "script_text",
                "audio_speed": "audio_speed",
                "audio_pitch": "audio_pitch",
            },
            {"voice_id": "voice_id", "language": "language"},
        )
        overrides = Project(
            script_text=request.script_text,
            voice_id=request.voice_id,
            audio_speed=request.audio_speed,
            audio_pitch=request.audio_pitch,
            language=request.language,
        )
        check_overrides(overrides, given)
        return await generation.generate_audio(
            self.store, self.clients.audio, self.clock, request.id, overrides, given,
            deadline_of(context),
        )  # fmt: skip

    async def GenerateImages(self, request, context) -> Project:
        require("id", request.id)
        given = _given(request, {"images": "images"}, {"image_style": "style"})
        overrides = Project(images=request.images.scenes, image_style=request.style)
        check_overrides(overrides, given)
        return await generation.generate_images(
            self.store, self.clients.image, self.clock, request.id, overrides, given,
            deadline_of(context),
        )  # fmt: skip

    async def GenerateImage(self, request, context) -> pb_service.GenerateImageResponse:
        require("id", request.id)
        prompt = check_overrides(
            Project(image_style=request.style),
            _given(request, {}, {"image_style": "style"}),
            prompt=request.prompt if request.HasField("prompt") else None,
        )
        url = await generation.generate_image(
            self.store, self.clients.image, self.clock, request.id, request.scene_index,
            prompt, request.style, deadline_of(context),
        )  # fmt: skip
        return pb_service.GenerateImageResponse(image_url=url, scene_index=request.scene_index)

    # -- video ---------------------------------------------------------------------------

    async def GenerateVideo(self, request, context) -> VideoJob:
        require("id", request.id)
        given = _given(
            request,
            {"fps": "fps"},
            {
                "resolution": "resolution",
                "video_template_id": "template",
                "background_music": "background_music",
            },
        )
        check_overrides(
            Project(
                resolution=request.resolution,
                fps=request.fps,
                video_template_id=request.template,
                background_music=request.background_music,
            ),
            given,
        )
        settings = VideoSettings(
            resolution=request.resolution,
            fps=request.fps,
            template=request.template,
            background_music=request.background_music,
        )
        job = await video.start_render(
            self.store, self.clock, request.id, settings, self.wake_runner, self.media_origins
        )
        return job.view()

    async def GetVideoJob(self, request, context) -> VideoJob:
        require("id", request.id)
        return (await video.get_render(self.store, request.id)).view()

    async def CancelVideoJob(self, request, context) -> VideoJob:
        require("id", request.id)
        return (await video.cancel_render(self.store, self.clock, request.id)).view()
