"""The generation steps: POST /projects/{id}/generate-script, -audio, -images,
-images/{scene_index} and -video (which queues a job and answers 202 at once).
Bodies are optional; absent fields take the project's values (the orchestrator fills
them in)."""

import orjson
from ai_studio.v1 import project_service_pb2 as pb_service
from aiohttp import web

from edge.cache import remember, stored_again, ticket
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
from edge.rendered import render

INT32_MAX = 2**31 - 1


def _options(request: web.Request) -> dict:
    return call_options(request.app[SETTINGS].generation_timeout_s)


async def generate_script(request: web.Request) -> web.Response:
    fields = step_fields(await json_object(request, optional=True), SCRIPT_BODY)
    message = pb_service.GenerateScriptRequest(id=request.match_info["id"], **fields)
    since = ticket(request)
    reply = await request.app[PROJECTS].GenerateScript(message, **_options(request))
    return project_response(remember(request, render(reply), since))


async def generate_audio(request: web.Request) -> web.Response:
    fields = step_fields(await json_object(request, optional=True), AUDIO_BODY)
    message = pb_service.GenerateAudioRequest(id=request.match_info["id"], **fields)
    since = ticket(request)
    reply = await request.app[PROJECTS].GenerateAudio(message, **_options(request))
    return project_response(remember(request, render(reply), since))


async def generate_images(request: web.Request) -> web.Response:
    fields = step_fields(await json_object(request, optional=True), IMAGES_BODY)
    if "images" in fields:
        fields["images"] = pb_service.SceneList(scenes=fields["images"])
    message = pb_service.GenerateImagesRequest(id=request.match_info["id"], **fields)
    since = ticket(request)
    reply = await request.app[PROJECTS].GenerateImages(message, **_options(request))
    return project_response(remember(request, render(reply), since))


def _scene_index(text: str) -> int:
    """The path's scene index; anything but a small non-negative integer names no scene."""
    if text.isascii() and text.isdigit() and int(text) <= INT32_MAX:
        return int(text)
    raise HttpError(404, "SCENE_NOT_FOUND", f"there is no scene {text[:32]!r}")


async def generate_image(request: web.Request) -> web.Response:
    index = _scene_index(request.match_info["scene_index"])
    fields = step_fields(await json_object(request, optional=True), IMAGE_BODY)
    message = pb_service.GenerateImageRequest(
        id=request.match_info["id"], scene_index=index, **fields
    )
    reply = await request.app[PROJECTS].GenerateImage(message, **_options(request))
    await stored_again(request, message.id, crud_options(request))
    body = {"image_url": reply.image_url, "scene_index": reply.scene_index}
    return web.Response(body=orjson.dumps(body), content_type=JSON)


async def generate_video(request: web.Request) -> web.Response:
    project_id = request.match_info["id"]
    fields = step_fields(await json_object(request, optional=True), VIDEO_BODY)
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
