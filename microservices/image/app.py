"""The image service's HTTP app: POST /generate, POST /generate-batch, and the scaffold's
/healthz (which also says which engine makes the pictures) and /media/{name}.

The pictures come from one engine, chosen by IMAGE_SERVICE_PROVIDER: the offline
drawings (a process pool, created and shut down with the app; the event loop only waits
for it) or a provider (pictures.py). The engine is made with the app (cleanup_ctx)."""

import asyncio
import logging
import multiprocessing
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from aiohttp import web

from microservices.common.app import (
    HEALTH,
    MEDIA,
    SETTINGS,
    create_service_app,
    json_response,
    parse,
)
from microservices.common.errors import ServiceError
from microservices.image.batch import Engine, make_all
from microservices.image.config import ImageSettings
from microservices.image.draw import render_to_file
from microservices.image.models import SIZES, BatchRequest, GenerateRequest
from microservices.image.pictures import ProviderEngine

log = logging.getLogger("microservices.image")


class Painters:
    """The drawing engine's worker processes. A pool that broke (a worker was killed) is
    replaced, and the request that saw it answers 503 so it can be retried."""

    def __init__(self, workers: int, compress_level: int) -> None:
        self.workers = workers
        self.compress_level = compress_level
        # spawn: no fork of a process with a running event loop and its threads.
        self.context = multiprocessing.get_context("spawn")
        self.pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=self.context)

    def describe(self) -> dict[str, str]:
        return {"engine": "drawing"}

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        await asyncio.to_thread(self.pool.shutdown, wait=True, cancel_futures=True)

    async def make(self, prompt: str, style: str, aspect: str, field: str, work: Path) -> None:
        pool = self.pool
        try:
            drawing = pool.submit(
                render_to_file, prompt, style, str(work), self.compress_level, SIZES[aspect]
            )
            await asyncio.wrap_future(drawing)
        except asyncio.CancelledError:
            # A request that timed out cancels a drawing still queued, but one already
            # running finishes in its worker and writes its file after the request has
            # cleaned up: remove that file once the drawing is done.
            drawing.add_done_callback(lambda _: work.unlink(missing_ok=True))
            raise
        except BrokenProcessPool:
            if self.pool is pool:
                log.error("the drawing pool broke; starting a new one")
                self.pool = self._new_pool()
                pool.shutdown(wait=False, cancel_futures=True)
            raise ServiceError(503, "UNAVAILABLE", "the image workers restarted; retry") from None


ENGINE = web.AppKey("engine", Engine)


def _engine(settings: ImageSettings) -> Engine:
    if settings.provider == "drawing":
        return Painters(settings.workers, settings.png_compress_level)
    return ProviderEngine(settings)


async def engine_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    assert isinstance(settings, ImageSettings)
    engine = _engine(settings)
    await engine.start()
    app[ENGINE] = engine
    app[HEALTH] = engine.describe()
    log.info("pictures by %s", ", ".join(f"{k} {v}" for k, v in engine.describe().items()))
    try:
        yield
    finally:
        await engine.close()


async def _make(request: web.Request, prompts: list[str], style: str, aspect: str) -> list[str]:
    settings = request.app[SETTINGS]
    assert isinstance(settings, ImageSettings)
    return await make_all(
        request.app[ENGINE],
        request.app[MEDIA],
        prompts,
        style,
        aspect,
        settings.request_timeout_s,
        batch=request.path == "/generate-batch",
    )


async def generate(request: web.Request) -> web.Response:
    body = await parse(request, GenerateRequest)
    (url,) = await _make(request, [body.prompt], body.style, body.aspect_ratio)
    return json_response({"url": url})


async def generate_batch(request: web.Request) -> web.Response:
    body = await parse(request, BatchRequest)
    prompts = [image.prompt for image in body.images]
    urls = await _make(request, prompts, body.style, body.aspect_ratio)
    return json_response(
        {"images": [{"prompt": p, "url": u} for p, u in zip(prompts, urls, strict=True)]}
    )


def create_app(settings: ImageSettings) -> web.Application:
    app = create_service_app(settings)
    app.cleanup_ctx.append(engine_ctx)
    app.router.add_post("/generate", generate)
    app.router.add_post("/generate-batch", generate_batch)
    return app
