"""The CRUD of /projects."""

from ai_studio.v1 import project_service_pb2 as pb_service
from ai_studio.v1.project_pb2 import Project
from aiohttp import web
from google.protobuf.field_mask_pb2 import FieldMask

from edge.cache import cached, forget, listed, remembered
from edge.codec import project_from_body
from edge.conditional import expected_revision, not_modified
from edge.handlers.body import json_object
from edge.handlers.calls import JSON, crud_options, project_response
from edge.keys import PROJECTS
from edge.listing import link_header, list_request


async def list_projects(request: web.Request) -> web.Response:
    """The answer's body may come from the edge cache; its headers are made here, the
    same way for a cached answer as for a fetched one (Link names this request's URL)."""
    message, listing = list_request(request.query)
    answer = await listed(
        request,
        message,
        listing,
        lambda: request.app[PROJECTS].ListProjects(message, **crud_options(request)),
    )
    headers = {"X-Total-Count": str(answer.total)}
    if listing.paging is not None:
        headers["Link"] = link_header(request.url, listing.paging, answer.total)
    return web.Response(body=answer.body, content_type=JSON, headers=headers)


async def _fetch(request: web.Request) -> Project:
    message = pb_service.GetProjectRequest(id=request.match_info["id"])
    project: Project = await request.app[PROJECTS].GetProject(message, **crud_options(request))
    return project


async def _current_revision(request: web.Request) -> int:
    return (await _fetch(request)).revision


async def get_project(request: web.Request) -> web.Response:
    project = cached(request, request.match_info["id"])
    if project is None:
        project = await remembered(request, lambda: _fetch(request))
    if not_modified(request, project.revision):
        return web.Response(status=304, headers={"ETag": project.etag})
    return project_response(project)


async def create_project(request: web.Request) -> web.Response:
    project, _ = project_from_body(await json_object(request))
    message = pb_service.CreateProjectRequest(project=project)
    created = await remembered(
        request, lambda: request.app[PROJECTS].CreateProject(message, **crud_options(request))
    )
    return project_response(created, 201, {"Location": f"/projects/{created.id}"})


async def update_project(request: web.Request) -> web.Response:
    """PUT and PATCH alike: a partial update of the fields the body names."""
    project, fields = project_from_body(await json_object(request))
    project.id = request.match_info["id"]
    message = pb_service.UpdateProjectRequest(project=project, update_mask=FieldMask(paths=fields))
    expected = await expected_revision(request, lambda: _current_revision(request))
    if expected is not None:
        message.expected_revision = expected
    updated = await remembered(
        request, lambda: request.app[PROJECTS].UpdateProject(message, **crud_options(request))
    )
    return project_response(updated)


async def delete_project(request: web.Request) -> web.Response:
    message = pb_service.DeleteProjectRequest(id=request.match_info["id"])
    expected = await expected_revision(request, lambda: _current_revision(request))
    if expected is not None:
        message.expected_revision = expected
    await request.app[PROJECTS].DeleteProject(message, **crud_options(request))
    forget(request, message.id)
    return web.Response(status=204)
