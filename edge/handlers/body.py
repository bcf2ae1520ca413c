"""Reading a JSON object body: the HTTP-shape checks every write endpoint shares."""

from typing import Any

import orjson
from aiohttp import hdrs, web

from edge.errors import HttpError

# Bodies are JSON. A body labelled as a form or as text is refused (415): those are the
# labels a browser sends cross-site without a CORS preflight (an HTML form, a plain
# fetch), so accepting them would let any site write through a visitor's browser. JSON
# Server ignores such bodies and FastAPI refuses them. Any other label, or none, is read
# as JSON.
REFUSED_TYPES = ("application/x-www-form-urlencoded", "multipart/", "text/")


def _check_media_type(request: web.Request) -> None:
    if hdrs.CONTENT_TYPE not in request.headers:
        return
    media_type = request.content_type.lower()
    if media_type.startswith(REFUSED_TYPES):
        raise HttpError(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"the body must be JSON (application/json), not {media_type[:64]}",
        )


async def json_object(request: web.Request, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object, or a 400 (malformed, not an object), a 413 (too big)
    or a 415 (labelled as a form or text). An `optional` body may be left out
    altogether: that is an empty object."""
    _check_media_type(request)
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
