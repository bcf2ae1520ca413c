"""The image service: POST /generate {prompt, style, aspect_ratio} -> {url}, and
POST /generate-batch {images: [{prompt}], style, aspect_ratio} -> {images: [{prompt, url}]}.
`aspect_ratio` (16:9, 9:16, 1:1) is the project's: pictures in the video's shape."""

from orchestrator.clients.http import HttpUrlText, ServiceAnswer, ServiceClient
from orchestrator.errors import UpstreamError


class ImageAnswer(ServiceAnswer):
    url: HttpUrlText


class BatchImage(ServiceAnswer):
    prompt: str
    url: HttpUrlText


class BatchAnswer(ServiceAnswer):
    images: list[BatchImage]


class ImageClient(ServiceClient):
    name = "image"

    async def generate(
        self, *, prompt: str, style: str, aspect_ratio: str, deadline: float | None
    ) -> ImageAnswer:
        payload = {"prompt": prompt, "style": style, "aspect_ratio": aspect_ratio}
        return await self.post("/generate", payload, ImageAnswer, deadline=deadline)

    async def generate_batch(
        self, *, prompts: list[str], style: str, aspect_ratio: str, deadline: float | None
    ) -> list[str]:
        """The URL of each prompt's image, in the prompts' order."""
        payload = {
            "images": [{"prompt": p} for p in prompts],
            "style": style,
            "aspect_ratio": aspect_ratio,
        }
        answer = await self.post("/generate-batch", payload, BatchAnswer, deadline=deadline)
        if len(answer.images) != len(prompts):
            count = f"{len(answer.images)} images for {len(prompts)} prompts"
            raise UpstreamError(self.name, f"answered an unusable body ({count})")
        return [image.url for image in answer.images]
