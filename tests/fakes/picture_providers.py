"""Fake picture providers on loopback that speak the real wire formats and record what
they receive: an OpenAI-compatible images API (POST /v1/images/generations, JSON in,
{"created", "data": [{"b64_json" | "url"}]} out, {"error": {...}} errors) and Stability
AI's (POST /v2beta/stable-image/generate/{core,ultra,sd3}, multipart in, PNG bytes out
with a finish-reason header, {"id", "name", "errors"} errors). Their pictures are real
PNGs made with Pillow, one solid colour per scene ("scene N" in the prompt), at the
sizes the real ones answer.

A test scripts a misbehaviour for the prompts containing a word:
    fake.when("scene 3", status=400, body={...}, times=None)
and reads what came in: fake.received, fake.peak (most requests in flight at once)."""

import asyncio
import base64
import io
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from PIL import Image

COLOURS = [(200, 40, 40), (40, 160, 60), (40, 70, 200), (220, 180, 30), (150, 50, 170), (0, 0, 0)]
# Stability answers its own sizes for an aspect (about one megapixel).
STABILITY_SIZES = {"16:9": (1344, 768), "9:16": (768, 1344), "1:1": (1024, 1024)}


def colour_of(prompt: str) -> tuple[int, int, int]:
    match = re.search(r"scene (\d+)", prompt)
    return COLOURS[int(match[1]) % len(COLOURS)] if match else (128, 128, 128)


def png(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG", compress_level=1)
    return out.getvalue()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]  # the JSON body, or the multipart form's fields


@dataclass
class Script:
    word: str
    status: int = 200
    body: Any = None  # a dict (sent as JSON) or bytes
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = 1  # None: for good


class FakeProvider:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.downloads: list[str] = []
        self.scripts: list[Script] = []
        self.active = 0
        self.peak = 0
        self.delay = 0.0
        self.base_url = ""
        self.app = web.Application(client_max_size=8 * 1024 * 1024)

    def when(self, word: str, **how: Any) -> None:
        self.scripts.append(Script(word, **how))

    def _script(self, prompt: str) -> Script | None:
        for script in self.scripts:
            if script.word in prompt and script.times != 0:
                if script.times is not None:
                    script.times -= 1
                return script
        return None

    async def _record(self, request: web.Request, body: dict[str, Any]) -> Script | None:
        self.received.append(Received(request.path, dict(request.headers), body))
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.active -= 1
        return self._script(str(body.get("prompt", "")))

    @staticmethod
    def _scripted(script: Script) -> web.Response:
        if isinstance(script.body, bytes):
            return web.Response(status=script.status, body=script.body, headers=script.headers)
        return web.json_response(script.body, status=script.status, headers=script.headers)


class FakeOpenAI(FakeProvider):
    """Sizes and formats as the real API: dall-e-3 and gpt-image sizes only when the model
    is one of those, response_format refused by gpt-image models (400), `url` answers
    when response_format is url or `answer_urls` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.answer_urls = False
        self.files: dict[str, bytes] = {}
        self.app.router.add_post("/v1/images/generations", self.generate)
        self.app.router.add_get("/files/{name}", self.file)

    async def generate(self, request: web.Request) -> web.Response:
        body = await request.json()
        script = await self._record(request, body)
        if script is not None:
            return self._scripted(script)
        if body["model"].startswith("gpt-image") and "response_format" in body:
            error = {
                "message": "Unknown parameter: 'response_format'.",
                "code": "unknown_parameter",
            }
            return web.json_response({"error": error}, status=400)
        width, height = (int(v) for v in body["size"].split("x"))
        picture = png((width, height), colour_of(body["prompt"]))
        if self.answer_urls:
            name = f"img-{len(self.files)}.png"
            self.files[name] = picture
            item = {"url": f"{self.base_url}/files/{name}?sig=abc"}
        else:
            item = {"b64_json": base64.b64encode(picture).decode(), "revised_prompt": "x"}
        return web.json_response({"created": 1700000000, "data": [item]})

    async def file(self, request: web.Request) -> web.Response:
        self.downloads.append(request.match_info["name"])
        picture = self.files.get(request.match_info["name"])
        if picture is None:
            raise web.HTTPNotFound()
        return web.Response(body=picture, content_type="image/png")


class FakeStability(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.app.router.add_post("/v2beta/stable-image/generate/{endpoint}", self.generate)

    async def generate(self, request: web.Request) -> web.Response:
        form = await request.post()
        fields = {name: str(value) for name, value in form.items()}
        script = await self._record(request, fields)
        if script is not None:
            return self._scripted(script)
        size = STABILITY_SIZES[fields.get("aspect_ratio", "1:1")]
        return web.Response(
            body=png(size, colour_of(fields["prompt"])),
            content_type="image/png",
            headers={"finish-reason": "SUCCESS", "seed": "42"},
        )
