"""What every handler's RPC carries, and the JSON answer of a project."""

from collections.abc import Mapping
from typing import Any

import orjson
from ai_studio.v1.project_pb2 import Project
from aiohttp import web

from common.logs import request_id
from edge.codec import project_json
from edge.conditional import etag

JSON = "application/json"


def call_options(timeout: float) -> dict[str, Any]:
    """The deadline and the request id of one RPC."""
    return {"timeout": timeout, "metadata": (("x-request-id", request_id.get()),)}


def project_response(
    project: Project, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A project's JSON, with its revision as the ETag."""
    return web.Response(
        status=status,
        body=orjson.dumps(project_json(project)),
        content_type=JSON,
        headers={**(headers or {}), "ETag": etag(project.revision)},
    )
