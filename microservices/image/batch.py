"""Making a request's pictures with whichever engine runs (the drawings or a provider):
every scene at once (the engine bounds how many really run), each into a work file of
its own; published, in the scenes' order, only once every scene is done. One failing
scene fails the request, named by its index and prompt, and nothing of it is published:
no half-done batch is ever reported as a success."""

import asyncio
import logging
from pathlib import Path
from typing import Protocol

from microservices.common.errors import ServiceError
from microservices.common.media import MediaStore

log = logging.getLogger("microservices.image")


class Engine(Protocol):
    def describe(self) -> dict[str, str]: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def make(self, prompt: str, style: str, aspect: str, field: str, work: Path) -> None:
        """The scene's picture, as our PNG at the aspect's size, into `work`. `field`
        names the scene in an error (prompt, images[3].prompt)."""


def _named(error: ServiceError, index: int, prompt: str, field: str) -> ServiceError:
    """The error of one scene of a batch, saying which scene it is."""
    shown = prompt if len(prompt) <= 80 else prompt[:79] + "…"
    errors = error.errors or [{"field": field, "message": error.detail}]
    return ServiceError(
        error.status, error.code, f"scene {index} ({shown!r}): {error.detail}", errors
    )


async def make_all(
    engine: Engine,
    media: MediaStore,
    prompts: list[str],
    style: str,
    aspect: str,
    timeout_s: float,
    batch: bool,
) -> list[str]:
    """The scenes' URLs, in their order; a ServiceError naming the first failing scene."""
    fields = [f"images[{i}].prompt" if batch else "prompt" for i in range(len(prompts))]
    works = [media.work_path("png") for _ in prompts]
    tasks = [
        asyncio.create_task(engine.make(prompt, style, aspect, field, work))
        for prompt, field, work in zip(prompts, fields, works, strict=True)
    ]
    try:
        try:
            async with asyncio.timeout(timeout_s):
                await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        except TimeoutError:
            raise ServiceError(
                504, "TIMEOUT", f"the images were not made within {timeout_s:g} s"
            ) from None
        for index, task in enumerate(tasks):
            if task.done() and not task.cancelled() and (exc := task.exception()) is not None:
                if isinstance(exc, ServiceError) and batch:
                    raise _named(exc, index, prompts[index], fields[index]) from None
                raise exc
        urls = [await media.publish(work, "images", "png") for work in works]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for work in works:
            work.unlink(missing_ok=True)
    log.info("made %d image(s) in style %s at %s", len(prompts), style, aspect)
    return urls
