"""Every error answer of the edge, in the contract's shape, rendered in one place.

`{"detail": <for a person>, "code": <MACHINE_CODE>, "errors": [{"field", "message"}]}`
(`errors` only for validation and refused content). A gRPC status maps to HTTP by the
tables below (a code and reason first, then the code alone), the orchestrator's
ErrorInfo reason becomes `code` and its BadRequest violations `errors`.
"""

import logging

import grpc
import orjson
from aiohttp import web
from google.rpc import error_details_pb2, status_pb2

from common.wire import error_body

log = logging.getLogger(__name__)

StatusCode = grpc.StatusCode

# gRPC code -> HTTP status. Anything not listed is a 500 (and logged).
HTTP_STATUS = {
    StatusCode.INVALID_ARGUMENT: 400,
    StatusCode.FAILED_PRECONDITION: 400,
    StatusCode.OUT_OF_RANGE: 400,
    StatusCode.UNAUTHENTICATED: 401,
    StatusCode.NOT_FOUND: 404,
    StatusCode.ALREADY_EXISTS: 409,
    StatusCode.ABORTED: 409,
    StatusCode.UNAVAILABLE: 503,
    StatusCode.DEADLINE_EXCEEDED: 504,
}

# (gRPC code, ErrorInfo reason) -> HTTP status, before the table above: the reasons whose
# HTTP status the code alone does not tell.
REASON_STATUS = {
    # A microservice answered an error or an unusable body.
    (StatusCode.UNKNOWN, "UPSTREAM_ERROR"): 502,
    # A microservice refused the client's own content (a safety filter, text a voice
    # cannot speak): the client can change it, and errors[] names the field.
    (StatusCode.INVALID_ARGUMENT, "CONTENT_REFUSED"): 422,
    (StatusCode.INVALID_ARGUMENT, "PROMPT_REJECTED"): 422,
    # If-Match named another revision than the project's.
    (StatusCode.FAILED_PRECONDITION, "REVISION_MISMATCH"): 412,
}

# What to say when a status carries no ErrorInfo: it came from gRPC itself, not from
# the orchestrator's code (the orchestrator is down, the deadline passed...).
TRANSPORT_ERRORS = {
    StatusCode.UNAVAILABLE: ("ORCHESTRATOR_UNAVAILABLE", "the orchestrator is unavailable"),
    StatusCode.DEADLINE_EXCEEDED: (
        "ORCHESTRATOR_TIMEOUT",
        "the orchestrator did not answer in time",
    ),
}

DETAILS_KEY = "grpc-status-details-bin"


class Violation(Exception):
    """One invalid field of a request."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field
        self.message = message


class HttpError(Exception):
    """An error answer, raised anywhere in a handler and rendered by the middleware."""

    def __init__(
        self, status: int, code: str, detail: str, errors: list[Violation] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.errors = status, code, detail, errors

    def response(self) -> web.Response:
        errors = None
        if self.errors is not None:
            errors = [{"field": v.field, "message": v.message} for v in self.errors]
        body = error_body(self.detail, self.code, errors)
        return web.Response(
            status=self.status, body=orjson.dumps(body), content_type="application/json"
        )


def validation_error(violations: list[Violation]) -> HttpError:
    fields = ", ".join(dict.fromkeys(v.field for v in violations))
    return HttpError(400, "VALIDATION_ERROR", f"invalid {fields}", violations)


def from_rpc_error(exc: grpc.aio.AioRpcError) -> HttpError:
    """The HTTP answer of a failed RPC."""
    code = exc.code()
    status = None
    for key, value in exc.trailing_metadata() or ():
        if key == DETAILS_KEY:
            status = status_pb2.Status.FromString(value)
    reason, violations = None, None
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason = info.reason
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations = [Violation(v.field, v.description) for v in bad_request.field_violations]
    http_status = REASON_STATUS.get((code, reason or ""), HTTP_STATUS.get(code, 500))
    if reason is None:
        # Not an answer of our code: never echo gRPC's own text, which names internals.
        reason, message = TRANSPORT_ERRORS.get(code, ("INTERNAL", "internal error"))
    else:
        message = status.message if status else (exc.details() or "")
    if http_status == 500:
        log.error("RPC failed: %s %s", code.name, exc.details())
    return HttpError(http_status, reason, message, violations)
