"""Error answers in the same shape as the edge's: {"detail", "code", "errors"?}."""

import orjson
from aiohttp import web
from pydantic import ValidationError

from common.wire import error_body


def error_response(status: int, code: str, detail: str, errors: list | None = None) -> web.Response:
    body = error_body(detail, code, errors)
    return web.Response(status=status, body=orjson.dumps(body), content_type="application/json")


class ServiceError(Exception):
    """An error answer, raised anywhere in a handler. The response is built when asked
    for, so one error can answer several requests (a render and its waiting duplicate)."""

    def __init__(self, status: int, code: str, detail: str, errors: list | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.errors = status, code, detail, errors

    @property
    def response(self) -> web.Response:
        return error_response(self.status, self.code, self.detail, self.errors)


def invalid(exc: ValidationError) -> ServiceError:
    """A 400 listing every violation of a request model."""
    errors = [
        {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
        for e in exc.errors()
    ]
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return ServiceError(400, "VALIDATION_ERROR", f"invalid {fields}", errors)
