"""The one middleware: request id, one log line per request, every error in one shape."""

import logging
import time

import grpc
from aiohttp import web
from aiohttp.typedefs import Handler

from common.logs import caller, request_id
from common.wire import request_id_or_new
from edge.errors import HttpError, from_rpc_error
from edge.metrics import observe

log = logging.getLogger("edge.http")

# The longest request target (path and query) answered, as Node's HTTP server (JSON
# Server's) allows a request head of 16 KiB: room for a search of 10,000 characters.
# aiohttp reads targets up to PARSER_MAX_LINE (edge/app.py), so that a longer one gets
# this JSON 414 rather than aiohttp's plain-text 400 (its own limit is 8190 bytes).
MAX_TARGET = 16 * 1024

HTTP_CODES = {
    404: ("NOT_FOUND", "no such endpoint"),
    405: ("METHOD_NOT_ALLOWED", "method not allowed on this endpoint"),
    413: ("BODY_TOO_LARGE", "the request body is larger than the limit"),
}


def _http_error(exc: web.HTTPException) -> HttpError:
    code, detail = HTTP_CODES.get(exc.status, ("HTTP_ERROR", exc.reason))
    if exc.status == 413:
        detail = f"{detail} ({exc.text.rsplit(':', 1)[-1].strip()})" if exc.text else detail
    return HttpError(exc.status, code, detail)


@web.middleware
async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    rid = request_id_or_new(request.headers.get("X-Request-ID"))
    token = request_id.set(rid)
    caller_token = caller.set(None)  # set by edge/auth.py once the caller is known
    started = time.perf_counter()
    try:
        try:
            if len(request.raw_path) > MAX_TARGET:
                raise HttpError(
                    414, "URI_TOO_LONG", f"the request target is longer than {MAX_TARGET} bytes"
                )
            response = await handler(request)
        except HttpError as exc:
            response = exc.response()
        except grpc.aio.AioRpcError as exc:
            response = from_rpc_error(exc).response()
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            response = _http_error(exc).response()
            if exc.status == 405:
                response.headers["Allow"] = exc.headers.get("Allow", "")
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            response = HttpError(500, "INTERNAL", "internal error").response()
        response.headers["X-Request-ID"] = rid
        elapsed = time.perf_counter() - started
        observe(request, response.status, elapsed)
        log.info(
            "%s %s %s %.1fms", request.method, request.path_qs, response.status, elapsed * 1000
        )
        return response
    finally:
        request_id.reset(token)
        caller.reset(caller_token)
