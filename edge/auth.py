"""Access at the edge: a middleware that asks every request for a credential (but the
health, metrics and documentation endpoints and CORS preflights), and the gRPC client
interceptor that carries the caller to the orchestrator.

A refused request is a 401 in the common error shape (code UNAUTHENTICATED) with a
`WWW-Authenticate: Bearer ...` challenge, rendered by the one middleware, so it carries
the request id and, through aiohttp-cors, the CORS headers the browser needs to read it.
When the identity provider's keys cannot be had, a 503 (AUTH_UNAVAILABLE): never a way in.

To the orchestrator, each call carries `x-caller` (who the edge serves) and, as its own
credential, ORCHESTRATOR_TOKEN when set, else the caller's own `Authorization` value:
with both processes given the same AUTH_* settings the orchestrator checks the very
credential the edge checked.
"""

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import grpc
from aiohttp import web
from aiohttp.typedefs import Middleware
from grpc.aio import ClientCallDetails

from common.auth.errors import KeysUnavailable, Unauthenticated
from common.auth.verifier import Verifier
from common.logs import caller
from edge.config import EdgeSettings
from edge.errors import HttpError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Route templates anyone may call: liveness, readiness, metrics, and the API's description.
OPEN_ROUTES = frozenset(
    ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/static/{filename}")
)
# The caller's Authorization value, forwarded on this request's RPCs.
forwarded: ContextVar[str | None] = ContextVar("forwarded", default=None)
# gRPC metadata values are printable ASCII; a token's subject may be anything.
UNSAFE = re.compile(r"[^\x20-\x7e]")


class Unauthorized(HttpError):
    def __init__(self, exc: Unauthenticated) -> None:
        super().__init__(401, exc.reason, exc.message)
        self.challenge = exc.challenge()

    def response(self) -> web.Response:
        response = super().response()
        response.headers["WWW-Authenticate"] = self.challenge
        return response


def _is_open(request: web.Request) -> bool:
    resource = request.match_info.route.resource
    return resource is not None and resource.canonical in OPEN_ROUTES


def auth_middleware(verifier: Verifier) -> Middleware:
    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        # OPTIONS is only ever aiohttp-cors's preflight, which a browser sends bare.
        if request.method == "OPTIONS" or _is_open(request):
            return await handler(request)
        authorization = request.headers.get("Authorization")
        try:
            who = await verifier.verify(authorization)
        except Unauthenticated as exc:
            raise Unauthorized(exc) from None
        except KeysUnavailable as exc:
            raise HttpError(503, exc.reason, exc.message) from None
        # Not reset here: the outer middleware logs the request's line with it, then resets.
        caller.set(who.name)
        token = forwarded.set(authorization)
        try:
            return await handler(request)
        finally:
            forwarded.reset(token)

    return authenticate


def verifier_context(
    verifier: Verifier,
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        await verifier.start()
        yield
        await verifier.close()

    return lifecycle


class CallerMetadata:
    """Adds `authorization` and `x-caller` to every call to the orchestrator (the watch
    streams of the event streams and the cache included): one subclass per kind of call."""

    def __init__(self, service_token: str) -> None:
        self._service = f"Bearer {service_token}" if service_token else None

    def _details(self, client_call_details: ClientCallDetails) -> ClientCallDetails:
        extra: list[tuple[str, str]] = []
        credential = self._service or forwarded.get()
        if credential:
            extra.append(("authorization", credential))
        who = caller.get()
        if who is not None:
            extra.append(("x-caller", UNSAFE.sub("?", who)[:128]))
        if not extra:
            return client_call_details
        metadata = grpc.aio.Metadata(*(client_call_details.metadata or ()), *extra)
        return ClientCallDetails(
            method=client_call_details.method,
            timeout=client_call_details.timeout,
            metadata=metadata,
            credentials=client_call_details.credentials,
            wait_for_ready=client_call_details.wait_for_ready,
        )

    async def intercept(
        self,
        continuation: Callable[[ClientCallDetails, Any], Awaitable[Any]],
        client_call_details: ClientCallDetails,
        request: Any,
    ) -> Any:
        return await continuation(self._details(client_call_details), request)


class UnaryCallerMetadata(CallerMetadata, grpc.aio.UnaryUnaryClientInterceptor):
    intercept_unary_unary = CallerMetadata.intercept


class StreamCallerMetadata(CallerMetadata, grpc.aio.UnaryStreamClientInterceptor):
    intercept_unary_stream = CallerMetadata.intercept


def own_credential(settings: EdgeSettings) -> str | None:
    """What the edge's calls for no caller (its cache's stream) carry: "" with no access
    control, else the edge's own credential (ORCHESTRATOR_TOKEN, or EDGE_CACHE_TOKEN when
    callers' credentials are forwarded); None when it has none."""
    if not settings.auth_on or settings.orchestrator_token.get_secret_value():
        return ""  # nothing, or what the interceptor adds to every call
    token = settings.edge_cache_token.get_secret_value()
    return f"Bearer {token}" if token else None


def channel_interceptors(settings: EdgeSettings) -> list[grpc.aio.ClientInterceptor]:
    """The interceptor, when there is anything to carry (none on the default set-up)."""
    token = settings.orchestrator_token.get_secret_value()
    if not (token or settings.auth_on):
        return []
    # One of each kind: grpc.aio files an interceptor under the first kind it implements
    # only (grpc/aio/_channel.py), so one object of both kinds never saw the watches.
    return [UnaryCallerMetadata(token), StreamCallerMetadata(token)]
