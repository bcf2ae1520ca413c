"""The route table, and CORS for the frontend's origins on every route."""

import aiohttp_cors
from aiohttp import web

from edge.cache import writes
from edge.handlers import docs, events, generation, health, projects
from edge.metrics import metrics

# Headers the browser may read from our answers.
EXPOSED = ("X-Total-Count", "Link", "Location", "X-Request-ID", "WWW-Authenticate", "ETag")

# Any id but an empty one or one with a slash, braces included (aiohttp's default
# `{id}` refuses them): an unknown id is the orchestrator's 404, whatever its spelling.
PROJECT = "/projects/{id:[^/]+}"


def setup_routes(app: web.Application) -> None:
    """`writes(...)`: every route that may change a project empties the edge's cached
    lists once answered (read-your-writes for lists, edge/cache.py)."""
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/projects", projects.list_projects)
    app.router.add_post("/projects", writes(projects.create_project))
    app.router.add_get(PROJECT, projects.get_project)
    app.router.add_put(PROJECT, writes(projects.update_project))
    app.router.add_patch(PROJECT, writes(projects.update_project))
    app.router.add_delete(PROJECT, writes(projects.delete_project))
    app.router.add_get(f"{PROJECT}/events", events.project_events)
    app.router.add_post(f"{PROJECT}/generate-script", writes(generation.generate_script))
    app.router.add_post(f"{PROJECT}/generate-audio", writes(generation.generate_audio))
    app.router.add_post(f"{PROJECT}/generate-images", writes(generation.generate_images))
    app.router.add_post(
        f"{PROJECT}/generate-images/{{scene_index}}", writes(generation.generate_image)
    )
    app.router.add_post(f"{PROJECT}/generate-video", writes(generation.generate_video))
    app.router.add_get("/openapi.json", docs.openapi)
    app.router.add_get("/docs", docs.docs)
    app.router.add_get("/docs/static/{filename}", docs.static)


def setup_cors(app: web.Application, origins: list[str]) -> None:
    """Only the listed origins, with credentials. aiohttp-cors adds its headers as the
    answer is prepared, so error answers rendered by the middleware carry them too."""
    options = aiohttp_cors.ResourceOptions(
        allow_credentials=True, expose_headers=EXPOSED, allow_headers="*", max_age=600
    )
    cors = aiohttp_cors.setup(app, defaults={origin: options for origin in origins})
    for route in list(app.router.routes()):
        cors.add(route)
    app.on_response_prepare.append(_vary_on_origin)


async def _vary_on_origin(request: web.Request, response: web.StreamResponse) -> None:
    """Every answer depends on the request's Origin (CORS grants it or not): a shared
    cache must not give one origin's answer to another. aiohttp-cors does not say so."""
    vary = response.headers.get("Vary", "")
    if "origin" not in {v.strip().lower() for v in vary.split(",")}:
        response.headers["Vary"] = f"{vary}, Origin" if vary.strip() else "Origin"
