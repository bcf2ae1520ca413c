"""Health: GET /healthz (this process serves HTTP) and GET /readyz (the orchestrator
behind it says SERVING, within a short deadline)."""

import grpc
from aiohttp import web
from grpc_health.v1 import health_pb2

from edge.errors import HttpError
from edge.keys import HEALTH, SETTINGS

SERVING = health_pb2.HealthCheckResponse.SERVING


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    try:
        reply = await request.app[HEALTH].Check(
            health_pb2.HealthCheckRequest(), timeout=request.app[SETTINGS].ready_timeout_s
        )
    except grpc.aio.AioRpcError as exc:
        raise HttpError(
            503, "NOT_READY", f"the orchestrator's health check failed ({exc.code().name})"
        ) from None
    if reply.status != SERVING:
        raise HttpError(503, "NOT_READY", "the orchestrator is not serving (its store is down?)")
    return web.json_response({"status": "ready"})
