"""Per-call credentials on gRPC: the interceptor that holds an internal service calling
the orchestrator directly to the same rule as the edge (the same verifier, the same
bearer tokens and API keys, in the `authorization` metadata).

A refused call ends with UNAUTHENTICATED (UNAVAILABLE when the identity provider's keys
cannot be had), a rich status like every other: ErrorInfo reason UNAUTHENTICATED or
AUTH_UNAVAILABLE. Health and reflection stay open unless configured otherwise.

The caller's identity goes into the `caller` ContextVar, so the RPC's log lines carry
it. A client that calls on behalf of someone (the edge) names them in `x-caller`; that
name is believed only from a client that authenticated itself, by credential or by
certificate (mutual TLS), and is logged as "<client> for <name>".
"""

import logging
import re
from collections.abc import Awaitable, Callable

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from common.auth.errors import AuthError, Unauthenticated
from common.auth.verifier import Verifier
from common.logs import caller
from orchestrator.errors import DOMAIN
from orchestrator.metrics import RPCS

log = logging.getLogger("orchestrator.rpc")

AUTHORIZATION_KEY = "authorization"
CALLER_KEY = "x-caller"
HEALTH_PREFIX = "/grpc.health.v1.Health/"
REFLECTION_PREFIXES = (
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)
# A forwarded name goes into logs: printable and short.
UNSAFE = re.compile(r"[^\x21-\x7e]")


def open_prefixes(open_health: bool, open_reflection: bool) -> tuple[str, ...]:
    return (HEALTH_PREFIX,) * open_health + REFLECTION_PREFIXES * open_reflection


def refusal_status(exc: AuthError) -> grpc.Status:
    code = code_pb2.UNAUTHENTICATED if isinstance(exc, Unauthenticated) else code_pb2.UNAVAILABLE
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.ErrorInfo(reason=exc.reason, domain=DOMAIN))
    return rpc_status.to_status(status_pb2.Status(code=code, message=exc.message, details=[detail]))


def _refusal(handler: grpc.RpcMethodHandler | None, status: grpc.Status) -> grpc.RpcMethodHandler:
    """A handler of the method's own kind that only ends the call with `status`."""

    async def abort(request_or_iterator: object, context: grpc.aio.ServicerContext) -> None:
        await context.abort_with_status(status)

    if handler is None or handler.unary_unary is not None:
        make = grpc.unary_unary_rpc_method_handler
    elif handler.unary_stream is not None:
        make = grpc.unary_stream_rpc_method_handler
    elif handler.stream_unary is not None:
        make = grpc.stream_unary_rpc_method_handler
    else:
        make = grpc.stream_stream_rpc_method_handler
    return make(
        abort,
        request_deserializer=handler.request_deserializer if handler else None,
        response_serializer=handler.response_serializer if handler else None,
    )


class AuthInterceptor(grpc.aio.ServerInterceptor):
    """`verifier` None: no credential is asked for (mutual TLS alone authenticates the
    peer); a forwarded `x-caller` is still logged."""

    def __init__(self, verifier: Verifier | None, open_methods: tuple[str, ...]) -> None:
        self._verifier = verifier
        self._open = open_methods

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        method: str = handler_call_details.method
        authorization = forwarded = None
        for key, raw in handler_call_details.invocation_metadata or ():
            # Only "-bin" keys carry bytes; ours are text, so bytes are never a credential.
            value = raw if isinstance(raw, str) else ""
            if key == AUTHORIZATION_KEY:
                authorization = value
            elif key == CALLER_KEY:
                forwarded = UNSAFE.sub("", value)[:128] or None
        if self._verifier is None or method.startswith(self._open):
            if forwarded is not None:
                caller.set(forwarded)
            return await continuation(handler_call_details)
        try:
            who = await self._verifier.verify(authorization)
        except AuthError as exc:
            status = refusal_status(exc)
            name = method.rsplit("/", 1)[-1]
            RPCS.labels(name, status.code.name).inc()
            log.info("%s refused: %s", name, exc.message)
            return _refusal(await continuation(handler_call_details), status)
        # Each RPC runs in its own task, which runs this too: the value is the RPC's own.
        on_behalf = forwarded is not None and forwarded != who.name
        caller.set(f"{who.name} for {forwarded}" if on_behalf else who.name)
        return await continuation(handler_call_details)
