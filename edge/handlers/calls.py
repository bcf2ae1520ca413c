"""What every handler's RPC carries, and the JSON answer of a project."""

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from common.logs import request_id
from edge.keys import SETTINGS
from edge.rendered import Rendered

JSON = "application/json"


def call_options(timeout: float) -> dict[str, Any]:
    """The deadline and the request id of one RPC."""
    return {"timeout": timeout, "metadata": (("x-request-id", request_id.get()),)}


def crud_options(request: web.Request) -> dict[str, Any]:
    """The options of a CRUD call (or a quick one, like queueing a render)."""
    return call_options(request.app[SETTINGS].grpc_timeout_s)


def project_response(
    project: Rendered, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A project's JSON, with its revision as the ETag."""
    return web.Response(
        status=status,
        body=project.body,
        headers={**(headers or {}), "Content-Type": JSON, "ETag": project.etag},
    )
