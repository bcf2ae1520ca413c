"""The CRUD of /projects."""

import orjson
from ai_studio.v1 import project_service_pb2 as pb_service
from aiohttp import web
from google.protobuf.field_mask_pb2 import FieldMask

from edge.codec import project_from_body, project_json
from edge.handlers.body import json_object
from edge.handlers.calls import JSON, call_options, project_response
from edge.keys import PROJECTS, SETTINGS
from edge.listing import envelope, link_header, list_request


def _call_options(request: web.Request) -> dict:
    return call_options(request.app[SETTINGS].grpc_timeout_s)


async def list_projects(request: web.Request) -> web.Response:
    message, listing = list_request(request.query)
    reply = await request.app[PROJECTS].ListProjects(message, **_call_options(request))
    headers = {"X-Total-Count": str(reply.total_size)}
    if listing.paging is not None:
        headers["Link"] = link_header(request.url, listing.paging, reply.total_size)
    data = [project_json(p) for p in reply.projects]
    if listing.envelope is not None:
        body = orjson.dumps(envelope(listing.envelope, reply.total_size, data))
    else:
        body = orjson.dumps(data)
    return web.Response(body=body, content_type=JSON, headers=headers)


async def get_project(request: web.Request) -> web.Response:
    message = pb_service.GetProjectRequest(id=request.match_info["id"])
    return project_response(
        await request.app[PROJECTS].GetProject(message, **_call_options(request))
    )


async def create_project(request: web.Request) -> web.Response:
    project, _ = project_from_body(await json_object(request))
    message = pb_service.CreateProjectRequest(project=project)
    created = await request.app[PROJECTS].CreateProject(message, **_call_options(request))
    return project_response(created, 201, {"Location": f"/projects/{created.id}"})


async def update_project(request: web.Request) -> web.Response:
    """PUT and PATCH alike: a partial update of the fields the body names."""
    project, fields = project_from_body(await json_object(request))
    project.id = request.match_info["id"]
    message = pb_service.UpdateProjectRequest(project=project, update_mask=FieldMask(paths=fields))
    return project_response(
        await request.app[PROJECTS].UpdateProject(message, **_call_options(request))
    )


async def delete_project(request: web.Request) -> web.Response:
    message = pb_service.DeleteProjectRequest(id=request.match_info["id"])
    await request.app[PROJECTS].DeleteProject(message, **_call_options(request))
    return web.Response(status=204)
