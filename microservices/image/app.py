"""The image service's HTTP app: POST /generate, POST /generate-batch, and the scaffold's
/healthz and /media/{name}. Images are drawn in a process pool, created and shut down
with the app (cleanup_ctx); the event loop only waits for them."""

import asyncio
import logging
import multiprocessing
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from aiohttp import web

from microservices.common.app import MEDIA, SETTINGS, create_service_app, json_response, parse
from microservices.common.errors import ServiceError
from microservices.image.config import ImageSettings
from microservices.image.draw import render_to_file
from microservices.image.models import BatchRequest, GenerateRequest

log = logging.getLogger("microservices.image")


class Painters:
    """The worker processes. A pool that broke (a worker was killed) is replaced, and the
    request that saw it answers 503 so it can be retried."""

    def __init__(self, workers: int, compress_level: int) -> None:
        self.workers = workers
        self.compress_level = compress_level
        # spawn: no fork of a process with a running event loop and its threads.
        self.context = multiprocessing.get_context("spawn")
        self.pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=self.context)

    async def draw(self, prompt: str, style: str, path: str) -> None:
        pool = self.pool
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(
                pool, render_to_file, prompt, style, path, self.compress_level
            )
        except BrokenProcessPool:
            if self.pool is pool:
                log.error("the drawing pool broke; starting a new one")
                self.pool = self._new_pool()
                pool.shutdown(wait=False, cancel_futures=True)
            raise ServiceError(503, "UNAVAILABLE", "the image workers restarted; retry") from None

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


PAINTERS = web.AppKey("painters", Painters)


async def painters_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    assert isinstance(settings, ImageSettings)
    painters = Painters(settings.workers, settings.png_compress_level)
    app[PAINTERS] = painters
    yield
    await asyncio.to_thread(painters.close)


async def _draw_all(request: web.Request, prompts: list[str], style: str) -> list[str]:
    """Draw one image per prompt, concurrently; their URLs in the prompts' order."""
    media, painters = request.app[MEDIA], request.app[PAINTERS]
    settings = request.app[SETTINGS]
    assert isinstance(settings, ImageSettings)
    targets = [media.work_path("png") for _ in prompts]
    jobs = [painters.draw(p, style, str(path)) for p, path in zip(prompts, targets, strict=True)]
    try:
        async with asyncio.timeout(settings.request_timeout_s):
            await asyncio.gather(*jobs)
        urls = [await media.publish(path, "images", "png") for path in targets]
    except TimeoutError:
        raise ServiceError(
            504, "TIMEOUT", f"the images were not drawn within {settings.request_timeout_s:g} s"
        ) from None
    finally:
        for path in targets:
            path.unlink(missing_ok=True)
    log.info("drew %d image(s) in style %s", len(prompts), style)
    return urls


async def generate(request: web.Request) -> web.Response:
    body = await parse(request, GenerateRequest)
    (url,) = await _draw_all(request, [body.prompt], body.style)
    return json_response({"url": url})


async def generate_batch(request: web.Request) -> web.Response:
    body = await parse(request, BatchRequest)
    prompts = [image.prompt for image in body.images]
    urls = await _draw_all(request, prompts, body.style)
    return json_response(
        {"images": [{"prompt": p, "url": u} for p, u in zip(prompts, urls, strict=True)]}
    )


def create_app(settings: ImageSettings) -> web.Application:
    app = create_service_app(settings)
    app.cleanup_ctx.append(painters_ctx)
    app.router.add_post("/generate", generate)
    app.router.add_post("/generate-batch", generate_batch)
    return app
