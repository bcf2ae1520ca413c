"""A project's answer, serialized once: its JSON body, revision and ETag. The edge cache
keeps these, so that a hit is a dictionary lookup and a write of bytes."""

from typing import NamedTuple

import orjson
from ai_studio.v1.project_pb2 import Project

from edge.codec import project_json
from edge.conditional import etag


class Rendered(NamedTuple):
    id: str
    revision: int
    body: bytes
    etag: str


def render(project: Project) -> Rendered:
    return Rendered(
        project.id, project.revision, orjson.dumps(project_json(project)), etag(project.revision)
    )
