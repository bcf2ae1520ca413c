"""The video service: POST /render {audio_path, images, resolution, fps, template,
background_music, aspect_ratio, subtitles, captions_url} -> {url, thumbnail, duration},
with an Idempotency-Key. `captions_url` is the project's WebVTT (null when it has none);
`subtitles` asks for them burned in."""

from typing import Any

from ai_studio.v1.project_pb2 import Project, VideoSettings
from pydantic import Field

from common.labels import ASPECT_RATIO, MUSIC, RESOLUTION, TEMPLATE
from orchestrator.clients.http import HttpUrlText, ServiceAnswer, ServiceClient


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
