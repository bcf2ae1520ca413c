"""`python -m bench.fakes PORT DELAY_MS [RENDER_MS]`: the four microservices in one process.

The test suite's FakeService (fakes/microservice.py) speaks the script, audio, image
and video contracts on one app (it tells them apart by path and body), so the four
*_SERVICE_URLs of an orchestrator can all point at this one process. Here every answer
waits DELAY_MS first, except a render, which waits RENDER_MS (default DELAY_MS). Run on
uvloop without an access log, so that the fake itself costs as little as it can.

For the video bench it also keeps, per render, the wall-clock instants (time.time()) it
received the request and answered it, keyed by the render's audio_path, and how many
renders it is working on; `GET /bench/renders` answers
{"in_flight": N, "started": {audio_path: instant}, "answered": {audio_path: instant}}.
What FakeService records of each request is dropped: a long load test would grow it.
"""

import asyncio
import sys
import time

from aiohttp import web

from bench.serve import serve
from fakes.microservice import FakeService


class BenchFake(FakeService):
    def __init__(self, delay_s: float, render_s: float) -> None:
        super().__init__()
        self.delay_s = delay_s
        self.render_s = render_s
        self.in_flight = 0
        self.started: dict[str, float] = {}
        self.answered: dict[str, float] = {}
        self.app.router.add_get("/bench/renders", self._renders)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path != "/render":
            await asyncio.sleep(self.delay_s)
            response = await super()._handle(request)
            self.received.clear()
            return response
        self.in_flight += 1
        try:
            body = await request.json()
            self.started[str(body.get("audio_path"))] = time.time()
            await asyncio.sleep(self.render_s)
            response = await super()._handle(request)
            self.received.clear()
            self.answered[str(body.get("audio_path"))] = time.time()
            return response
        finally:
            self.in_flight -= 1

    async def _renders(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"in_flight": self.in_flight, "started": self.started, "answered": self.answered}
        )


def main() -> None:
    port = int(sys.argv[1])
    delay_s = float(sys.argv[2]) / 1000
    render_s = float(sys.argv[3]) / 1000 if len(sys.argv) > 3 else delay_s
    fake = BenchFake(delay_s, render_s)
    fake.base_url = f"http://127.0.0.1:{port}"
    serve(fake.app, port)


if __name__ == "__main__":
    main()
