"""Typed application keys: what create_app puts in the app for handlers to use."""

from typing import TYPE_CHECKING

from aiohttp import web
from grpc_health.v1.health_pb2_grpc import HealthStub

from edge.config import EdgeSettings
from edge.streams import EventStreams

if TYPE_CHECKING:  # the async stub class exists in the generated .pyi only
    from ai_studio.v1.project_service_pb2_grpc import ProjectServiceAsyncStub

    from edge.cache import ProjectCache

SETTINGS = web.AppKey("settings", EdgeSettings)
PROJECTS: web.AppKey["ProjectServiceAsyncStub"] = web.AppKey("projects")
HEALTH = web.AppKey("health", HealthStub)
EVENT_STREAMS = web.AppKey("event_streams", EventStreams)
CACHE: web.AppKey["ProjectCache | None"] = web.AppKey("cache")
