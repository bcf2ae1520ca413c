"""The scaffold of every reference service: request ids and one log line per request,
errors in one JSON shape, GET /healthz, and for a service that makes media its media
store (GET /media/{key}, readiness, retention)."""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from common.logs import request_id
from common.wire import request_id_or_new
from microservices.common.config import ServiceSettings
from microservices.common.errors import ServiceError, error_response, invalid
from microservices.common.media import MediaStore, StoreUnavailable, open_store

log = logging.getLogger("microservices.http")

SETTINGS = web.AppKey("settings", ServiceSettings)
MEDIA = web.AppKey("media", MediaStore)
# What a service adds to its /healthz answer (which engine it runs; never a key).
HEALTH = web.AppKey("health", dict[str, str])
# How often old media are looked for when MEDIA_RETENTION_DAYS is set.
SWEEP_INTERVAL_S = 3600.0

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
        except StoreUnavailable as exc:
            log.error(
                "%s %s: the media store is unavailable: %s", request.method, request.path, exc
            )
            response = error_response(503, "MEDIA_STORE_UNAVAILABLE", str(exc))
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
    """Ready when its media store (if any) can be used; a 503 saying why otherwise."""
    media = request.app.get(MEDIA)
    if media is not None:
        try:
            await media.check()
        except StoreUnavailable as exc:
            return error_response(503, "MEDIA_STORE_UNAVAILABLE", str(exc))
    extra: dict[str, str] = request.app.get(HEALTH, {})
    return json_response({"status": "ok", **extra})


async def media_ctx(app: web.Application) -> AsyncIterator[None]:
    """The store's connections, and with a retention period its sweeper."""
    media, days = app[MEDIA], app[SETTINGS].media_retention_days
    sweeper = asyncio.create_task(_sweep(media, days)) if days else None
    try:
        yield
    finally:
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
        await media.close()


async def _sweep(media: MediaStore, days: int) -> None:
    while True:
        try:
            removed = await media.sweep(time.time() - days * 86400)
            if removed:
                log.info("removed %d object(s) older than %d day(s)", removed, days)
        except StoreUnavailable as exc:
            log.warning("retention sweep skipped: %s", exc)
        await asyncio.sleep(SWEEP_INTERVAL_S)


def create_service_app(settings: ServiceSettings, media: bool = True) -> web.Application:
    """An app with the scaffold; the service adds its own routes. A service that makes
    files (`media`) gets its media store and GET /media/{key}."""
    app = web.Application(middlewares=[middleware], client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app.router.add_get("/healthz", healthz)
    if media:
        store = open_store(settings)
        app[MEDIA] = store
        app.cleanup_ctx.append(media_ctx)
        app.router.add_get("/media/{key:.+}", store.serve)
    return app
