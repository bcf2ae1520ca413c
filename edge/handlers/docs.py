"""The API's documentation: GET /openapi.json (edge/openapi.json, kept in the repo) and
GET /docs, Swagger UI served from the files the swagger-ui-py package bundles, so the
page fetches nothing from a CDN."""

import importlib.util
from pathlib import Path

from aiohttp import web

from edge.errors import HttpError

EDGE = Path(__file__).resolve().parent.parent
OPENAPI = (EDGE / "openapi.json").read_bytes()
OURS = EDGE / "static"

CONTENT_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".png": "image/png",
}


def swagger_ui_static() -> Path:
    """swagger-ui-py's bundled Swagger UI files. Located without importing the package,
    whose own handlers (Jinja templates, framework adapters) the edge does not need."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def _assets() -> dict[str, tuple[Path, str]]:
    """Every file /docs/static/ serves, by name: a fixed list, nothing else on disk."""
    bundled = swagger_ui_static()
    files = [
        bundled / "swagger-ui.css",
        bundled / "swagger-ui-bundle.js",
        bundled / "favicon-16x16.png",
        bundled / "favicon-32x32.png",
        OURS / "docs.js",
    ]
    for path in files:
        if not path.is_file():
            raise RuntimeError(f"the Swagger UI file {path} is missing")
    return {path.name: (path, CONTENT_TYPES[path.suffix]) for path in files}


ASSETS = _assets()
INDEX = (OURS / "docs.html").read_bytes()


async def openapi(request: web.Request) -> web.Response:
    return web.Response(body=OPENAPI, content_type="application/json")


async def docs(request: web.Request) -> web.Response:
    return web.Response(body=INDEX, content_type="text/html", charset="utf-8")


async def static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["filename"]
    asset = ASSETS.get(name)
    if asset is None:
        raise HttpError(404, "NOT_FOUND", f"no such file {name[:64]!r}")
    path, content_type = asset
    return web.FileResponse(
        path, headers={"Content-Type": content_type, "Cache-Control": "public, max-age=3600"}
    )
