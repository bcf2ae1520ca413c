"""GET /healthz: the edge process is up and serving HTTP (it does not call gRPC)."""

from aiohttp import web


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})
