"""The video service's HTTP app: POST /render, and the scaffold's /healthz and
/media/{name}. Its resources (the download session, the renderer, the remembered
results) live as long as the app (cleanup_ctx); on shutdown, renders still running
after the grace period are cancelled and their ffmpeg killed."""

import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from microservices.common.app import MEDIA, SETTINGS, create_service_app, json_response, parse
from microservices.common.errors import ServiceError
from microservices.video.config import VideoSettings
from microservices.video.errors import RenderError
from microservices.video.fetch import Fetcher, refuse_url
from microservices.video.idempotency import Renders, ResultStore, check_key
from microservices.video.models import RenderRequest
from microservices.video.progress import REPORTS, Reports, render_progress
from microservices.video.render import Renderer

log = logging.getLogger("microservices.video")

RENDERS = web.AppKey("renders", Renders)
RENDERER = web.AppKey("renderer", Renderer)


async def resources_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    assert isinstance(settings, VideoSettings)
    media = app[MEDIA]
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=settings.fetch_concurrency * 2),
        trust_env=False,
        raise_for_status=False,
    )
    renderer = Renderer(settings, media, Fetcher(session, settings))
    renderer.clean_work()
    store = ResultStore(media.directory, settings.idempotency_capacity)
    store.load()
    app[RENDERER] = renderer
    app[RENDERS] = Renders(store, renderer.render, renderer.exists)
    try:
        yield
    finally:
        await app[RENDERS].close()
        await session.close()


async def render(request: web.Request) -> web.Response:
    body = await parse(request, RenderRequest)
    media = request.app[MEDIA]
    try:
        key = check_key(request.headers.get("Idempotency-Key"))
        refuse_url(body.audio_path, "audio_path")
        for k, image in enumerate(body.images):
            refuse_url(image.url, f"images[{k}].url")
        report = request.app[REPORTS].start(key) if key else None
        result = await request.app[RENDERS].run(body, key)
    except RenderError as exc:
        raise ServiceError(exc.status, exc.code, exc.detail) from None
    if report is not None:
        report.set("done", 1.0)
    return json_response(
        {
            "url": media.url(result.video),
            "thumbnail": media.url(result.thumbnail),
            "duration": result.duration,
        }
    )


def create_app(settings: VideoSettings) -> web.Application:
    app = create_service_app(settings)
    app.cleanup_ctx.append(resources_ctx)
    app.router.add_post("/render", render)
    app[REPORTS] = Reports()
    app.router.add_get("/renders/{key}", render_progress)
    return app
