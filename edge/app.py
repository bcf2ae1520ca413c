"""The app factory main and tests share."""

import logging
from collections.abc import AsyncIterator

from ai_studio.v1.project_service_pb2_grpc import ProjectServiceStub
from aiohttp import web
from grpc_health.v1.health_pb2_grpc import HealthStub

from common.auth.verifier import Verifier
from common.tls import open_channel
from edge.auth import auth_middleware, channel_interceptors, own_credential, verifier_context
from edge.cache import ProjectCache, cache_ctx
from edge.config import EdgeSettings
from edge.keys import CACHE, EVENT_STREAMS, HEALTH, PROJECTS, SETTINGS
from edge.list_cache import ListCache
from edge.middleware import middleware
from edge.routes import setup_cors, setup_routes
from edge.streams import EventStreams

log = logging.getLogger(__name__)

# Reconnect fast after the orchestrator restarts: gRPC's default backoff grows to 120 s,
# and every request in that window would fail with a 503. Not "min_reconnect_backoff_ms":
# gRPC core reads it as the connection attempt's timeout (default 20 s), and at 100 ms a
# handshake slowed by load or latency failed with a 503 although the orchestrator was up.
CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
)


async def _grpc_channel(app: web.Application) -> AsyncIterator[None]:
    """One long-lived channel for the app's life, shared by every request."""
    settings = app[SETTINGS]
    channel = open_channel(
        settings.orchestrator_address, settings, CHANNEL_OPTIONS, channel_interceptors(settings)
    )
    app[PROJECTS] = ProjectServiceStub(channel)
    app[HEALTH] = HealthStub(channel)
    yield
    await channel.close()


# How long a request target aiohttp reads. Past middleware.MAX_TARGET (16 KiB) the
# middleware answers a JSON 414; past this, aiohttp answers its own plain-text 400.
PARSER_MAX_LINE = 64 * 1024


def create_app(settings: EdgeSettings) -> web.Application:
    verifier = Verifier(settings) if settings.auth_on else None
    app = web.Application(
        middlewares=[middleware, auth_middleware(verifier)] if verifier else [middleware],
        client_max_size=settings.max_body_bytes,
        handler_args={"max_line_size": PARSER_MAX_LINE},
    )
    app[SETTINGS] = settings
    app[EVENT_STREAMS] = EventStreams(settings.sse_max_streams, settings.sse_retry_after_s)
    app.on_shutdown.append(app[EVENT_STREAMS].on_shutdown)
    if verifier is not None:
        app.cleanup_ctx.append(verifier_context(verifier))
    app.cleanup_ctx.append(_grpc_channel)
    # The cache follows a stream of its own, which needs a credential of the edge's own
    # when access is controlled (forwarded callers' credentials are per request).
    credential = own_credential(settings) if settings.edge_cache else None
    if settings.edge_cache and credential is None:
        log.warning(
            "the edge cache is off: access control is on and the edge has no credential of "
            "its own for the cache's stream (set EDGE_CACHE_TOKEN or ORCHESTRATOR_TOKEN)"
        )
    app[CACHE] = (
        ProjectCache(
            settings.edge_cache_size,
            lists=ListCache(settings.edge_list_cache_size, settings.edge_list_cache_mb << 20),
        )
        if credential is not None
        else None
    )
    if credential is not None:
        # After the channel: it follows a stream on it.
        app.cleanup_ctx.append(cache_ctx(credential))
    setup_routes(app)
    setup_cors(app, settings.origins)
    return app
