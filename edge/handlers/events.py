"""GET /projects/{id}/events: the project live, as Server-Sent Events.

First the project as it is (event `project`, `id:` its revision), then one `project`
event per change, until it is deleted (a final `deleted` event, then the end). Each
event's id is the revision, so a browser's EventSource resumes after the last one it got
(Last-Event-ID); when that revision is older than the store's change log keeps, the
stream starts again from the project as it is. A comment every SSE_HEARTBEAT_S keeps
proxies from closing an idle stream. It ends when the orchestrator's stream does
(EventSource reconnects) and when the edge shuts down.
"""

import asyncio
import contextlib
from typing import Any

import grpc
import orjson
from ai_studio.v1 import project_service_pb2 as pb_service
from ai_studio.v1.project_pb2 import Project
from aiohttp import web

from common.logs import request_id
from edge.cache import shown, shown_deleted
from edge.codec import project_json
from edge.handlers.calls import call_options
from edge.keys import EVENT_STREAMS, PROJECTS, SETTINGS

HEARTBEAT = b": heartbeat\n\n"
END = object()


def event(name: str, revision: int, data: dict[str, Any]) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (revision, name.encode(), orjson.dumps(data))


def project_event(project: Project) -> bytes:
    return event("project", project.revision, project_json(project))


def last_event_id(request: web.Request) -> int | None:
    text = request.headers.get("Last-Event-ID", "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


async def _pump(call: Any, queue: asyncio.Queue[Any]) -> None:
    """Move the orchestrator's messages to the queue (the handler waits on it with a
    timeout for heartbeats; a read cancelled by a timeout would cancel the call)."""
    try:
        async for message in call:
            await queue.put(message)
        await queue.put(END)
    except grpc.aio.AioRpcError as exc:
        await queue.put(exc)


async def project_events(request: web.Request) -> web.StreamResponse:
    settings, stub = request.app[SETTINGS], request.app[PROJECTS]
    project_id = request.match_info["id"]
    streams = request.app[EVENT_STREAMS]
    ended = streams.enter()
    try:
        after = last_event_id(request)
        current: Project = await stub.GetProject(
            pb_service.GetProjectRequest(id=project_id),
            **call_options(settings.grpc_timeout_s),  # a 404 before the stream starts
        )
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",  # nginx: pass each event on at once
                "X-Request-ID": request_id.get(),
            }
        )
        await response.prepare(request)
        if after is None or after > current.revision:
            await response.write(project_event(current))
            after = current.revision
        await _stream(request, response, project_id, after, ended)
        return response
    finally:
        streams.leave(ended)


async def _stream(
    request: web.Request,
    response: web.StreamResponse,
    project_id: str,
    after: int,
    ended: asyncio.Event,
) -> None:
    settings, stub = request.app[SETTINGS], request.app[PROJECTS]
    while True:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        call = stub.WatchProject(
            pb_service.WatchProjectRequest(id=project_id, after_revision=after),
            metadata=(("x-request-id", request_id.get()),),
        )
        pump = asyncio.create_task(_pump(call, queue))
        ending = asyncio.create_task(ended.wait())
        try:
            while True:
                getting = asyncio.create_task(queue.get())
                done, _ = await asyncio.wait(
                    {getting, ending},
                    timeout=settings.sse_heartbeat_s,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if getting not in done:
                    getting.cancel()
                    if ending in done:
                        return  # shutdown
                    await response.write(HEARTBEAT)
                    continue
                item = getting.result()
                if item is END:
                    return
                if isinstance(item, grpc.aio.AioRpcError):
                    if item.code() == grpc.StatusCode.OUT_OF_RANGE:
                        # Last-Event-ID is older than the log keeps: start from now.
                        current = await stub.GetProject(
                            pb_service.GetProjectRequest(id=project_id),
                            **call_options(settings.grpc_timeout_s),
                        )
                        await response.write(project_event(current))
                        after = current.revision
                        break
                    return  # the orchestrator's stream failed: EventSource reconnects
                change: pb_service.ProjectChange = item
                kind = change.WhichOneof("change")
                if kind == "project":
                    shown(request, change.project)  # first: the client may read at once
                    await response.write(project_event(change.project))
                    after = change.revision
                elif kind == "deleted_id":
                    shown_deleted(request, project_id, change.revision)
                    await response.write(event("deleted", change.revision, {"id": project_id}))
                    return
        finally:
            call.cancel()
            for task in (pump, ending):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
