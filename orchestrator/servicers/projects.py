"""ProjectService: the CRUD RPCs. Domain errors are turned into statuses by the
interceptor (orchestrator/interceptors.py), so methods here just raise."""

from ai_studio.v1 import project_service_pb2 as pb_service
from ai_studio.v1 import project_service_pb2_grpc as pb_grpc
from ai_studio.v1.project_pb2 import Project
from google.protobuf.empty_pb2 import Empty

from orchestrator import paging
from orchestrator.clock import Clock
from orchestrator.services import projects
from orchestrator.store.base import WRITABLE_FIELDS, ProjectStore
from orchestrator.validation import clean_project, list_query, mask_fields, require


class ProjectServicer(pb_grpc.ProjectServiceServicer):
    def __init__(self, store: ProjectStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

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
