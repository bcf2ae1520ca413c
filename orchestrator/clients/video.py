"""The video service: POST /render {audio_path, images, resolution, fps, template,
background_music, aspect_ratio, subtitles, captions_url} -> {url, thumbnail, duration},
with an Idempotency-Key. `captions_url` is the project's WebVTT (null when it has none);
`subtitles` asks for them burned in."""

import logging
from typing import Any

import aiohttp
import orjson
from ai_studio.v1.project_pb2 import Project, VideoSettings
from pydantic import Field, ValidationError

from common.labels import ASPECT_RATIO, MUSIC, RESOLUTION, TEMPLATE
from orchestrator.clients.http import HttpUrlText, ServiceAnswer, ServiceClient

log = logging.getLogger(__name__)

# How long a progress read may take: it is polled, and a late one is just skipped.
PROGRESS_TIMEOUT_S = 2.0


class RenderProgress(ServiceAnswer):
    """GET /renders/{key}: how far the render in flight has got."""

    progress: float = Field(ge=0, le=1)
    stage: str = Field(max_length=64)


class RenderAnswer(ServiceAnswer):
    url: HttpUrlText
    thumbnail: HttpUrlText
    duration: float = Field(ge=0)


def render_body(project: Project, settings: VideoSettings) -> dict[str, Any]:
    """The body of POST /render for the project at these settings; a job keeps it from
    the time it is queued, so that every attempt sends the same."""
    return {
        "audio_path": project.audio_path,
        "images": [{"prompt": s.prompt, "url": s.url} for s in project.images],
        "resolution": RESOLUTION.label[settings.resolution],
        "fps": settings.fps,
        "template": TEMPLATE.label[settings.template],
        "background_music": MUSIC.label[settings.background_music],
        "aspect_ratio": ASPECT_RATIO.label[settings.aspect_ratio],
        "subtitles": settings.subtitles,
        "captions_url": project.captions_url if project.HasField("captions_url") else None,
    }


class VideoClient(ServiceClient):
    name = "video"

    async def render(
        self, payload: dict[str, Any], *, idempotency_key: str, deadline: float | None
    ) -> RenderAnswer:
        return await self.post(
            "/render", payload, RenderAnswer, deadline=deadline, idempotency_key=idempotency_key
        )

    async def progress(self, idempotency_key: str) -> RenderProgress | None:
        """The progress of the render running under this key; None when the service does
        not say (unknown key, an older service, a failure): progress is best effort."""
        assert self._session is not None, "start() the client first"
        try:
            async with self._session.get(
                f"{self.base_url}/renders/{idempotency_key}",
                timeout=aiohttp.ClientTimeout(total=PROGRESS_TIMEOUT_S),
                allow_redirects=False,
            ) as response:
                if response.status != 200:
                    return None
                return RenderProgress.model_validate(orjson.loads(await response.read()))
        except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError, ValidationError) as exc:
            log.debug("no progress of render %s: %s", idempotency_key, exc)
            return None
