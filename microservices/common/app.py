"""The scaffold of every reference service: request ids and one log line per request,
errors in one JSON shape, GET /healthz, and GET /media/{name} for its files."""

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from common.logs import request_id
from common.wire import request_id_or_new
from microservices.common.config import ServiceSettings
from microservices.common.errors import ServiceError, error_response, invalid
from microservices.common.media import Media

log = logging.getLogger("microservices.http")

SETTINGS = web.AppKey("settings", ServiceSettings)
MEDIA = web.AppKey("media", Media)
# What a service adds to its /healthz answer (which engine it runs; never a key).
HEALTH = web.AppKey("health", dict[str, str])

Model = TypeVar("Model", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    rid = request_id_or_new(request.headers.get("X-Request-ID"))
    token = request_id.set(rid)
    started = time.perf_counter()
    media = request.app.get(MEDIA)
    if media is not None and not media.base_url:
        # Served by a runner other than run.start (tests): the URL the request came in by.
        media.base_url = str(request.url.origin())
    try:
        try:
            response = await handler(request)
        except ServiceError as exc:
            response = exc.response
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            response = error_response(exc.status, exc.reason.upper().replace(" ", "_"), exc.reason)
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            response = error_response(500, "INTERNAL", "internal error")
        log.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status,
            (time.perf_counter() - started) * 1000,
        )
        return response
    finally:
        request_id.reset(token)


async def parse(request: web.Request, model: type[Model]) -> Model:
    """The JSON body as `model`, or a 400 in the common shape."""
    raw = await request.read()
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ServiceError(400, "MALFORMED_JSON", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ServiceError(400, "INVALID_BODY", "the body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc) from None


def json_response(body: dict) -> web.Response:
    return web.Response(body=orjson.dumps(body), content_type="application/json")


async def healthz(request: web.Request) -> web.Response:
    extra: dict[str, str] = request.app.get(HEALTH, {})
    return json_response({"status": "ok", **extra})


def create_service_app(settings: ServiceSettings, media: bool = True) -> web.Application:
    """An app with the scaffold; the service adds its own routes. A service that makes
    files (`media`) gets its media directory and GET /media/{name}."""
    app = web.Application(middlewares=[middleware], client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app.router.add_get("/healthz", healthz)
    if media:
        files = Media(settings.media_dir)
        app[MEDIA] = files
        app.router.add_get("/media/{name}", files.serve)
    return app
