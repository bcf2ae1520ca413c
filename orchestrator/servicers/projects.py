"""ProjectService: CRUD, then the generation steps. Domain errors are turned into
statuses by the interceptor (orchestrator/interceptors.py), so methods here just raise."""

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import grpc
from ai_studio.v1 import project_service_pb2 as pb_service
from ai_studio.v1 import project_service_pb2_grpc as pb_grpc
from ai_studio.v1.project_pb2 import Project, VideoJob
from ai_studio.v1.project_service_pb2 import SceneList
from google.protobuf.empty_pb2 import Empty
from google.protobuf.message import Message

from common.fields import Step, given_to
from common.origins import Origin
from orchestrator import paging
from orchestrator.clients import Clients
from orchestrator.clock import Clock
from orchestrator.feed import Feed
from orchestrator.listing import list_query
from orchestrator.services import generation, projects, video
from orchestrator.services.steps import StepCall
from orchestrator.store.base import WRITABLE_FIELDS, Store
from orchestrator.validation import (
    check_overrides,
    check_prompts,
    check_script,
    clean_project,
    mask_fields,
    require,
)

Context = grpc.aio.ServicerContext[Any, Any]
StepRequest = (
    pb_service.GenerateScriptRequest
    | pb_service.GenerateAudioRequest
    | pb_service.GenerateImagesRequest
    | pb_service.GenerateVideoRequest
)

# Answer a little before the caller's deadline, so that a slow microservice is reported
# as such (UPSTREAM_TIMEOUT) instead of the caller's own deadline passing first.
DEADLINE_MARGIN_S = 0.05


def deadline_of(context: Context) -> float | None:
    """The time.monotonic() instant by which this RPC's work must be done."""
    left = context.time_remaining()
    return None if left is None else time.monotonic() + left - DEADLINE_MARGIN_S


def _overrides(request: Message, step: Step) -> tuple[Project, dict[str, str]]:
    """What a generation request gives of the project's fields (common/fields.py:
    given_to): a partial Project, and the fields it gives, each with the request's name
    for it, in the request's order. A field with presence is given when set, an enum
    when specified (not 0); scenes come in a SceneList, so that an empty list is given."""
    names = {name: field for field, name in given_to(step).items()}
    values: dict[str, Any] = {}
    given: dict[str, str] = {}
    for descriptor in request.DESCRIPTOR.fields:
        name = descriptor.name
        field = names.get(name)
        if field is None:  # the id, the scene index, the prompt
            continue
        value = getattr(request, name)
        if request.HasField(name) if descriptor.has_presence else value:
            values[field] = value.scenes if isinstance(value, SceneList) else value
            given[field] = name
    return Project(**values), given


def _call(request: StepRequest, step: Step, context: Context) -> StepCall:
    """A generation request, checked by the resource's rules before any I/O."""
    require("id", request.id)
    overrides, given = _overrides(request, step)
    check_overrides(overrides, given)
    return StepCall(request.id, overrides, given, deadline_of(context))


