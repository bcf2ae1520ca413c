"""Answers serialized once: a project's (its JSON body, revision and ETag) and a list's
(its JSON body and total count). The edge cache keeps these, so that a hit is a
dictionary lookup and a write of bytes."""

from typing import NamedTuple

import orjson
from ai_studio.v1.project_pb2 import Project
from ai_studio.v1.project_service_pb2 import ListProjectsResponse

from edge.codec import project_json
from edge.conditional import etag
from edge.listing import Paging, envelope


class Rendered(NamedTuple):
    id: str
    revision: int
    body: bytes
    etag: str


class RenderedList(NamedTuple):
    body: bytes
    total: int  # X-Total-Count, and the Link header's last page


def render(project: Project) -> Rendered:
    return Rendered(
        project.id, project.revision, orjson.dumps(project_json(project)), etag(project.revision)
    )


def render_list(reply: ListProjectsResponse, paged: Paging | None) -> RenderedList:
    """The projects of a list's answer, a bare array, or JSON Server 1.x's envelope of
    the page `paged` when it is set."""
    data = [project_json(p) for p in reply.projects]
    if paged is not None:
        return RenderedList(orjson.dumps(envelope(paged, reply.total_size, data)), reply.total_size)
    return RenderedList(orjson.dumps(data), reply.total_size)
