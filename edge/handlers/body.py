"""Reading a JSON object body: the HTTP-shape checks every write endpoint shares."""

from typing import Any

import orjson
from aiohttp import web

from edge.errors import HttpError


async def json_object(request: web.Request, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object, or a 400 (malformed, not an object) or a 413 (too big).
    An `optional` body may be left out altogether: that is an empty object."""
    raw = await request.read()  # aiohttp answers 413 past client_max_size
    if optional and not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise HttpError(400, "MALFORMED_JSON", f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise HttpError(400, "INVALID_BODY", "the body must be a JSON object")
    return body
