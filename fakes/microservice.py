"""A fake microservice: a tiny aiohttp app on loopback that speaks the contracts of the
script, audio, image and video services, records every request it receives (path, JSON
body, headers) and can be told to misbehave, once or for good.

    fake = FakeService()
    server = await aiohttp_server(fake.app)
    fake.base_url = str(server.make_url(""))
    fake.misbehave(status=500)            # every call from now on
    fake.misbehave(status=503, headers={"Retry-After": "0"}, times=2)   # the next two
"""

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Received:
    path: str
    body: Any
    headers: dict[str, str]


@dataclass
class Misbehaviour:
    status: int | None = None  # answer this status (with `body`, else an error JSON)
    body: bytes | None = None  # answer these raw bytes (with status 200 unless given)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # answer after this many seconds
    hang: bool = False  # never answer
    endless: bool = False  # start a body and never finish it
    times: int | None = None  # how many calls it lasts; None: until cleared


class FakeService:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.base_url = "http://127.0.0.1"
        self._misbehaviours: list[Misbehaviour] = []
        self._counter = itertools.count()
        self.delay = 0.0  # a delay before every answer, for latency benchmarks
        self._arrival = asyncio.Event()
        self.app = web.Application(client_max_size=8 * 1024 * 1024)
        self.app.router.add_post("/{path:.*}", self._handle)
        # The video service's progress of a render, by Idempotency-Key, as a test sets it
        # ({progress, stage}); unknown keys are a 404. These reads are not recorded.
        self.progress: dict[str, dict[str, Any]] = {}
        self.app.router.add_get("/renders/{key}", self._progress)

    # -- what tests say -------------------------------------------------------------

    def misbehave(self, **how: Any) -> None:
        self._misbehaviours.append(Misbehaviour(**how))

    def behave(self) -> None:
        self._misbehaviours.clear()

    def paths(self) -> list[str]:
        return [r.path for r in self.received]

    async def called(self, count: int = 1) -> None:
        """Wait until at least `count` requests have arrived."""
        while len(self.received) < count:
            self._arrival.clear()
            await self._arrival.wait()

    # -- what the service does ------------------------------------------------------

    def _next_misbehaviour(self) -> Misbehaviour | None:
        if not self._misbehaviours:
            return None
        current = self._misbehaviours[0]
        if current.times is not None:
            current.times -= 1
            if current.times <= 0:
                self._misbehaviours.pop(0)
        return current

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = await request.json() if raw else None
        except ValueError:
            body = raw
        self.received.append(Received(request.path, body, dict(request.headers)))
        self._arrival.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        how = self._next_misbehaviour()
        if how is None:
            return web.json_response(self.answer(request.path, body))
        if how.delay:
            await asyncio.sleep(how.delay)
        if how.hang:
            await asyncio.sleep(3600)
        if how.endless:
            response = web.StreamResponse(headers={"Content-Type": "application/json"})
            await response.prepare(request)
            while True:
                await response.write(b'{"text": "' + b"x" * 1024)
                await asyncio.sleep(0.01)
        status = how.status or 200
        if how.body is not None:
            return web.Response(status=status, body=how.body, headers=how.headers)
        return web.json_response({"error": "told to fail"}, status=status, headers=how.headers)

    async def _progress(self, request: web.Request) -> web.Response:
        report = self.progress.get(request.match_info["key"])
        if report is None:
            return web.json_response({"detail": "unknown render"}, status=404)
        return web.json_response(report)

    def _url(self, kind: str, extension: str) -> str:
        return f"{self.base_url.rstrip('/')}/media/{kind}-{next(self._counter)}.{extension}"

    def answer(self, path: str, body: Any) -> dict:
        """The answer of a well-behaved service, shaped by the contract of `path`."""
        if path == "/generate" and isinstance(body, dict) and "script_text" in body:
            return {
                "url": self._url("audio", "mp3"),
                "duration": 12.5,
                "captions_url": self._url("captions", "vtt"),
            }
        if path == "/generate" and isinstance(body, dict) and "prompt" in body:
            return {"url": self._url("image", "png")}
        if path == "/generate":
            title = body.get("title", "") if isinstance(body, dict) else ""
            return {"text": f"A script about {title}."}
        if path == "/generate-batch":
            images = body.get("images", []) if isinstance(body, dict) else []
            return {
                "images": [
                    {"prompt": i["prompt"], "url": self._url("image", "png")} for i in images
                ]
            }
        if path == "/render":
            return {
                "url": self._url("video", "mp4"),
                "thumbnail": self._url("thumb", "jpg"),
                "duration": 30.0,
            }
        return {}


async def served(aiohttp_server) -> FakeService:
    """A FakeService listening on loopback (pytest-aiohttp's `aiohttp_server`), its
    base_url set to where it listens."""
    service = FakeService()
    server = await aiohttp_server(service.app)
    service.base_url = str(server.make_url(""))
    return service
