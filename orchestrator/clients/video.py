"""The video service: POST /render {audio_path, images, resolution, fps, template,
background_music} -> {url, thumbnail, duration}, with an Idempotency-Key."""

from pydantic import Field

from orchestrator.clients.http import HttpUrlText, ServiceAnswer, ServiceClient


class RenderAnswer(ServiceAnswer):
    url: HttpUrlText
    thumbnail: HttpUrlText
    duration: float = Field(ge=0)


class VideoClient(ServiceClient):
    name = "video"

    async def render(
        self, payload: dict, *, idempotency_key: str, deadline: float | None
    ) -> RenderAnswer:
        return await self.post(
            "/render", payload, RenderAnswer, deadline=deadline, idempotency_key=idempotency_key
        )
