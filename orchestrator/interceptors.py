"""The one server interceptor: request id, a log line per RPC, exceptions to statuses,
and a request that does not parse (a string that is not UTF-8, say) as INVALID_ARGUMENT
rather than gRPC's own UNKNOWN.

Wrapping the handler (rather than only inspecting the call) keeps all three in the task
that runs the RPC, so the request id ContextVar is seen by everything the RPC does.
Wrapped handlers are built once per method and cached: the hot path adds one call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError
from google.rpc import code_pb2

from common.logs import request_id
from common.wire import MAX_REQUEST_ID, is_safe_request_id
from orchestrator.errors import DomainError, InvalidArgument, Violation, status_of, to_status
from orchestrator.metrics import RPC_SECONDS, RPCS
from orchestrator.store.base import StoreError
from orchestrator.store.revisions import RevisionError

log = logging.getLogger("orchestrator.rpc")

REQUEST_ID_KEY = "x-request-id"
OWN_SERVICE = "/ai_studio.v1.ProjectService/"


def _request_id(context: grpc.aio.ServicerContext) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == REQUEST_ID_KEY and isinstance(value, str):
            # Internal callers' ids are cut to the limit rather than replaced, then must
            # be as safe as the edge's.
            cut = value[:MAX_REQUEST_ID]
            return cut if is_safe_request_id(cut) else "-"
    return "-"


Behavior = Callable[[Any, Any], Any]


class Undecodable:
    """A request its message type cannot parse: handed to the behavior, which refuses it,
    so that the caller gets a rich INVALID_ARGUMENT (a deserializer that raises makes
    gRPC answer UNKNOWN, as for a bug)."""


UNDECODABLE = Undecodable()
NOT_A_MESSAGE = "is not a valid message of this method (e.g. a string that is not UTF-8)"


def _lenient(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None
    parse = deserializer

    def deserialize(raw: bytes) -> Any:
        try:
            return parse(raw)
        except DecodeError:
            return UNDECODABLE

    return deserialize


def _failure(method: str, exc: Exception) -> tuple[str, grpc.Status]:
    """The name of the code and the status a failed RPC ends with (logged when it is not
    the caller's doing). Taken before aborting: abort_with_status raises."""
    if isinstance(exc, DomainError | StoreError | RevisionError):
        if isinstance(exc, StoreError):
            log.warning("%s failed: %s", method, exc)
        return code_pb2.Code.Name(status_of(exc)[0]), to_status(exc)
    log.error("%s failed with an unexpected error", method, exc_info=exc)
    return "INTERNAL", to_status(Exception())


def _wrap(method: str, behavior: Behavior) -> Behavior:
    async def handle(request: Any, context: grpc.aio.ServicerContext) -> Any:
        token = request_id.set(_request_id(context))
        started = time.perf_counter()
        code = "OK"
        try:
            if request is UNDECODABLE:
                raise InvalidArgument([Violation("request", NOT_A_MESSAGE)])
            return await behavior(request, context)
        except Exception as exc:
            code, status = _failure(method, exc)
            await context.abort_with_status(status)
        finally:
            elapsed = time.perf_counter() - started
            RPCS.labels(method, code).inc()
            RPC_SECONDS.labels(method).observe(elapsed)
            # A successful RPC is a DEBUG line: the edge already logs every REST request
            # with the same request id, and this line cost ~10 % of the chain's CPU
            # (make bench). Failures stay at INFO; metrics count every RPC.
            log.log(logging.DEBUG if code == "OK" else logging.INFO,
                    "%s %s %.1fms", method, code, elapsed * 1000)  # fmt: skip
            request_id.reset(token)

    return handle


def _wrap_stream(method: str, behavior: Any) -> Any:
    """The same for a server-streaming RPC (the watches): a failure before or between
    messages becomes the status that ends the stream."""

    async def handle(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        token = request_id.set(_request_id(context))
        code = "OK"
        try:
            if request is UNDECODABLE:
                raise InvalidArgument([Violation("request", NOT_A_MESSAGE)])
            async for message in behavior(request, context):
                yield message
        except Exception as exc:
            code, status = _failure(method, exc)
            await context.abort_with_status(status)
        finally:
            RPCS.labels(method, code).inc()
            log.log(logging.DEBUG if code == "OK" else logging.INFO, "%s %s", method, code)
            request_id.reset(token)

    return handle


class ServerInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self) -> None:
        self._handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        method = handler_call_details.method
        cached = self._handlers.get(method)
        if cached is not None:
            return cached
        handler = await continuation(handler_call_details)
        # Unary-unary RPCs and our watches are ours; the health service's watch and
        # reflection's stream pass through.
        if handler is None:
            return handler
        name = method.rsplit("/", 1)[-1]
        if handler.unary_unary is not None:
            wrapped = grpc.unary_unary_rpc_method_handler(
                _wrap(name, handler.unary_unary),
                request_deserializer=_lenient(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        elif handler.unary_stream is not None and method.startswith(OWN_SERVICE):
            wrapped = grpc.unary_stream_rpc_method_handler(
                _wrap_stream(name, handler.unary_stream),
                request_deserializer=_lenient(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        else:
            return handler
        self._handlers[method] = wrapped
        return wrapped
