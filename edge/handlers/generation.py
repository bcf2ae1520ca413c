"""The generation steps: POST /projects/{id}/generate-script, -audio, -images,
-images/{scene_index} and -video (which queues a job and answers 202 at once).
Bodies are optional; absent fields take the project's values (the orchestrator fills
them in)."""

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from ai_studio.v1 import project_service_pb2 as pb_service
from ai_studio.v1.project_pb2 import Project
from aiohttp import web
from google.protobuf.message import Message

from edge.cache import remembered, stored_again
from edge.codec import (
    AUDIO_BODY,
    IMAGE_BODY,
    IMAGES_BODY,
    SCRIPT_BODY,
    VIDEO_BODY,
    step_fields,
    video_job_json,
)
from edge.errors import HttpError
from edge.handlers.body import json_object
from edge.handlers.calls import JSON, call_options, crud_options, project_response
from edge.keys import PROJECTS, SETTINGS

INT32_MAX = 2**31 - 1


def _options(request: web.Request) -> dict:
    return call_options(request.app[SETTINGS].generation_timeout_s)


async def _fields(
    request: web.Request, parsers: dict[str, Callable[[str, Any], Any]]
) -> dict[str, Any]:
    """The fields of the step's optional body, parsed."""
    return step_fields(await json_object(request, optional=True), parsers)


async def _project_step(
    request: web.Request, rpc: Callable[..., Awaitable[Project]], message: Message
) -> web.Response:
    """Make a step's call whose answer is the project, and render it; the answer is
    offered to the cache as of before the call."""
    return project_response(await remembered(request, lambda: rpc(message, **_options(request))))


async def generate_script(request: web.Request) -> web.Response:
    fields = await _fields(request, SCRIPT_BODY)
    message = pb_service.GenerateScriptRequest(id=request.match_info["id"], **fields)
    return await _project_step(request, request.app[PROJECTS].GenerateScript, message)


async def generate_audio(request: web.Request) -> web.Response:
    fields = await _fields(request, AUDIO_BODY)
    message = pb_service.GenerateAudioRequest(id=request.match_info["id"], **fields)
    return await _project_step(request, request.app[PROJECTS].GenerateAudio, message)


async def generate_images(request: web.Request) -> web.Response:
    fields = await _fields(request, IMAGES_BODY)
    if "images" in fields:
        fields["images"] = pb_service.SceneList(scenes=fields["images"])
    message = pb_service.GenerateImagesRequest(id=request.match_info["id"], **fields)
    return await _project_step(request, request.app[PROJECTS].GenerateImages, message)


def _scene_index(text: str) -> int:
    """The path's scene index; anything but a small non-negative integer names no scene."""
    if text.isascii() and text.isdigit() and int(text) <= INT32_MAX:
        return int(text)
    raise HttpError(404, "SCENE_NOT_FOUND", f"there is no scene {text[:32]!r}")


async def generate_image(request: web.Request) -> web.Response:
    index = _scene_index(request.match_info["scene_index"])
    fields = await _fields(request, IMAGE_BODY)
    message = pb_service.GenerateImageRequest(
        id=request.match_info["id"], scene_index=index, **fields
    )
    reply = await request.app[PROJECTS].GenerateImage(message, **_options(request))
    await stored_again(request, message.id, crud_options(request))
    body = {"image_url": reply.image_url, "scene_index": reply.scene_index}
    return web.Response(body=orjson.dumps(body), content_type=JSON)


async def generate_video(request: web.Request) -> web.Response:
    project_id = request.match_info["id"]
    fields = await _fields(request, VIDEO_BODY)
    message = pb_service.GenerateVideoRequest(id=project_id, **fields)
    # Queueing is quick, whatever the render takes: the CRUD deadline applies.
    job = await request.app[PROJECTS].GenerateVideo(message, **crud_options(request))
    await stored_again(request, project_id, crud_options(request))
    body = {
        "message": "Video generation started",
        "status": "processing",
        "project_id": project_id,
        "video_job": video_job_json(job),
    }
    return web.Response(status=202, body=orjson.dumps(body), content_type=JSON)
