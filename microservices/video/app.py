"""The video service's HTTP app: POST /render, and the scaffold's /healthz and
/media/{key}. Its resources (the fetcher of inputs, the renderer, the renders by key)
live as long as the app (cleanup_ctx); on shutdown, renders still running after the
grace period are cancelled and their ffmpeg killed."""

import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from microservices.common.app import MEDIA, SETTINGS, create_service_app, json_response, parse
from microservices.common.errors import ServiceError
from microservices.common.fetch import Fetcher, FetchPolicy
from microservices.video.config import VideoSettings
from microservices.video.errors import RenderError
from microservices.video.fetch import refuse_url
from microservices.video.idempotency import Renders, check_key
from microservices.video.models import RenderRequest
from microservices.video.progress import REPORTS, Reports, render_progress
from microservices.video.render import Renderer

log = logging.getLogger("microservices.video")

RENDERS = web.AppKey("renders", Renders)
RENDERER = web.AppKey("renderer", Renderer)
# How the fetcher is made: tests give it a resolver and a connector of their own.
MAKE_FETCHER: web.AppKey[Callable[[FetchPolicy], Fetcher]] = web.AppKey("make_fetcher")


async def resources_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    assert isinstance(settings, VideoSettings)
    media = app[MEDIA]
    fetcher = app[MAKE_FETCHER](settings.fetch_policy())
    renderer = Renderer(settings, media, fetcher)
    renderer.clean_work()
    app[RENDERER] = renderer
    app[RENDERS] = Renders(
        media, renderer.render, renderer.exists, renderer.discard, settings.render_lease_s
    )
    try:
        yield
    finally:
        await app[RENDERS].close()
        await fetcher.close()


async def render(request: web.Request) -> web.Response:
    body = await parse(request, RenderRequest)
    media = request.app[MEDIA]
    try:
        key = check_key(request.headers.get("Idempotency-Key"))
        policy = request.app[RENDERER].fetcher.policy
        inputs = [("audio_path", body.audio_path)]
        inputs += [(f"images[{k}].url", image.url) for k, image in enumerate(body.images)]
        if body.subtitles and body.captions_url is not None:
            inputs.append(("captions_url", body.captions_url))
        for field, url in inputs:
            # A URL into the media store is read from it, by key: no host is contacted.
            # (Should the object be gone, the download falls back to the fetch policy,
            # which checks the URL then.)
            if media.key_of(url) is None:
                refuse_url(policy, url, field)
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


def create_app(
    settings: VideoSettings, make_fetcher: Callable[[FetchPolicy], Fetcher] = Fetcher
) -> web.Application:
    app = create_service_app(settings)
    app[MAKE_FETCHER] = make_fetcher
    app.cleanup_ctx.append(resources_ctx)
    app.router.add_post("/render", render)
    app[REPORTS] = Reports()
    app.router.add_get("/renders/{key}", render_progress)
    return app
