"""`python -m bench.baseline PORT`: the bare handler the product is compared with.

aiohttp on uvloop, as the edge runs (no access log), answering GET /projects/{id} with
one fixed ~2 KB project JSON serialized once at start: no middleware, no gRPC, no store.
"""

import sys

import orjson
from aiohttp import web

from bench.sample import baseline_project
from bench.serve import serve

BODY = orjson.dumps(baseline_project())


async def get_project(request: web.Request) -> web.Response:
    return web.Response(body=BODY, content_type="application/json")


def create_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/projects/{id}", get_project)
    return app


def main() -> None:
    port = int(sys.argv[1])
    serve(create_app(), port)


if __name__ == "__main__":
    main()