@dataclass(eq=False)
class ProjectServicer(pb_grpc.ProjectServiceServicer):
    """The RPCs, over what the server gives them (server.py)."""

    store: Store
    clients: Clients
    clock: Clock
    wake_runner: Callable[[], None]
    feed: Feed
    media_origins: frozenset[Origin] = frozenset()

    # -- CRUD ----------------------------------------------------------------------------

    async def ListProjects(
        self, request: pb_service.ListProjectsRequest, context: Context
    ) -> pb_service.ListProjectsResponse:
        query = list_query(request)
        found, total = await projects.list_projects(self.store, query)
        end = query.offset + len(found)
        return pb_service.ListProjectsResponse(
            projects=found,
            total_size=total,
            next_page_token=paging.encode(end) if query.limit and end < total else "",
        )

    async def GetProject(self, request: pb_service.GetProjectRequest, context: Context) -> Project:
        require("id", request.id)
        return await projects.get_project(self.store, request.id)

    async def CreateProject(
        self, request: pb_service.CreateProjectRequest, context: Context
    ) -> Project:
        project = projects.with_defaults(request.project)
        clean_project(project, WRITABLE_FIELDS)
        return await projects.create_project(self.store, self.clock, project)

    async def UpdateProject(
        self, request: pb_service.UpdateProjectRequest, context: Context
    ) -> Project:
        require("project.id", request.project.id)
        fields = mask_fields(request.update_mask.paths)
        patch = request.project
        clean_project(patch, fields)
        expected = request.expected_revision if request.HasField("expected_revision") else None
        return await projects.update_project(
            self.store, self.clock, patch.id, patch, fields, expected
        )

    async def DeleteProject(
        self, request: pb_service.DeleteProjectRequest, context: Context
    ) -> Empty:
        require("id", request.id)
        expected = request.expected_revision if request.HasField("expected_revision") else None
        await projects.delete_project(self.store, request.id, expected)
        return Empty()

    # -- generation ----------------------------------------------------------------------

    async def GenerateScript(
        self, request: pb_service.GenerateScriptRequest, context: Context
    ) -> Project:
        call = _call(request, "script", context)
        return await generation.generate_script(self.store, self.clients.script, self.clock, call)

    async def GenerateAudio(
        self, request: pb_service.GenerateAudioRequest, context: Context
    ) -> Project:
        call = _call(request, "audio", context)
        if request.script_text.strip():  # a blank one is SCRIPT_REQUIRED, as stored
            check_script("script_text", request.script_text)
        return await generation.generate_audio(self.store, self.clients.audio, self.clock, call)

    async def GenerateImages(
        self, request: pb_service.GenerateImagesRequest, context: Context
    ) -> Project:
        call = _call(request, "images", context)
        images = call.overrides.images
        check_prompts({f"images[{i}].prompt": scene.prompt for i, scene in enumerate(images)})
        return await generation.generate_images(self.store, self.clients.image, self.clock, call)

    async def GenerateImage(
        self, request: pb_service.GenerateImageRequest, context: Context
    ) -> pb_service.GenerateImageResponse:
        require("id", request.id)
        overrides, given = _overrides(request, "images")  # the style alone
        prompt = check_overrides(
            overrides, given, prompt=request.prompt if request.HasField("prompt") else None
        )
        if prompt is not None:
            check_prompts({"prompt": prompt})
        url = await generation.generate_image(
            self.store, self.clients.image, self.clock, request.id, request.scene_index,
            prompt, request.style, deadline_of(context),
        )  # fmt: skip
        return pb_service.GenerateImageResponse(image_url=url, scene_index=request.scene_index)

    # -- video ---------------------------------------------------------------------------

    async def GenerateVideo(
        self, request: pb_service.GenerateVideoRequest, context: Context
    ) -> VideoJob:
        call = _call(request, "video", context)
        job = await video.start_render(
            self.store, self.clock, call, self.wake_runner, media_origins=self.media_origins
        )
        return job.view()

    async def GetVideoJob(
        self, request: pb_service.GetVideoJobRequest, context: Context
    ) -> VideoJob:
        require("id", request.id)
        return (await video.get_render(self.store, request.id)).view()

    async def CancelVideoJob(
        self, request: pb_service.CancelVideoJobRequest, context: Context
    ) -> VideoJob:
        require("id", request.id)
        return (await video.cancel_render(self.store, self.clock, request.id)).view()

    # -- watches -------------------------------------------------------------------------

    async def WatchProject(
        self, request: pb_service.WatchProjectRequest, context: Context
    ) -> AsyncIterator[pb_service.ProjectChange]:
        require("id", request.id)
        after = request.after_revision if request.HasField("after_revision") else None
        async for change in self.feed.watch_one(request.id, after):
            yield change

    async def WatchProjects(
        self, request: pb_service.WatchProjectsRequest, context: Context
    ) -> AsyncIterator[pb_service.ProjectChange]:
        after = request.after_revision if request.HasField("after_revision") else None
        async for change in self.feed.watch_all(after):
            yield change
